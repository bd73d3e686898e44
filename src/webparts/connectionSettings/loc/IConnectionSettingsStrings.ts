/**
 * Every text of the settings page. Both languages implement this interface, so a missing key
 * fails the compile; a jest test fails on a key that no component uses.
 * Placeholders are written {0}, {1} and filled by format().
 */
import type { ErrorTexts } from '@lms-m365/contracts';

export interface IConnectionSettingsStrings {
  /** The page's language, sent to the API as Accept-Language. */
  language: 'en' | 'ja';
  /** BCP 47 tag used for dates and the page's lang attribute. */
  locale: string;
  /** Between the items of a list in a sentence (names, addresses): ", " in English, "、" in Japanese. */
  listSeparator: string;
  /** An aside after a word or sentence, {0} in parentheses - with its leading space in English, full-width in Japanese. */
  inParentheses: string;
  /** A person's name with their address: {0} the name, {1} the address ("Name <address>"; "名前（アドレス）"). */
  nameWithEmail: string;
  /** Between the short parts of one line (a delivery's status, recipients, times): " · " in English, "・" in Japanese. */
  inlineSeparator: string;

  title: string;
  intro: string;
  loading: string;

  masterSwitchLabel: string;
  masterSwitchOn: string;
  masterSwitchOff: string;
  masterSwitchOffHint: string;

  methodLabel: string;
  methodModern: string;
  methodModernDescription: string;
  methodClassic: string;
  methodClassicDescription: string;

  transportLabel: string;
  transportGraph: string;
  transportSmtp: string;

  permissionsHeading: string;
  permissionMailSend: string;
  permissionPlaceRead: string;
  permissionCalendars: string;
  permissionUserRead: string;
  permissionOfflineAccess: string;
  permissionSmtpSend: string;

  requirementsHeading: string;
  requirementCloudMailbox: string;
  requirementNotShared: string;
  requirementSmtpAuth: string;

  orgConsentLabel: string;
  orgConsentHelp: string;
  orgConsentGranted: string;
  orgConsentNotGranted: string;

  /** Rooms and the tenant admin's approval (AdminApprovalNotice, R-MOD-5). roomsEmailBody: {0} = the admin consent link. */
  roomsAvailable: string;
  roomsApprovalTitle: string;
  roomsApprovalText: string;
  roomsTenantAdmins: string;
  roomsNoTenantAdminsKnown: string;
  roomsRequestPending: string;
  roomsRequestApproval: string;
  roomsRequestHelp: string;
  roomsConsentLinkLabel: string;
  roomsEmailAdmins: string;
  roomsEmailSubject: string;
  roomsEmailBody: string;

  connect: string;
  connecting: string;
  popupBlocked: string;
  popupBlockedLink: string;
  popupClosed: string;

  classicEmailLabel: string;
  classicPasswordLabel: string;
  classicAppPasswordHint: string;
  classicPasswordHandling: string;
  classicRetirementTitle: string;
  classicRetirementText: string;
  classicRetiredText: string;
  classicLimitsHeading: string;
  classicLimitRooms: string;
  classicLimitTeams: string;
  classicLimitFallback: string;

  validationEmailRequired: string;
  validationEmailInvalid: string;
  validationPasswordRequired: string;

  alertRecipientsLabel: string;
  alertRecipientsHint: string;
  /** After the hint: how many people the list takes ({0}, the API's limit). */
  alertRecipientsLimit: string;
  peopleSuggestions: string;
  peopleNoResults: string;
  peopleLoading: string;
  peopleSearchFailed: string;
  peopleRemove: string;

  save: string;
  saving: string;
  cancel: string;
  unsavedChanges: string;
  connectedNotice: string;
  saved: string;
  /** SharePoint refused the settings list to an admin the API accepted (LIST_ACCESS_DENIED). */
  listAccessDeniedTitle: string;
  listAccessDeniedRemedy: string;
  /** The settings list cannot be made: another list has its title (LIST_TITLE_TAKEN). */
  listTitleTakenTitle: string;
  listTitleTakenRemedy: string;
  /** Another admin saved other alert recipients while this admin had edited them. */
  unsavedOverwrites: string;
  /** Cancel's notice: the form is back as stored. */
  changesDiscarded: string;
  /** Cancel's notice while a sign-in was on its way. */
  signInCancelled: string;
  /** The footer's Cancel while a sign-in is on its way: it stops the sign-in only. */
  cancelSignIn: string;
  /** After "Stop sign-in" with unsaved changes: they stay. */
  changesKept: string;
  /** The sign-in window has read closed for a while and the sign-in has not ended. */
  signInWindowClosed: string;
  /** The API took the settings, the site's settings list was not written; {0} what failed. */
  listNotUpdated: string;
  /** listNotUpdated's reason when SharePoint gave none (no answer, or none in time). */
  listNoAnswer: string;
  /** listNotUpdated's reason when the item kept changing under the page's writes (its ETag). */
  listChangedMeanwhile: string;
  /** listNotUpdated's reason when the failure was none of SharePoint's answers (an exception in the page). */
  listUnexpected: string;

