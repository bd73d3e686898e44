import errors from '@lms-m365/contracts/errors/ja';
import type { IConnectionSettingsStrings } from './IConnectionSettingsStrings';

const strings: IConnectionSettingsStrings = {
  language: 'ja',
  locale: 'ja-JP',

  title: 'Microsoft 365 接続設定',
  intro: 'このカタログの通知と会議出席依頼を送信する Microsoft 365 アカウントを接続します。',
  loading: '接続設定を読み込んでいます…',
  readOnly: 'このカタログの接続は表示できますが、変更はできません。',

  masterSwitchLabel: 'LMS によるメール通知の送信、会議室の予約、会議出席依頼の作成を許可する',
  masterSwitchOn: 'オン',
  masterSwitchOff: 'オフ',
  masterSwitchOffHint: 'オフの間、このカタログからは何も送信されません。',

  methodLabel: '認証方式',
  methodModern: '先進認証 (推奨)',
  methodModernDescription: 'アカウントは Microsoft でサインインします。パスワードは保存されず、多要素認証と条件付きアクセスもそのまま機能します。',
  methodClassic: '基本認証',
  methodClassicDescription: 'アカウントのメール アドレスとパスワードによる SMTP の基本認証です。Microsoft が廃止を進めているため、先進認証を使えない場合にのみ使用してください。',

  transportLabel: 'メールの送信方法',
  transportGraph: 'Microsoft Graph (推奨)',
  transportSmtp: 'OAuth 2.0 による Exchange SMTP (アカウントの SMTP AUTH を有効にする必要があります)',

  permissionsHeading: '接続すると、アカウントは LMS に次の操作を許可します:',
  permissionMailSend: '接続したアカウントとして受講者にメールと予定を送信する',
  permissionPlaceRead: '組織の会議室を読み取り、セッションの場所として提示する',
  permissionCalendars: 'アカウントの予定表で予定と Teams 会議を作成、読み取り、更新、削除する',
  permissionUserRead: 'メール アドレスを表示するためにアカウントの基本プロフィールを読み取る',
  permissionOfflineAccess: '再サインインなしでこのアクセスを維持する (更新トークン)',
  permissionSmtpSend: 'Exchange の SMTP エンドポイントからメールを送信する',

  requirementsHeading: 'アカウントの条件:',
  requirementCloudMailbox: '自身のメールボックスを持つクラウド アカウント (Exchange Online のライセンスあり)',
  requirementNotShared: 'ユーザー アカウントであること (共有メールボックスは接続できません)',
  requirementSmtpAuth: 'SMTP で送信するため、SMTP クライアント認証 (SMTP AUTH) が有効であること',

  orgConsentLabel: '組織の代理として同意する',
  orgConsentHelp: 'あなたはテナント管理者です。すべてのアカウントとカタログに対して一度だけアクセス許可を付与すると、以後は誰にも同意を求めません。アカウントごとに個別に同意させる場合はオフのままにしてください。',
  orgConsentGranted: '組織としての同意は付与済みです。同意画面は表示されません。',
  orgConsentNotGranted: '組織としての同意はまだ付与されていません。サインイン時にアカウント自身が同意します。',

  connect: '接続',
  connecting: 'Microsoft のサインインが完了するのを待っています…',
  popupBlocked: 'ブラウザーがサインイン ウィンドウをブロックしました。',
  popupBlockedLink: 'Microsoft のサインインを開く',
  popupClosed: 'サインインが完了する前にサインイン ウィンドウが閉じられました。もう一度接続してください。',

  classicEmailLabel: 'メール アドレス',
  classicPasswordLabel: 'パスワード',
  classicAppPasswordHint: 'アカウントで多要素認証が有効な場合は、アカウントのパスワードではなくアプリ パスワードを入力してください。',
  classicPasswordHandling: 'パスワードは SMTP サインインで確認され、接続サービスで暗号化して保存されます。再表示されることはありません。',
  classicRetirementTitle: 'Microsoft は SMTP の基本認証を廃止します。',
  classicRetirementText: 'Exchange Online では、既存のテナントで SMTP クライアント送信の基本認証が 2026 年 12 月末から既定で無効になります。最終的な削除日は後日発表されます。先進認証に切り替えてください。',
  classicRetiredText: '2026 年 12 月 31 日以降、Exchange Online では SMTP クライアント送信の基本認証が既定で無効です。テナント管理者が再度有効にしていない限り、パスワードでの送信は失敗します。先進認証に切り替えてください。',
  classicLimitsHeading: '基本認証では使用できない機能:',
  classicLimitRooms: 'セッションの会議室の予約',
  classicLimitTeams: 'セッションの出席依頼への Teams 会議の追加',
  classicLimitFallback: '出席依頼は代わりに予定表 (iCalendar) 形式のメールで送信されます。',

  validationEmailRequired: 'アカウントのメール アドレスを入力してください。',
  validationEmailInvalid: 'name@contoso.com のような形式でメール アドレスを入力してください。',
  validationPasswordRequired: 'パスワード (またはアプリ パスワード) を入力してください。',

  alertRecipientsLabel: '接続が切断されたときに通知するユーザー',
  alertRecipientsHint: '名前を入力してディレクトリを検索します。',
  peopleSuggestions: '候補のユーザー',
  peopleNoResults: 'ユーザーが見つかりません',
  peopleLoading: '検索しています…',
  peopleSearchFailed: '現在ディレクトリを検索できません。もう一度入力して再試行してください。',
  peopleRemove: '削除',

  save: '保存',
  saving: '保存しています…',
  cancel: 'キャンセル',
  unsavedChanges: '保存されていない変更があります。',
  changedMark: '変更あり',
  connectedNotice: 'アカウントを接続しました。',
  saved: '設定を保存しました。',

  connectedHeading: '接続中のアカウント',
  accountLabel: 'アカウント',
  methodShortLabel: '認証方式',
  transportShortLabel: '送信方法',
  healthLabel: '状態',
  lastCheckLabel: '最終確認',
  methodModernShort: '先進認証',
  methodClassicShort: '基本認証',
  healthConnected: '接続済み',
  healthLost: '接続切断',
  healthError: 'エラー',
  healthNotConnected: '未接続',
  never: 'なし',
  checkNow: '今すぐ確認',
  changeAccount: 'アカウントを変更',
  checkingConnection: '接続を確認しています…',

  lostTitle: 'Microsoft 365 への接続が切断されました。',
  lostText: 'このカタログの送信は停止しています。通知は保留され、アカウントを再接続すると送信されます。',
  reconnect: '再接続',

  disconnect: '切断',
  disconnectDialogTitle: 'アカウントを切断しますか?',
  disconnectDialogText: 'アカウントを再度接続するまで、LMS はこのカタログの通知や出席依頼を送信できません。',
  disconnectConfirm: 'OK',
  disconnectKeep: 'キャンセル',
  disconnected: 'アカウントを切断しました。',

  testEmailHeading: 'テスト メールの送信',
  testEmailRecipient: '送信先',
  testEmailSend: 'テスト メールを送信',
  testEmailSending: '送信しています…',
  testEmailDelivered: 'テスト メールを {0} から {1} に送信しました。',
  validationRecipientInvalid: 'テスト メールの送信先のメール アドレスを入力してください。',

  conflictTitle: '編集中に他のユーザーがこの設定を変更しました。再読み込みして変更内容を確認してから、もう一度変更してください。',
  conflictReload: '再読み込み',
  timeoutError: '接続サービスが時間内に応答しませんでした。ネットワークを確認して、もう一度お試しください。',
  networkError: '接続サービスに接続できませんでした。ネットワークを確認して、もう一度お試しください。',
  chunkLoadFailed: 'このページの一部を読み込めませんでした。ネットワークを確認して、ページを再読み込みしてください。',
  reloadPage: 'ページを再読み込み',
  unknownError: '予期しないエラーが発生しました。もう一度お試しください。繰り返し発生する場合は LMS 管理者に連絡してください。',
  errorCode: 'エラー コード: {0}',
  retry: '再試行',
  dismiss: '閉じる',

  errors
};

export default strings;
