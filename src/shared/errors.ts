/**
 * The one catalogue of error codes (docs/design.md). The API answers these codes in RFC 9457
 * problem bodies, the settings page shows their en/ja title and remedy, and
 * docs/troubleshooting.md is checked against this file by a test.
 *
 * Pure data, no imports: it is compiled both into the SPFx bundle (ES5) and into the API (Node).
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

export const ERROR_CATALOGUE = {
  MAILBOX_NOT_FOUND: {
    status: 422,
    title: {
      en: 'The account has no mailbox.',
      ja: 'このアカウントにはメールボックスがありません。'
    },
    remedy: {
      en: 'Assign an Exchange Online licence to the account (or check that its mailbox was not removed), wait for the mailbox to be created, then connect again.',
      ja: 'アカウントに Exchange Online のライセンスを割り当てる (またはメールボックスが削除されていないか確認する) と、メールボックスが作成されます。その後、もう一度接続してください。'
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
      ja: 'このアカウントでは SMTP クライアント認証 (SMTP AUTH) が無効です。'
    },
    remedy: {
      en: 'In the Microsoft 365 admin center open the user > Mail > Manage email apps and turn on "Authenticated SMTP" (or run Set-CASMailbox -SmtpClientAuthenticationDisabled $false), then connect again. Or choose Microsoft Graph as the transport.',
      ja: 'Microsoft 365 管理センターでユーザー > メール > メール アプリの管理を開き「認証済み SMTP」をオンにする (または Set-CASMailbox -SmtpClientAuthenticationDisabled $false を実行する) と、もう一度接続できます。送信方法に Microsoft Graph を選ぶこともできます。'
    }
  },
  CONSENT_REQUIRED: {
    status: 403,
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
      en: 'Connect again and choose Accept. If your organisation does not let users consent, ask a tenant admin to grant consent for the organisation.',
      ja: 'もう一度接続して「承諾」を選んでください。ユーザーによる同意が許可されていない場合は、テナント管理者に組織としての同意を依頼してください。'
    }
  },
  BAD_CREDENTIALS: {
    status: 422,
    title: {
      en: 'The email address or password is wrong.',
      ja: 'メール アドレスまたはパスワードが正しくありません。'
    },
    remedy: {
      en: 'Check the address and password and try again. Where multi-factor authentication is on, use an app password.',
      ja: 'アドレスとパスワードを確認して、もう一度お試しください。多要素認証が有効な場合はアプリ パスワードを使用してください。'
    }
  },
  APP_PASSWORD_REQUIRED: {
    status: 422,
    title: {
      en: 'This account needs an app password.',
      ja: 'このアカウントにはアプリ パスワードが必要です。'
    },
    remedy: {
      en: 'Multi-factor authentication is on for the account: create an app password in My Sign-Ins > Security info and enter it instead of the account password, or use Modern authentication.',
      ja: 'このアカウントでは多要素認証が有効です。[マイ サインイン] > [セキュリティ情報] でアプリ パスワードを作成して入力するか、先進認証を使用してください。'
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
  TOKEN_REVOKED: {
    status: 409,
    title: {
      en: 'The connection was lost: the sign-in is no longer valid.',
      ja: '接続が切断されました: サインインが無効になっています。'
    },
    remedy: {
      en: 'The account\'s sessions were revoked, its password changed or consent was withdrawn. Reconnect the account.',
      ja: 'アカウントのセッションが取り消されたか、パスワードが変更されたか、同意が取り消されました。アカウントを再接続してください。'
    }
  },
  THROTTLED: {
    status: 429,
    title: {
      en: 'Microsoft 365 asked us to slow down.',
      ja: 'Microsoft 365 から送信の抑制を求められました。'
    },
    remedy: {
      en: 'Nothing is lost: messages wait and are sent when the limit allows. Try again in a minute.',
      ja: 'メッセージは失われません。制限が解除されると送信されます。1 分後にもう一度お試しください。'
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
  }
} as const;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;