  accountLabel: string;
  methodShortLabel: string;
  lastCheckLabel: string;
  methodModernShort: string;
  methodClassicShort: string;
  never: string;
  checkNow: string;
  changeAccount: string;
  /** Shown while the page verifies the stored health with the API after it opened (R-LOSS-4). */
  checkingConnection: string;
  /** Said and shown while "Try again now" asks the API to try sending again. */
  retryingSending: string;
  /** Said and shown while Disconnect is under way. */
  disconnecting: string;

  /** {0} = error code, {1} = when the write failed (issue 13 point 3). */
  settingsListWarning: string;
  /** {0} = since when Exchange Online stops the connected account from sending (SENDING_BLOCKED). */
  sendingBlockedWarning: string;
  /** {0} = when the account's mailbox asks Exchange again (an hour after the last refusal). */
  sendingBlockedNextTry: string;
  /** No try planned now (nothing waiting, or a try under way). */
  sendingBlockedNoTry: string;
  /** Said under a sending block while the catalog's sending is off (Try again now is not offered). */
  sendingBlockedSwitchedOff: string;
  retrySending: string;
  /** A retry asked: the next waiting notification goes now. */
  retryStarted: string;
  /** {0} = the next try, a minute after the last refusal (the API's soonest). */
  retryAt: string;
  /** What the page read after a retry: the block is gone. */
  retrySucceeded: string;
  /** {0} = the next try: Exchange refused again. */
  retryRefused: string;

  reconnect: string;

  disconnect: string;
  disconnectDialogTitle: string;
  disconnectDialogText: string;
  /** Disconnect deletes only the API's copy of the tokens; nothing is revoked at Microsoft (issue 13 point 7). */
  disconnectRevokeHelp: string;
  disconnectConfirm: string;
  disconnectKeep: string;
  disconnected: string;
  /** After Check now. */
  checkedWorks: string;
  checkedNotWorking: string;

  testEmailHeading: string;
  testEmailRecipient: string;
  testEmailSend: string;
  testEmailSending: string;
  testEmailDelivered: string;
  validationRecipientInvalid: string;

