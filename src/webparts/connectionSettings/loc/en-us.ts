import errors from '@lms-m365/contracts/errors/en';
import type { IConnectionSettingsStrings } from './IConnectionSettingsStrings';

const strings: IConnectionSettingsStrings = {
  language: 'en',
  locale: 'en-US',

  title: 'Microsoft 365 connection settings',
  intro: 'Connect the Microsoft 365 account that sends this catalog\'s notifications and meeting invitations.',
  loading: 'Loading the connection settings…',
  readOnly: 'You can see this catalog\'s connection but cannot change it.',

  masterSwitchLabel: 'Allow the LMS to send email notifications, book meeting rooms and create meeting invitations',
  masterSwitchOn: 'On',
  masterSwitchOff: 'Off',
  masterSwitchOffHint: 'While this is off, nothing is sent for this catalog.',

  methodLabel: 'Authentication method',
  methodModern: 'Modern (recommended)',
  methodModernDescription: 'The account signs in at Microsoft; no password is stored, and multi-factor authentication and conditional access keep working.',
  methodClassic: 'Classic',
  methodClassicDescription: 'Basic SMTP authentication with the account\'s email address and password, which Microsoft is retiring; use it only where Modern is not possible.',

  transportLabel: 'How mail is sent',
  transportGraph: 'Microsoft Graph (recommended)',
  transportSmtp: 'Exchange SMTP with OAuth 2.0 (SMTP AUTH must be on for the account)',

  permissionsHeading: 'When you connect, the account allows the LMS to:',
  permissionMailSend: 'send mail and appointments to learners as the connected account',
  permissionPlaceRead: 'read the organisation\'s meeting rooms to offer them as session locations',
  permissionCalendars: 'create, read, update and delete events and Teams meetings in the account\'s calendar',
  permissionUserRead: 'read the account\'s basic profile to show its email address',
  permissionOfflineAccess: 'keep this access without asking you to sign in again (refresh token)',
  permissionSmtpSend: 'send mail through Exchange\'s SMTP endpoint',

  requirementsHeading: 'The account must be:',
  requirementCloudMailbox: 'a cloud account with its own mailbox (licensed for Exchange Online)',
  requirementNotShared: 'a user account - a shared mailbox cannot be connected',
  requirementSmtpAuth: 'enabled for SMTP client authentication (SMTP AUTH), because mail is sent through SMTP',

  orgConsentLabel: 'Consent on behalf of your organisation',
  orgConsentHelp: 'You are a tenant admin: grant the permissions once for every account and catalog, so no one is asked again. Leave this off when each account should consent individually.',
  orgConsentGranted: 'Consent for the organisation has been granted: no consent page will be shown.',
  orgConsentNotGranted: 'Consent for the organisation has not been granted: the account consents for itself when it signs in.',

  connect: 'Connect',
  connecting: 'Waiting for the Microsoft sign-in to finish…',
  popupBlocked: 'The browser blocked the sign-in window.',
  popupBlockedLink: 'Open the Microsoft sign-in',
  popupClosed: 'The sign-in window was closed before the sign-in finished. Connect again to retry.',

  classicEmailLabel: 'Email address',
  classicPasswordLabel: 'Password',
  classicAppPasswordHint: 'If multi-factor authentication is on for the account, enter an app password instead of the account\'s password.',
  classicPasswordHandling: 'The password is checked with an SMTP sign-in, stored encrypted by the connection service and never shown again.',
  classicRetirementTitle: 'Microsoft is retiring basic authentication for SMTP.',
  classicRetirementText: 'Exchange Online turns off basic authentication for SMTP client submission by default for existing tenants from the end of December 2026; the final removal date will be announced. Switch to Modern authentication.',
  classicRetiredText: 'Since 31 December 2026 Exchange Online turns basic authentication for SMTP client submission off by default: unless a tenant admin turned it back on, sending with a password fails. Switch to Modern authentication.',
  classicLimitsHeading: 'Not available with Classic:',
  classicLimitRooms: 'booking meeting rooms for sessions',
  classicLimitTeams: 'Teams meetings in session invitations',
  classicLimitFallback: 'Invitations are sent as calendar (iCalendar) emails instead.',

  validationEmailRequired: 'Enter the account\'s email address.',
  validationEmailInvalid: 'Enter an email address such as name@contoso.com.',
  validationPasswordRequired: 'Enter the password (or app password).',

  alertRecipientsLabel: 'Alert these people when the connection is lost',
  alertRecipientsHint: 'Type a name to search the directory.',
  peopleSuggestions: 'Suggested people',
  peopleNoResults: 'No people found',
  peopleLoading: 'Searching…',
  peopleSearchFailed: 'The directory could not be searched just now. Type again to retry.',
  peopleRemove: 'Remove',

  save: 'Save',
  saving: 'Saving…',
  cancel: 'Cancel',
  unsavedChanges: 'You have unsaved changes.',
  changedMark: 'Changed',
  connectedNotice: 'The account is connected.',
  saved: 'Settings saved.',

  connectedHeading: 'Connected account',
  accountLabel: 'Account',
  methodShortLabel: 'Method',
  transportShortLabel: 'Mail sent through',
  healthLabel: 'Health',
  lastCheckLabel: 'Last check',
  methodModernShort: 'Modern',
  methodClassicShort: 'Classic',
  healthConnected: 'Connected',
  healthLost: 'Connection lost',
  healthError: 'Error',
  healthNotConnected: 'Not connected',
  never: 'Never',
  checkNow: 'Check now',
  changeAccount: 'Change account',
  checkingConnection: 'Checking the connection…',

  lostTitle: 'The connection to Microsoft 365 was lost.',
  lostText: 'The LMS has stopped sending for this catalog. Notifications wait and are sent once the account is reconnected.',
  reconnect: 'Reconnect',

  disconnect: 'Disconnect',
  disconnectDialogTitle: 'Disconnect the account?',
  disconnectDialogText: 'The LMS cannot send notifications or invitations for this catalog until an account is connected again.',
  disconnectConfirm: 'OK',
  disconnectKeep: 'Cancel',
  disconnected: 'The account was disconnected.',

  testEmailHeading: 'Send a test email',
  testEmailRecipient: 'Send to',
  testEmailSend: 'Send test email',
  testEmailSending: 'Sending…',
  testEmailDelivered: 'The test email was sent from {0} to {1}.',
  validationRecipientInvalid: 'Enter the email address to send the test to.',

  conflictTitle: 'Someone else changed these settings while you were editing. Reload to see their changes, then apply yours again.',
  conflictReload: 'Reload',
  timeoutError: 'The connection service did not answer in time. Check your network and try again.',
  networkError: 'The connection service could not be reached. Check your network and try again.',
  chunkLoadFailed: 'Part of this page could not be loaded. Check your network and reload the page.',
  reloadPage: 'Reload the page',
  unknownError: 'Something unexpected went wrong. Try again; if it keeps happening, tell your LMS administrator.',
  errorCode: 'Error code: {0}',
  retry: 'Try again',
  dismiss: 'Close',

  errors
};

export default strings;
