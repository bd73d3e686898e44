/**
 * The one catalogue of error codes (docs/design.md). The API answers these codes in RFC 9457
 * problem bodies, the settings page shows their en/ja title and remedy, and
 * docs/troubleshooting.md is checked against this file by a test.
 *
 * Two groups: domain codes (the product's own failures) and HTTP-level codes (what any API
 * answers for a bad token, bad input, a conflict or a fault). en and ja sit side by side here;
 * the web part never bundles this file but one language's texts (./en, ./ja), built from it.
 */

export interface ILocalizedText {
  en: string;
  ja: string;
}

export interface IErrorDefinition {
  /** HTTP status the API answers with. */
  status: number;
  /** One line: what went wrong. */
  title: ILocalizedText;
  /** What the admin should do about it. */
  remedy: ILocalizedText;
}

/** What went wrong with the catalog's account, its consent, its mailbox or Microsoft 365. */
export const DOMAIN_ERRORS = {
  MAILBOX_NOT_FOUND: {
    status: 422,
    title: {
      en: 'The account has no mailbox.',
      ja: 'このアカウントにはメールボックスがありません。'
    },
    remedy: {
      en: 'Assign an Exchange Online license to the account (or check that its mailbox was not removed) and wait for the mailbox to be created. Then choose Check now if the account is still connected, or connect it again.',
      ja: 'アカウントに Exchange Online のライセンスを割り当て（またはメールボックスが削除されていないことを確認し）、メールボックスが作成されるのを待ってください。その後、アカウントが接続されたままであれば [今すぐ確認] を選択し、そうでなければもう一度接続してください。'
    }
  },
  SHARED_MAILBOX: {
    status: 422,
    title: {
      en: 'A shared mailbox cannot be connected.',
      ja: '共有メールボックスは接続できません。'
    },
    remedy: {
      en: 'Sign in with a user account that has its own mailbox. Shared mailboxes cannot sign in or consent.',
      ja: '自身のメールボックスを持つユーザー アカウントでサインインしてください。共有メールボックスはサインインや同意ができません。'
    }
  },
  SMTP_AUTH_DISABLED: {
    status: 422,
    title: {
      en: 'SMTP client authentication is disabled for this account.',
      ja: 'このアカウントでは SMTP クライアント認証（SMTP AUTH）が無効です。'
    },
    remedy: {
      en: 'In the Microsoft 365 admin center, go to Users > Active users, select the account, then Mail > Manage email apps, turn on Authenticated SMTP and save (or run Set-CASMailbox -SmtpClientAuthenticationDisabled $false), then connect again. Or select Microsoft Graph under How mail is sent.',
      ja: 'Microsoft 365 管理センターで [ユーザー] > [アクティブなユーザー] を開き、対象のアカウントを選択して [メール] > [メール アプリの管理] で [認証済み SMTP] をオンにして保存して（または Set-CASMailbox -SmtpClientAuthenticationDisabled $false を実行して）から、もう一度接続してください。[メールの送信方法] で Microsoft Graph を選択することもできます。'
    }
  },
  CONSENT_REQUIRED: {
    status: 409,
    title: {
      en: 'Consent to the LMS permissions is missing.',
      ja: 'LMS のアクセス許可への同意がありません。'
    },
    remedy: {
      en: 'Connect again and accept the permissions, or ask a tenant admin to connect with "Consent on behalf of your organization".',
      ja: 'もう一度接続してアクセス許可に同意するか、テナント管理者に「組織の代理として同意する」で接続するよう依頼してください。'
    }
  },
  CONSENT_DECLINED: {
    status: 403,
    title: {
      en: 'The permissions were declined at sign-in.',
      ja: 'サインイン時にアクセス許可が拒否されました。'
    },
    remedy: {
      en: 'Connect again and select Accept. If your organization does not let users consent, ask a tenant admin to grant consent for the organization.',
      ja: 'もう一度接続して [承諾] を選択してください。ユーザーによる同意が許可されていない場合は、テナント管理者に組織としての同意を依頼してください。'
    }
  },
  BAD_CREDENTIALS: {
    status: 422,
    title: {
      en: 'The email address or password is wrong.',
      ja: 'メール アドレスまたはパスワードが正しくありません。'
    },
    remedy: {
      en: 'Check the address and password and try again. If the account uses per-user multi-factor authentication, use an app password (if your organization allows them).',
      ja: 'アドレスとパスワードを確認して、もう一度お試しください。アカウントでユーザーごとの多要素認証を使用している場合は、アプリ パスワード（組織で許可されている場合）を使用してください。'
    }
  },
  APP_PASSWORD_REQUIRED: {
    status: 422,
    title: {
      en: 'This account needs an app password.',
      ja: 'このアカウントにはアプリ パスワードが必要です。'
    },
    remedy: {
      en: 'The account uses multi-factor authentication. If it is per-user multi-factor authentication and your organization allows app passwords, create one in My Sign-Ins > Security info and enter it instead of the account\'s password. Otherwise use Modern authentication.',
      ja: 'このアカウントでは多要素認証が有効です。ユーザーごとの多要素認証で、組織がアプリ パスワードを許可している場合は、[マイ サインイン] > [セキュリティ情報] でアプリ パスワードを作成し、アカウントのパスワードの代わりに入力してください。それ以外の場合は先進認証を使用してください。'
    }
  },
  BASIC_AUTH_DISABLED: {
    status: 422,
    title: {
      en: 'Basic authentication for SMTP is turned off in this tenant.',
      ja: 'このテナントでは SMTP の基本認証が無効です。'
    },
    remedy: {
      en: 'Microsoft is retiring basic authentication for SMTP client submission. Switch this catalog to Modern authentication.',
      ja: 'Microsoft は SMTP クライアント送信の基本認証を廃止しつつあります。このカタログを先進認証に切り替えてください。'
    }
  },
  BASIC_AUTH_RETIRED: {
    status: 422,
    title: {
      en: 'Exchange Online no longer accepts a password for sending mail (basic authentication is retired).',
      ja: 'Exchange Online はメール送信にパスワードを受け付けなくなりました（基本認証は廃止されました）。'
    },
    remedy: {
      en: 'Microsoft turns basic authentication for SMTP client submission off by default from the end of December 2026 (MC786329). Switch this catalog to Modern authentication and connect the account again; re-entering the password will not help. A tenant admin can turn it back on for a while, but Microsoft will remove it for good at a date it announces in 2027.',
      ja: 'Microsoft は 2026年12月末から、SMTP クライアント送信の基本認証を既定で無効にしています（MC786329）。このカタログを先進認証に切り替えてアカウントを再接続してください。パスワードを入力し直しても解決しません。テナント管理者は一時的に再び有効にできますが、完全な廃止日は 2027年に Microsoft から発表される予定です。'
    }
  },
  TOKEN_REVOKED: {
    status: 409,
    title: {
      en: 'The account\'s sign-in is no longer valid: its sessions were revoked, its password changed or its consent withdrawn.',
      ja: 'アカウントのサインインが無効になりました。セッションが取り消されたか、パスワードが変更されたか、同意が取り消されています。'
    },
    remedy: {
      en: 'Select Reconnect and sign in as this account. Held notifications are sent once it is connected again.',
      ja: '[再接続] を選択し、このアカウントでもう一度サインインしてください。接続されると、保留中の通知が送信されます。'
    }
  },
  THROTTLED: {
    status: 429,
    title: {
      en: 'Microsoft 365 is limiting how fast the LMS can send.',
      ja: 'Microsoft 365 が LMS の送信速度を制限しています。'
    },
    remedy: {
      en: 'Notifications wait (unless they expire first) and are sent when the limit allows. Try again in a minute.',
      ja: '通知は送信待ちのままです（それまでに期限切れになったものを除く）。制限が解除されると送信されます。1 分後にもう一度お試しください。'
    }
  },
  NOT_CATALOG_ADMIN: {
    status: 403,
    title: {
      en: 'You cannot manage this catalog\'s connection.',
      ja: 'このカタログの接続を管理する権限がありません。'
    },
    remedy: {
      en: 'Only the catalog site\'s owners can change its Microsoft 365 connection. Ask a site owner.',
      ja: 'Microsoft 365 接続を変更できるのはカタログ サイトの所有者だけです。サイトの所有者に依頼してください。'
    }
  },
  PERMISSIONS_MISSING: {
    status: 409,
    title: {
      en: 'Not every permission the LMS needs was granted.',
      ja: 'LMS に必要なアクセス許可の一部が付与されていません。'
    },
    remedy: {
      en: 'Connect again and accept every permission listed, or ask a tenant admin to grant them for the organization. If connecting this catalog is refused before any sign-in, the LMS has not been given access to the catalog site. Ask your LMS administrator to have a Microsoft 365 admin give the LMS access to this site.',
      ja: 'もう一度接続して表示されたすべてのアクセス許可に同意するか、テナント管理者に組織としての付与を依頼してください。サインインの前にこのカタログへの接続が拒否される場合は、LMS にカタログ サイトへのアクセス権が付与されていません。Microsoft 365 管理者から LMS にこのサイトへのアクセス権を付与してもらうよう、LMS 管理者に依頼してください。'
    }
  },
  CONDITIONAL_ACCESS_BLOCKED: {
    status: 422,
    title: {
      en: 'A Conditional Access policy of your organization blocks the LMS\'s sign-ins with this account.',
      ja: '組織の条件付きアクセス ポリシーにより、このアカウントでの LMS のサインインがブロックされています。'
    },
    remedy: {
      en: 'The connection service signs in from its cloud servers, not from your device or network, so a policy that requires a compliant device, a trusted location or security defaults can block it even when your own sign-in works. Ask a tenant admin to look up this account\'s sign-ins to the connection service in Microsoft Entra ID (Sign-in logs) and to exclude the connection service\'s app from the policy or allow its addresses (security defaults allow no exclusions: Conditional Access policies must replace them). Once allowed, the LMS finds a connection already made working again at its next hourly check, or when you select Check now; a new connection can then be made.',
      ja: '接続サービスはお使いのデバイスやネットワークではなくクラウドのサーバーからサインインするため、準拠デバイス、信頼できる場所、またはセキュリティの既定値を求めるポリシーにより、ご自身のサインインが成功していてもブロックされることがあります。テナント管理者に、Microsoft Entra ID の [サインイン ログ] でこのアカウントの接続サービスへのサインインを確認し、接続サービスのアプリをポリシーの対象から除外するか、そのアドレスを許可するよう依頼してください（セキュリティの既定値には除外の設定がないため、条件付きアクセス ポリシーに置き換える必要があります）。許可されると、LMS は既存の接続が回復したことを次回の 1 時間ごとの確認、または [今すぐ確認] を選択したときに検出します。新しい接続もその後に作成できます。'
    }
  },
  ACCOUNT_DISABLED: {
    status: 422,
    title: {
      en: 'The account is disabled or blocked from signing in.',
      ja: 'このアカウントは無効になっているか、サインインがブロックされています。'
    },
    remedy: {
      en: 'Ask an administrator to allow the account to sign in, or connect another account.',
      ja: '管理者にアカウントのサインインを許可してもらうか、別のアカウントを接続してください。'
    }
  },
  SIGN_IN_FAILED: {
    status: 502,
    title: {
      en: 'Microsoft sign-in did not complete.',
      ja: 'Microsoft へのサインインが完了しませんでした。'
    },
    remedy: {
      en: 'Connect again. If it keeps failing, give your Microsoft 365 administrator the error code and the time it happened.',
      ja: 'もう一度接続してください。繰り返し失敗する場合は、エラー コードと発生日時を Microsoft 365 管理者に伝えてください。'
    }
  },
  STATE_INVALID: {
    status: 400,
    title: {
      en: 'This sign-in link is not valid or was already used.',
      ja: 'このサインイン リンクは無効か、既に使用されています。'
    },
    remedy: {
      en: 'Close this window and select Connect again on the settings page.',
      ja: 'このウィンドウを閉じ、設定ページでもう一度 [接続] を選択してください。'
    }
  },
  STATE_EXPIRED: {
    status: 400,
    title: {
      en: 'The sign-in took too long.',
      ja: 'サインインの有効期限が切れました。'
    },
    remedy: {
      en: 'Sign-in must finish within 10 minutes. Select Connect again on the settings page.',
      ja: 'サインインは 10 分以内に完了する必要があります。設定ページでもう一度 [接続] を選択してください。'
    }
  },
  SIGN_IN_OTHER_ADMIN: {
    status: 403,
    title: {
      en: 'This sign-in was started by another admin.',
      ja: 'このサインインは別の管理者が開始したものです。'
    },
    remedy: {
      en: 'Only the admin who selected Connect can finish the sign-in. Nothing was changed. Select Connect on the settings page yourself.',
      ja: 'サインインを完了できるのは [接続] を選択した管理者だけです。何も変更されていません。ご自身で設定ページの [接続] を選択してください。'
    }
  },
  SIGN_IN_OTHER_BROWSER: {
    status: 403,
    title: {
      en: 'This sign-in was started in another browser window.',
      ja: 'このサインインは別のブラウザー ウィンドウで開始されました。'
    },
    remedy: {
      en: 'A sign-in finishes only on the settings page that started it, in the window it opened, in the same browser. Nothing was changed. Select Connect again on the settings page. If this appears again in the window the page opened, the browser may be refusing cookies from the connection API\'s site: allow them for that site.',
      ja: 'サインインは、開始した設定ページが開いたウィンドウ（同じブラウザー）でのみ完了します。何も変更されていません。設定ページでもう一度 [接続] を選択してください。設定ページが開いたウィンドウで再びこの表示になる場合は、ブラウザーが接続 API のサイトの Cookie を拒否している可能性があります。そのサイトの Cookie を許可してください。'
    }
  },
  SIGN_IN_COOKIE_REFUSED: {
    status: 400,
    title: {
      en: 'The browser did not keep the connection service\'s sign-in cookie.',
      ja: 'ブラウザーが接続サービスのサインイン用 Cookie を保持しませんでした。'
    },
    remedy: {
      en: 'The sign-in window needs a cookie from the connection service\'s site to finish the sign-in safely in this browser. Nothing was changed. Allow cookies for that site in this browser, or use another browser, then select Connect again.',
      ja: 'サインイン ウィンドウでサインインを安全に完了するには、このブラウザーで接続サービスのサイトの Cookie が必要です。何も変更されていません。このブラウザーでそのサイトの Cookie を許可するか、別のブラウザーを使用してから、もう一度 [接続] を選択してください。'
    }
  },
  SIGN_IN_NOT_CONFIRMED: {
    status: 403,
    title: {
      en: 'The person who signed in did not confirm the connection.',
      ja: 'サインインした人が接続を確認しませんでした。'
    },
    remedy: {
      en: 'The sign-in was made with an account other than yours, and its owner selected Cancel when asked to let the LMS send this catalog\'s mail as that account. Nothing was changed. Select Connect again and sign in with the account that should send, or ask its owner to confirm.',
      ja: 'あなた以外のアカウントでサインインが行われ、このカタログのメールをそのアカウントとして LMS が送信することの確認で、アカウントの所有者が [キャンセル] を選択しました。何も変更されていません。もう一度 [接続] を選択して送信に使うアカウントでサインインするか、アカウントの所有者に確認を依頼してください。'
    }
  },
  SIGN_IN_SUPERSEDED: {
    status: 409,
    title: {
      en: 'The connection changed while you were signing in.',
      ja: 'サインイン中に接続が変更されました。'
    },
    remedy: {
      en: 'This catalog was connected or disconnected (by someone else or in another window) after you selected Connect, so your sign-in was not applied. Reload the page, check the connection and connect again if needed.',
      ja: '[接続] を選択した後に、このカタログが（ほかのユーザーまたは別のウィンドウで）接続または接続解除されたため、サインインは適用されませんでした。ページを再読み込みして接続を確認し、必要に応じてもう一度接続してください。'
    }
  },
  NOT_A_CATALOG: {
    status: 403,
    title: {
      en: 'This site is not a course catalog.',
      ja: 'このサイトはコース カタログではありません。'
    },
    remedy: {
      en: 'A site is a catalog only where the LMS app is added (its settings list exists) or the LMS registered it. Add the app to the site, or ask the LMS administrator to register it.',
      ja: 'カタログになるのは、LMS アプリが追加されたサイト（設定リストがあるサイト）か、LMS が登録したサイトだけです。サイトにアプリを追加するか、LMS 管理者に登録を依頼してください。'
    }
  },
  ACCOUNT_MISMATCH: {
    status: 409,
    title: {
      en: 'The stored sign-in does not belong to the connected account.',
      ja: '保存されているサインインは、接続されたアカウントのものではありません。'
    },
    remedy: {
      en: 'Nothing is sent from another account. Reconnect the catalog\'s account on the settings page.',
      ja: '別のアカウントから送信されることはありません。設定ページでカタログのアカウントを再接続してください。'
    }
  },
  NOT_CONNECTED: {
    status: 409,
    title: {
      en: 'No account is connected to this catalog.',
      ja: 'このカタログにはアカウントが接続されていません。'
    },
    remedy: {
      en: 'Connect an account first.',
      ja: '先にアカウントを接続してください。'
    }
  },
  SMTP_UNAVAILABLE: {
    status: 502,
    title: {
      en: 'The mail server could not be reached.',
      ja: 'メール サーバーに接続できませんでした。'
    },
    remedy: {
      en: 'Try again in a few minutes. If it persists, check the service status in the Microsoft 365 admin center.',
      ja: '数分後にもう一度お試しください。解決しない場合は Microsoft 365 管理センターでサービスの状態を確認してください。'
    }
  },
  RECIPIENT_REJECTED: {
    status: 422,
    title: {
      en: 'The recipient address was rejected.',
      ja: '宛先アドレスが拒否されました。'
    },
    remedy: {
      en: 'Check the recipient address and try again.',
      ja: '宛先アドレスを確認して、もう一度お試しください。'
    }
  },
  MESSAGE_REJECTED: {
    status: 422,
    title: {
      en: 'Microsoft 365 refused this message as not valid.',
      ja: 'Microsoft 365 がこのメッセージを無効として拒否しました。'
    },
    remedy: {
      en: 'Other messages are not affected. Check the addresses and content of this one; if they look right, give your Microsoft 365 administrator the error code and the time it happened.',
      ja: 'ほかのメッセージには影響ありません。このメッセージの宛先と内容を確認してください。問題がなさそうな場合は、エラー コードと発生日時を Microsoft 365 管理者に伝えてください。'
    }
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    title: {
      en: 'Microsoft 365 or the connection service did not respond.',
      ja: 'Microsoft 365 または接続サービスが応答しませんでした。'
    },
    remedy: {
      en: 'Try again in a few minutes. Repeating the request is safe: nothing is saved or sent twice.',
      ja: '数分後にもう一度お試しください。同じ操作を繰り返しても、二重に保存・送信されることはありません。'
    }
  },
  SERVICE_CREDENTIALS_REJECTED: {
    status: 503,
    title: {
      en: 'Microsoft 365 refused the connection service\'s own sign-in.',
      ja: 'Microsoft 365 が接続サービス自体のサインインを拒否しました。'
    },
    remedy: {
      en: 'The problem is not your account: a connection already made stays connected and needs no new sign-in, and its notifications wait and go out once the service is fixed. Tell your LMS administrator: Microsoft Entra ID refuses the sign-in of the connection service\'s app registration - most often its client secret has expired or is wrong, or a Conditional Access policy for workload identities blocks it.',
      ja: 'お使いのアカウントの問題ではありません。接続済みの接続はそのまま維持され、サインインし直す必要はありません。通知は送信待ちのまま、サービスが復旧すると送信されます。LMS 管理者に連絡してください（Microsoft Entra ID が接続サービスのアプリ登録のサインインを拒否しています。多くの場合、クライアント シークレットが期限切れか正しくないか、ワークロード ID 向けの条件付きアクセス ポリシーによってブロックされています）。'
    }
  },
  SERVICE_PERMISSION_MISSING: {
    status: 503,
    title: {
      en: 'The connection service lacks a Microsoft 365 permission of its own.',
      ja: '接続サービス自体に必要な Microsoft 365 のアクセス許可がありません。'
    },
    remedy: {
      en: 'The problem is not your account: a connection that works stays connected and keeps sending. Tell your LMS administrator: a Microsoft 365 admin must grant the connection service\'s application permission MailboxSettings.Read again (admin consent in Microsoft Entra ID), or include this account\'s mailbox in the scope that limits it.',
      ja: 'お使いのアカウントの問題ではありません。正常に動作している接続はそのまま維持され、送信も続きます。LMS 管理者に連絡してください。Microsoft 365 管理者が、接続サービスのアプリケーションのアクセス許可 MailboxSettings.Read を再度付与する（Microsoft Entra ID で管理者の同意を与える）か、このアカウントのメールボックスをそのアクセス許可の対象範囲に含める必要があります。'
    }
  },
  SERVICE_KEY_UNAVAILABLE: {
    status: 503,
    title: {
      en: 'The connection service cannot use its encryption key.',
      ja: '接続サービスが暗号化キーを使用できません。'
    },
    remedy: {
      en: 'The problem is not your account: connections stay connected and need no new sign-in, and their notifications wait and go out once the service is fixed. Tell your LMS administrator: the connection service cannot use its key in Azure Key Vault (its access was removed, the key was disabled or deleted, or Key Vault did not answer).',
      ja: 'お使いのアカウントの問題ではありません。接続はそのまま維持され、サインインし直す必要はありません。通知は送信待ちのまま、サービスが復旧すると送信されます。LMS 管理者に連絡してください（接続サービスが Azure Key Vault のキーを使用できません。アクセス権が削除された、キーが無効化または削除された、または Key Vault が応答しなかった可能性があります）。'
    }
  },
  CATALOG_INVALID: {
    status: 400,
    title: {
      en: 'This is not a catalog site the API serves.',
      ja: 'API が対象とするカタログ サイトではありません。'
    },
    remedy: {
      en: 'Use the catalog site\'s absolute URL under the tenant\'s SharePoint address.',
      ja: 'テナントの SharePoint アドレス配下のカタログ サイトの絶対 URL を使用してください。'
    }
  },
  ORIGIN_NOT_ALLOWED: {
    status: 400,
    title: {
      en: 'The page that asked for the connection is not an allowed origin.',
      ja: '接続を要求したページは許可されたオリジンではありません。'
    },
    remedy: {
      en: 'Open the settings page from SharePoint or Teams. Your LMS administrator adds other origins to ALLOWED_ORIGINS.',
      ja: 'SharePoint または Teams から設定ページを開いてください。ほかのオリジンは、LMS 管理者が ALLOWED_ORIGINS に追加します。'
    }
  },
  CATALOG_DISABLED: {
    status: 409,
    title: {
      en: 'Sending is switched off for this catalog.',
      ja: 'このカタログでは送信がオフになっています。'
    },
    remedy: {
      en: 'A catalog admin turns on "Allow the LMS to send email notifications…" on the catalog\'s Microsoft 365 connection settings page.',
      ja: 'カタログ管理者が、カタログの Microsoft 365 接続設定ページで [LMS によるメール通知の送信…を許可する] をオンにしてください。'
    }
  },
  MESSAGE_EXPIRED: {
    status: 410,
    title: {
      en: 'The notification expired before it could be sent.',
      ja: '通知は送信される前に有効期限が切れました。'
    },
    remedy: {
      en: 'Nothing to do for this one: it was no longer useful. If notifications expire often, check whether the connection was lost for a long time, or ask your LMS administrator to give notifications a longer expiry.',
      ja: 'この通知について必要な操作はありません（不要になったため送信されませんでした）。頻繁に期限切れになる場合は、接続が長時間失われていなかったか確認するか、通知の有効期限を長くするよう LMS 管理者に依頼してください。'
    }
  },
  NOTIFICATION_CANCELLED: {
    status: 410,
    title: {
      en: 'The LMS cancelled the notification before it was sent.',
      ja: '通知は送信される前に LMS によって取り消されました。'
    },
    remedy: {
      en: 'Nothing to do: the LMS withdrew it (for example, the event it announced was called off), and nobody received it.',
      ja: '必要な操作はありません。LMS が通知を取り下げたため（たとえば、案内していた予定が中止になった場合）、誰にも届いていません。'
    }
  },
  SENDING_QUOTA_EXCEEDED: {
    status: 429,
    title: {
      en: 'The account reached its daily sending limit.',
      ja: 'アカウントが 1 日の送信上限に達しました。'
    },
    remedy: {
      en: 'Exchange Online allows 10,000 recipients a day per mailbox. Sending resumes by itself when the limit resets; notifications wait (unless they expire first). To send more, spread notifications over more catalogs or accounts.',
      ja: 'Exchange Online では 1 つのメールボックスにつき 1 日 10,000 宛先までです。上限がリセットされると自動的に送信が再開されます。通知は送信待ちのままです（それまでに期限切れになったものを除く）。より多く送るには、通知を複数のカタログやアカウントに分散してください。'
    }
  },
  SENDING_BLOCKED: {
    status: 409,
    title: {
      en: 'Exchange Online stopped this account from sending.',
      ja: 'Exchange Online がこのアカウントからの送信を停止しました。'
    },
    remedy: {
      en: 'Exchange blocks a mailbox that sent suspicious mail or too much (error codes 5.1.8, 5.7.700 to 5.7.750): a Microsoft 365 admin reviews it in the Microsoft Defender portal (Restricted entities) and releases it. It also throttles a mailbox whose messages kept failing for a while (5.2.253 to 5.2.255: for example, no license, or too many or invalid recipients); that lifts by itself once the cause is fixed. Notifications wait (unless they expire first); while they do, the LMS tries again every hour, or sooner when a catalog admin selects Try again now on the settings page. A test email that goes through lifts the block at once.',
      ja: '疑わしいメールや大量のメールを送信したメールボックスは、Exchange によってブロックされます（エラー コード 5.1.8、5.7.700～5.7.750）。Microsoft 365 管理者が Microsoft Defender ポータル（制限付きエンティティ）で確認して解除してください。また、メッセージの失敗が続いたメールボックスは一定時間制限されます（5.2.253～5.2.255：ライセンスがない、宛先が多すぎる、無効な宛先など）。この制限は原因を解決すると自動的に解除されます。通知は送信待ちのままです（それまでに期限切れになったものを除く）。送信待ちの通知がある間、LMS は 1 時間ごとに再試行します。カタログ管理者は設定ページの [今すぐ再試行] で再試行を早めることができます。テスト メールを送信できれば、停止はすぐに解除されます。'
    }
  },
  SEND_AS_DENIED: {
    status: 409,
    title: {
      en: 'Exchange Online does not let the account send from the address the LMS uses.',
      ja: 'LMS が使う差出人アドレスからの送信を、Exchange Online がこのアカウントに許可していません。'
    },
    remedy: {
      en: 'Exchange refused the sender address (SendAs denied: 5.7.60, or 5.2.252 after repeated refusals): it is not one of the connected mailbox\'s addresses. With Classic, the LMS sends from the address typed in Email address when connecting. If that sign-in name differs from the mailbox\'s primary email address, connect with Modern, which always sends from the mailbox\'s own address. Otherwise a Microsoft 365 admin checks the mailbox\'s email addresses in the Exchange admin center. Notifications wait (unless they expire first); while they do, the LMS tries again every hour, or sooner when a catalog admin selects Try again now on the settings page.',
      ja: 'Exchange が差出人アドレスを拒否しました（SendAs「送信者として送信」の拒否：5.7.60、拒否が続いた場合は 5.2.252）。このアドレスは、接続されたメールボックスのアドレスではありません。基本認証では、接続時に [メール アドレス] に入力したアドレス（サインイン名）から送信します。これがメールボックスのプライマリ メール アドレスと異なる場合は、常にメールボックス自身のアドレスから送信する先進認証で接続してください。それ以外の場合は、Microsoft 365 管理者が Exchange 管理センターでメールボックスのメール アドレスを確認してください。通知は送信待ちのままです（それまでに期限切れになったものを除く）。送信待ちの通知がある間、LMS は 1 時間ごとに再試行します。カタログ管理者は設定ページの [今すぐ再試行] で再試行を早めることができます。'
    }
  },
  MAILBOX_FULL: {
    status: 409,
    title: {
      en: 'The account\'s mailbox is full, so Exchange Online does not let it send.',
      ja: 'アカウントのメールボックスが容量の上限に達したため、Exchange Online が送信を許可していません。'
    },
    remedy: {
      en: 'Every message the LMS sends is kept in the account\'s Sent Items, which counts toward its mailbox size. Free space in the mailbox (Sent Items, Deleted Items) or have an Exchange admin raise its quota, and give Sent Items a retention policy that empties it before the mailbox fills. Sending then resumes by itself at its next hourly try, or sooner when a catalog admin selects Try again now on the settings page; notifications wait (unless they expire first).',
      ja: 'LMS が送信したメッセージはすべてアカウントの送信済みアイテムに保存され、メールボックスの容量に含まれます。メールボックスの空き容量を増やす（送信済みアイテム、削除済みアイテム）か、Exchange 管理者に容量の上限を引き上げてもらい、メールボックスがいっぱいになる前に送信済みアイテムを空にするアイテム保持ポリシーを設定してください。その後、1 時間ごとの再試行で送信が自動的に再開されます。カタログ管理者は設定ページの [今すぐ再試行] で再開を早めることができます。通知は送信待ちのままです（それまでに期限切れになったものを除く）。'
    }
  },
  ROOM_UNAVAILABLE: {
    status: 409,
    title: {
      en: 'The meeting room is not free at the session\'s time.',
      ja: '会議室はセッションの時間に空いていません。'
    },
    remedy: {
      en: 'The room was busy when its free/busy was checked, or the room declined the booking - a room also declines what its booking policy does not take, free or not (by default a meeting ending more than 180 days ahead or longer than 24 hours). Offer only rooms that GET /rooms/availability shows free, then update the session with another room or time (a new revision).',
      ja: '空き時間の確認で会議室が予約済みだったか、会議室が予約を辞退しました。会議室は空いていても予約ポリシーに合わない予約を辞退します（既定では 180 日より先に終わる会議や 24 時間を超える会議）。GET /rooms/availability で空いている会議室だけを提示し、別の会議室または時間でセッションを更新してください（新しいリビジョン）。'
    }
  },
  ROOMS_NOT_AVAILABLE: {
    status: 409,
    title: {
      en: 'Rooms cannot be listed or booked through this catalog\'s connection.',
      ja: 'このカタログの接続では会議室の一覧表示や予約ができません。'
    },
    remedy: {
      en: 'Rooms need Microsoft Graph: a Modern connection (Microsoft sign-in, whichever way its mail goes), and Place.Read.All approved by a tenant admin (the settings page shows how to ask). A Classic connection sends the invitation with the room\'s name as its location only.',
      ja: '会議室には Microsoft Graph が必要です。先進認証（Microsoft サインイン）での接続（メールの送信方法は問いません）と、テナント管理者が承認した Place.Read.All が必要です（設定ページに依頼方法が表示されます）。基本認証での接続では、会議室名を場所として記載した会議出席依頼のみを送信します。'
    }
  },
  SESSION_ENDED: {
    status: 410,
    title: {
      en: 'The session had ended before its invitation could go out.',
      ja: 'セッションが終了していたため、会議出席依頼は送信されませんでした。'
    },
    remedy: {
      en: 'Nothing to do for this session: an invitation that waited (the connection was lost, or sending was switched off) is not sent once its session has ended, so no meeting in the past lands in calendars and no room is booked for it. A cancellation still goes, and a meeting of an earlier revision still ahead in calendars (the session was moved into what is now the past) is cancelled, its room released. If this happens often, find out why sending stopped for so long.',
      ja: 'このセッションについて必要な操作はありません。送信待ちだった会議出席依頼（接続が失われていた、または送信がオフだった場合）は、セッションの終了後には送信されません。過去の会議が予定表に追加されたり、会議室が予約されたりすることはありません。取り消しは送信されます。以前のリビジョンの会議がまだ予定表の先の日時に残っている場合（セッションが、現在では過去となった日時に変更された場合）は、その会議を取り消し、会議室の予約も解除します。頻繁に起きる場合は、送信が長く止まっていた理由を確認してください。'
    }
  },
  TEAMS_NOT_AVAILABLE: {
    status: 409,
    title: {
      en: 'No Teams meeting: the connected account cannot create Teams meetings.',
      ja: '接続されたアカウントは Teams 会議を作成できないため、Teams 会議は追加されませんでした。'
    },
    remedy: {
      en: 'Microsoft 365 made the meeting without a Teams meeting: the account\'s calendar does not offer Teams as an online meeting provider (usually the account has no Teams licence). The invitation went out without a join link. Once a Microsoft 365 admin assigns the account a licence that includes Teams, the session\'s next revision adds a Teams meeting.',
      ja: 'Microsoft 365 は Teams 会議なしで会議を作成しました。このアカウントの予定表では、オンライン会議プロバイダーとして Teams を使用できません（通常、アカウントに Teams のライセンスがありません）。出席依頼は参加リンクなしで送信されました。Microsoft 365 管理者がこのアカウントに Teams を含むライセンスを割り当てると、セッションの次のリビジョンで Teams 会議が追加されます。'
    }
  },
  TEAMS_NOT_AVAILABLE_ON_SMTP: {
    status: 409,
    title: {
      en: 'No Teams meeting: this catalog sends invitations over SMTP.',
      ja: 'このカタログは SMTP で会議出席依頼を送信しているため、Teams 会議は追加されません。'
    },
    remedy: {
      en: 'Invitations over SMTP are calendar (iCalendar) emails: they cannot create a Teams meeting or book a room. Connect the catalog with Modern authentication (Microsoft sign-in) to get both for new sessions; a session whose meeting went out over SMTP stays there.',
      ja: 'SMTP で送信する出席依頼は予定表（iCalendar）形式のメールのため、Teams 会議の作成や会議室の予約はできません。先進認証（Microsoft サインイン）でカタログを接続すると、新しいセッションで両方を利用できます（SMTP で送信済みの会議は SMTP のままです）。'
    }
  },
  SESSION_ORGANIZER_CHANGED: {
    status: 409,
    title: {
      en: 'The session\'s meeting was sent as another account: the account the catalog is now connected with cannot change it.',
      ja: 'このセッションの会議は別のアカウントから送信されています。カタログに現在接続しているアカウントでは変更できません。'
    },
    remedy: {
      en: 'Attendees\' calendars take changes of a meeting only from its organizer, the account it was sent as (the session\'s status shows it as organizer). Connect the catalog as that account again, then send the change again (a new revision). Or cancel the meeting as that account (in Outlook, when it was sent through Microsoft Graph) and create the session again under a new session id.',
      ja: '出席者の予定表は、会議の開催者（会議を送信したアカウント。セッションの状態に organizer として表示されます）からの変更だけを受け付けます。カタログをそのアカウントでもう一度接続してから、変更を再送信してください（新しいリビジョン）。または、そのアカウントで会議を取り消し（Microsoft Graph で送信した会議は Outlook で）、新しいセッション ID でセッションを作成し直してください。'
    }
  },
  SESSION_TRANSPORT_CHANGED: {
    status: 409,
    title: {
      en: 'The session\'s meeting was sent another way (Microsoft Graph or SMTP) than the catalog now sends: it cannot be changed this way.',
      ja: 'このセッションの会議は、カタログの現在の送信方法（Microsoft Graph または SMTP）とは別の方法で送信されているため、この方法では変更できません。'
    },
    remedy: {
      en: 'A meeting sent through Microsoft Graph is an event in the organizer\'s calendar that only Graph changes; one sent over SMTP is an iCalendar invitation that only further iCalendar email over SMTP changes (the session\'s status shows which as transport). With the same account, connect the catalog with Modern authentication and the SMTP transport, which changes both kinds (or, for SMTP, a Classic connection; for Graph, Modern with Microsoft Graph), then send the change again (a new revision). Or, for a meeting sent through Graph, cancel it in Outlook as that account and create the session again under a new session id.',
      ja: 'Microsoft Graph で送信した会議は開催者の予定表のイベントで、Graph からしか変更できません。SMTP で送信した会議は iCalendar の出席依頼で、SMTP での iCalendar メールでしか変更できません（どちらかはセッションの状態に transport として表示されます）。同じアカウントのまま、SMTP で送信する先進認証でカタログを接続し（どちらの会議も変更できます。SMTP の会議は基本認証での接続、Graph の会議は Microsoft Graph で送信する先進認証での接続でも変更できます）、変更を再送信してください（新しいリビジョン）。Graph で送信した会議であれば、そのアカウントで Outlook から取り消し、新しいセッション ID でセッションを作成し直すこともできます。'
    }
  },
  CLASSIC_DISABLED: {
    status: 403,
    title: {
      en: 'Classic (password) connections are turned off for this organization.',
      ja: 'この組織では基本認証（パスワード）での接続がオフになっています。'
    },
    remedy: {
      en: 'Connect with Modern authentication (Microsoft sign-in). Your LMS administrator has turned Classic connections off.',
      ja: '先進認証（Microsoft サインイン）で接続してください。LMS 管理者が基本認証での接続をオフにしています。'
    }
  },
  CONNECT_ATTEMPTS_LIMITED: {
    status: 429,
    title: {
      en: 'Too many password attempts: connecting is paused for a while.',
      ja: 'パスワードの試行回数が多すぎるため、しばらく接続できません。'
    },
    remedy: {
      en: 'Wait the number of seconds in Retry-After, then check the address and password and try again. Attempts are limited per admin and per account to protect the account; a check or test email with a saved password that Microsoft 365 refused counts as an attempt on the account.',
      ja: 'Retry-After に示された秒数待ってから、アドレスとパスワードを確認してもう一度お試しください。アカウントを保護するため、試行回数は管理者ごととアカウントごとに制限されています。Microsoft 365 に拒否された保存済みパスワードでの接続確認やテスト メールも、アカウントの試行回数に含まれます。'
    }
  },
  TEST_RECIPIENT_NOT_ALLOWED: {
    status: 422,
    title: {
      en: 'A test email can only go to your organization or to the catalog\'s alert recipients.',
      ja: 'テスト メールは、組織内のアドレスまたはカタログのアラートの受信者にのみ送信できます。'
    },
    remedy: {
      en: 'Send the test to an address in one of your organization\'s domains, or add the address to the catalog\'s alert recipients first.',
      ja: '組織のドメインのアドレスに送信するか、先にそのアドレスをカタログのアラートの受信者に追加してください。'
    }
  },
  TEST_EMAIL_QUOTA_EXCEEDED: {
    status: 429,
    title: {
      en: 'This catalog sent all the test emails it may send today.',
      ja: 'このカタログは本日送信できるテスト メールをすべて送信しました。'
    },
    remedy: {
      en: 'Try again tomorrow (the count restarts at midnight UTC). The connection itself keeps working: select Check now to test it without sending mail.',
      ja: '明日もう一度お試しください（回数は UTC の午前 0 時、日本時間では午前 9 時にリセットされます）。接続自体は引き続き機能しています。メールを送信せずに確認するには [今すぐ確認] を選択してください。'
    }
  }
} as const satisfies Record<string, IErrorDefinition>;