  statusLabel: string;
  stateSending: string;
  stateSendingText: string;
  statePaused: string;
  /** The state's title while Exchange Online stops the connected account from sending. */
  stateBlocked: string;
  statePausedText: string;
  stateLost: string;
  stateLostText: string;
  stateNotConnected: string;
  stateNotConnectedText: string;
  /** Not connected while the switch is already on. */
  stateNotConnectedOnText: string;
  /** Not connected after a Disconnect: which account ({0}), who disconnected it ({1}) and when ({2}). */
  disconnectedAccountByText: string;
  /** The same when the API does not know the account: who ({0}) and when ({1}). */
  disconnectedByText: string;
  lostWhyLabel: string;
  lostWhatToDoLabel: string;
  connectedByLabel: string;
  connectedByValue: string;
  lastSentLabel: string;
  queueLabel: string;
  queueValue: string;
  /** A count of notifications in a sentence (ja adds 件). */
  countItems: string;
  /** A count that reached the API's cap, alone (a table cell). */
  countAtLeast: string;
  /** countItems for a count that reached the API's cap. */
  countItemsAtLeast: string;
  /** Waiting notifications held back by the LMS's own daily pacing of the account: {0} recipients a day, {1} the time the next may go. */
  pacingDailyLimit: string;
  /** Exchange reported the account's daily quota reached: {0} the time the API asks again. */
  pacingSendingQuota: string;
  alertsLabel: string;
  alertsNobody: string;
  /** Under the test email's address: who may receive it (TEST_RECIPIENT_NOT_ALLOWED otherwise). */
  testEmailRecipientHint: string;
  /** The status card's button under Classic's retirement warning. */
  switchToModern: string;
  /** Health "error": the last check ({0}: when) could not tell; its code's why and what to do follow. */
  checkFailedTitle: string;
  /** Under it while sending is on. */
  checkFailedGoesOn: string;
  /** Under it while sending is off. */
  checkFailedAgain: string;
  /** The admin who connected the account ({0}): alerts go to them until recipients are chosen. */
  alertsConnectedBy: string;
  sendingHeading: string;
  accountHeading: string;
  alertsHeading: string;
  advancedLabel: string;
  transportGraphDescription: string;
  transportSmtpDescription: string;
  transportGraphShort: string;
  transportSmtpShort: string;
  connectHintModern: string;
  connectHintClassic: string;
  connectWhileOffHint: string;
  connectedOffNotice: string;
  turnOn: string;
  disconnectWaiting: string;
  disconnectWaitingCount: string;
  /** disconnectWaitingCount for one notification (English needs the singular). */
  disconnectWaitingOne: string;
  remedyOperator: string;
  remedySmtpAuthClassic: string;
  remedyWait: string;
  /** {0}: the time from which a request may be made again. */
  remedyRetryAt: string;
  /** Too many Classic password attempts; {0}: from when it may be tried again. */
  remedyAttemptsLimitedAt: string;
  remedyAttemptsLimited: string;
  visitorHeading: string;
  visitorCannotSee: string;
  visitorAskOwners: string;
  /** visitorAskOwners for a site with one owner. */
  visitorAskOwner: string;
  visitorAskOwnersUnknown: string;

  /** The recent deliveries panel under the status summary (R-OPS-2). {0} of the held texts: how many. */
  deliveriesHeading: string;
  deliveriesRefresh: string;
  deliveriesMore: string;
  deliveriesEmpty: string;
  /** The counts are toggle buttons that list one status only: their group's name, what the list shows ({0}: the status), and the way back. */
  deliveriesFilterLabel: string;
  deliveriesShowingOnly: string;
  deliveriesShowAll: string;
  /** Under the counts when they cover only the newest deliveries ({0}: how many). */
  deliveriesCountsTruncated: string;
  deliveriesTruncated: string;
  deliveriesRecipients: string;
  /** A sent notification some of whose recipients the mail service refused: {0} refused of {1}. */
  deliveriesRefused: string;
  /** A sent notification with one recipient, whom the mail service refused. */
  deliveriesRefusedOnly: string;
  deliveriesQueuedAt: string;
  deliveriesSentAt: string;
  /** A waiting delivery's time to go: the LMS's scheduled time {0}. */
  deliveriesScheduled: string;
  /** A waiting delivery's next try after a passing fault (its reason is shown below it): {0}. */
  deliveriesNextTry: string;
  deliveriesHeldWhileLost: string;
  deliveriesHeldWhilePaused: string;
  deliveriesHeldWhileNotConnected: string;
  /** deliveriesHeldWhileNotConnected while sending is off too. */
  deliveriesHeldWhileNotConnectedOff: string;
  deliveryStatusSent: string;
  deliveryStatusQueued: string;
  deliveryStatusSending: string;
  deliveryStatusHeld: string;
  deliveryStatusExpired: string;
  deliveryStatusCancelled: string;
  deliveryStatusFailed: string;

  conflictTitle: string;
  conflictReload: string;
  timeoutError: string;
  networkError: string;
  /** SharePoint gave the page no token for the connection API. */
  tokenError: string;
  tokenErrorRemedy: string;
  chunkLoadFailed: string;
  reloadPage: string;
  unknownError: string;
  errorCode: string;
  /** The API's id of the refused request (its problem's instance), for support. */
  requestId: string;
  /** "Microsoft 365 answered: {0}": Microsoft's own code for an error it gave. */
  upstreamAnswer: string;
  retry: string;
  dismiss: string;

  /**
   * The error catalogue's title and remedy of every code in this language (packages/contracts):
   * not with the page's first render, but with the first part that explains an error
   * (loadErrorTexts); absent until then.
   */
  errors?: ErrorTexts;
  /** A Teams tab whose team's site is not a catalog (the app is not added there). */
  notCatalogTitle: string;
  /** {0}: the site the tab is on. */
  notCatalogBody: string;
}