/**
 * Request-level codes any HTTP API could answer: authentication, validation, concurrency,
 * routing, limits, faults. The page shows them like the others; a client can tell them apart.
 */
export const HTTP_ERRORS = {
  AUTH_REQUIRED: {
    status: 401,
    title: {
      en: 'Sign-in is required.',
      ja: 'サインインが必要です。'
    },
    remedy: {
      en: 'Reload the page to sign in again.',
      ja: 'ページを再読み込みして、もう一度サインインしてください。'
    }
  },
  TOKEN_INVALID: {
    status: 401,
    title: {
      en: 'Your sign-in is not valid for this service.',
      ja: 'サインイン情報がこのサービスに対して有効ではありません。'
    },
    remedy: {
      en: 'Reload the page. If it keeps happening, an Application Administrator or Global Administrator must approve the API permission in the SharePoint admin center (Advanced > API access).',
      ja: 'ページを再読み込みしてください。繰り返し発生する場合は、アプリケーション管理者またはグローバル管理者が SharePoint 管理センターの [詳細設定] > [API アクセス] で API のアクセス許可を承認する必要があります。'
    }
  },
  SCOPE_MISSING: {
    status: 403,
    title: {
      en: 'The sign-in lacks the permission to use this service.',
      ja: 'サインイン情報にこのサービスを使用するアクセス許可がありません。'
    },
    remedy: {
      en: 'An Application Administrator or Global Administrator must approve the API permission (user_impersonation) in the SharePoint admin center (Advanced > API access).',
      ja: 'アプリケーション管理者またはグローバル管理者が、SharePoint 管理センターの [詳細設定] > [API アクセス] で API のアクセス許可（user_impersonation）を承認する必要があります。'
    }
  },
  APP_ROLE_MISSING: {
    status: 403,
    title: {
      en: 'The calling application has no role for this service.',
      ja: '呼び出し元のアプリケーションにはこのサービスのロールがありません。'
    },
    remedy: {
      en: 'Grant the application the Notifications.Send app role of the connection API.',
      ja: 'アプリケーションに接続 API のアプリ ロール Notifications.Send を付与してください。'
    }
  },
  VALIDATION_FAILED: {
    status: 400,
    title: {
      en: 'The request is not valid.',
      ja: '要求が正しくありません。'
    },
    remedy: {
      en: 'Correct the field named in the detail and try again.',
      ja: '詳細に示された項目を修正して、もう一度お試しください。'
    }
  },
  PRECONDITION_REQUIRED: {
    status: 428,
    title: {
      en: 'The change must say which version it replaces.',
      ja: '変更にはどのバージョンを置き換えるかの指定が必要です。'
    },
    remedy: {
      en: 'Send the ETag of the connection you read in an If-Match header.',
      ja: '読み取った接続の ETag を If-Match ヘッダーで送信してください。'
    }
  },
  CHANGED_BY_SOMEONE_ELSE: {
    status: 412,
    title: {
      en: 'Someone else changed this connection meanwhile.',
      ja: 'この接続はほかのユーザーによって変更されました。'
    },
    remedy: {
      en: 'Reload to see the current settings, then apply your change again.',
      ja: '再読み込みして現在の設定を確認してから、もう一度変更してください。'
    }
  },
  NOT_FOUND: {
    status: 404,
    title: {
      en: 'There is nothing at this address.',
      ja: 'このアドレスには何もありません。'
    },
    remedy: {
      en: 'Check the URL against the API\'s description, /openapi.json (docs/api.md; the LMS\'s endpoints: docs/lms-integration.md).',
      ja: 'URL を API の定義 /openapi.json（docs/api.md、LMS 向けのエンドポイントは docs/lms-integration.md）と照合してください。'
    }
  },
  METHOD_NOT_ALLOWED: {
    status: 405,
    title: {
      en: 'This method is not supported here.',
      ja: 'このメソッドはここではサポートされていません。'
    },
    remedy: {
      en: 'Check the method against docs/api.md.',
      ja: 'メソッドを docs/api.md と照合してください。'
    }
  },
  BODY_TOO_LARGE: {
    status: 413,
    title: {
      en: 'The request is too large.',
      ja: '要求が大きすぎます。'
    },
    remedy: {
      en: 'Send a smaller request.',
      ja: 'より小さな要求を送信してください。'
    }
  },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    title: {
      en: 'The request body must be JSON.',
      ja: '要求の本文は JSON である必要があります。'
    },
    remedy: {
      en: 'Send Content-Type: application/json.',
      ja: 'Content-Type: application/json を送信してください。'
    }
  },
  RATE_LIMITED: {
    status: 429,
    title: {
      en: 'Too many requests.',
      ja: '要求が多すぎます。'
    },
    remedy: {
      en: 'Wait the number of seconds in Retry-After, then try again.',
      ja: 'Retry-After に示された秒数待ってから、もう一度お試しください。'
    }
  },
  INTERNAL_ERROR: {
    status: 500,
    title: {
      en: 'Something went wrong in the connection service.',
      ja: '接続サービスで問題が発生しました。'
    },
    remedy: {
      en: 'Try again. If it keeps happening, give your LMS administrator the error code, the time it happened and, if shown, the request ID.',
      ja: 'もう一度お試しください。繰り返し発生する場合は、エラー コード、発生日時、および要求 ID（表示されている場合）を LMS 管理者に伝えてください。'
    }
  },
  APP_ONLY: {
    status: 403,
    title: {
      en: 'This operation is for the LMS back end only.',
      ja: 'この操作は LMS のバックエンド専用です。'
    },
    remedy: {
      en: 'Call it with an app-only token (client credentials) of the LMS back end that holds the Notifications.Send app role; a signed-in user\'s token is refused.',
      ja: 'Notifications.Send アプリ ロールを持つ LMS バックエンドのアプリ専用トークン（クライアント資格情報）で呼び出してください。サインインしたユーザーのトークンは拒否されます。'
    }
  },
  USER_ONLY: {
    status: 403,
    title: {
      en: 'This operation is for signed-in catalog admins only.',
      ja: 'この操作は、サインインしたカタログ管理者専用です。'
    },
    remedy: {
      en: 'It serves the settings page and takes a signed-in admin\'s token; an application\'s token is refused. The LMS back end reads a notification with GET /v1/catalogs/{catalog}/notifications/{id}.',
      ja: 'この操作は設定ページ用で、サインインした管理者のトークンで呼び出します。アプリケーションのトークンは拒否されます。LMS のバックエンドは、GET /v1/catalogs/{catalog}/notifications/{id} で通知を読み取ります。'
    }
  },
  IDEMPOTENCY_KEY_REQUIRED: {
    status: 400,
    title: {
      en: 'The request has no idempotency key.',
      ja: '要求に冪等性キーがありません。'
    },
    remedy: {
      en: 'Send an Idempotency-Key header: the same key later returns the same notification instead of sending it twice. (In a batch, each item\'s key is required by the schema.)',
      ja: 'Idempotency-Key ヘッダーを送信してください。同じキーで再送すると、二重に送信せず同じ通知が返されます（一括の場合、各項目のキーはスキーマで必須です）。'
    }
  },
  IDEMPOTENCY_KEY_REUSED: {
    status: 422,
    title: {
      en: 'This idempotency key was already used for a different request.',
      ja: 'この冪等性キーは別の内容の要求で既に使われています。'
    },
    remedy: {
      en: 'Use a new key for a new notification. Repeat a key only to retry exactly the same request.',
      ja: '新しい通知には新しいキーを使ってください。キーを繰り返すのは、まったく同じ要求を再試行する場合だけです。'
    }
  },
  NOTIFICATION_TOO_LARGE: {
    status: 400,
    title: {
      en: 'The notification is too large to store.',
      ja: '通知が大きすぎるため保存できません。'
    },
    remedy: {
      en: 'Keep a notification\'s bodies and recipient addresses together under about 500,000 characters: send a long list of recipients as several notifications, or link to long content instead of including it.',
      ja: '1 件の通知の本文と宛先アドレスは合計で約 50 万文字以内にしてください。宛先が多い場合は複数の通知に分け、長い内容は本文に含めずリンクにしてください。'
    }
  },
  NOTIFICATION_NOT_FOUND: {
    status: 404,
    title: {
      en: 'There is no such notification for this catalog.',
      ja: 'このカタログにはその通知がありません。'
    },
    remedy: {
      en: 'Check the notification id and the catalog it was queued for. A notification is deleted some time after it was sent, expired, failed or cancelled (90 days by default).',
      ja: '通知 ID と、その通知をキューに入れたカタログを確認してください。通知は、送信・期限切れ・失敗・取り消しのいずれかで終了してから一定期間（既定では 90 日）後に削除されます。'
    }
  },
  NOTIFICATION_NOT_CANCELLABLE: {
    status: 409,
    title: {
      en: 'The notification can no longer be cancelled.',
      ja: 'この通知はもう取り消せません。'
    },
    remedy: {
      en: 'Only a notification that waits (queued or held) and that nobody may have yet can be cancelled. Read its status with GET /v1/catalogs/{catalog}/notifications/{id}: it is being sent, was sent (in part, for a long list), expired or failed, or a try to send it may have reached its recipients. To correct what was sent, queue a new notification.',
      ja: '取り消せるのは、送信を待っていて（キュー内または保留中）、まだ誰にも届いている可能性のない通知だけです。GET /v1/catalogs/{catalog}/notifications/{id} で状態を確認してください。送信中、送信済み（宛先が多い場合は一部送信済み）、期限切れ、失敗のいずれかか、送信の試行が宛先に届いた可能性があります。送信した内容を訂正するには、新しい通知をキューに入れてください。'
    }
  },
  SESSION_NOT_FOUND: {
    status: 404,
    title: {
      en: 'There is no such session for this catalog.',
      ja: 'このカタログにはそのセッションがありません。'
    },
    remedy: {
      en: 'Check the session id and the catalog it was put for. A session must be put (PUT) before it can be canceled.',
      ja: 'セッション ID と、そのセッションを登録したカタログを確認してください。セッションは取り消す前に登録（PUT）する必要があります。'
    }
  },
  SESSION_REVISION_STALE: {
    status: 409,
    title: {
      en: 'A newer revision of this session was already received.',
      ja: 'このセッションのより新しいリビジョンを既に受け取っています。'
    },
    remedy: {
      en: 'Nothing to do when this was a late retry: the newer revision stands. To change the session, send a revision number higher than the current one (the status shows it).',
      ja: '遅れて届いた再試行であれば対応は不要です（新しいリビジョンが有効です）。セッションを変更するには、現在より大きいリビジョン番号を送ってください（状態に表示されます）。'
    }
  },
  SESSION_NOT_FINISHED: {
    status: 409,
    title: {
      en: 'This session cannot be deleted yet: it is neither canceled nor over.',
      ja: 'このセッションはまだ削除できません。取り消されておらず、終了もしていません。'
    },
    remedy: {
      en: 'Cancel the session first (its attendees get the cancellation), then delete it once its status is canceled. A session that has ended can be deleted as it is.',
      ja: '先にセッションを取り消してください（出席者に取り消しが届きます）。状態が取り消し済みになったら削除できます。終了したセッションはそのまま削除できます。'
    }
  },
  CLIENT_APP_NOT_ACCEPTED: {
    status: 403,
    title: {
      en: 'The application that signed you in is not accepted by this service.',
      ja: 'サインインに使われたアプリケーションはこのサービスで受け入れられていません。'
    },
    remedy: {
      en: 'Use the settings page in SharePoint or Teams (or, for the LMS back end, its own app registration). Your LMS administrator adds other client applications in ALLOWED_DELEGATED_CLIENTS or ALLOWED_APP_CLIENTS.',
      ja: 'SharePoint または Teams の設定ページを使用してください（LMS バックエンドの場合は専用のアプリ登録を使用してください）。ほかのクライアント アプリケーションは、LMS 管理者が ALLOWED_DELEGATED_CLIENTS または ALLOWED_APP_CLIENTS に追加します。'
    }
  }
} as const satisfies Record<string, IErrorDefinition>;

export const ERROR_CATALOGUE = { ...DOMAIN_ERRORS, ...HTTP_ERRORS };

export type DomainErrorCode = keyof typeof DOMAIN_ERRORS;
export type HttpErrorCode = keyof typeof HTTP_ERRORS;
export type ErrorCode = DomainErrorCode | HttpErrorCode;

/** Every code, for validation (the Problem schema) and lookups. */
export const ERROR_CODES = Object.keys(ERROR_CATALOGUE) as ErrorCode[];

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CATALOGUE, code);
}
