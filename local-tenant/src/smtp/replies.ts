/**
 * Exchange Online's SMTP client submission replies (smtp.office365.com:587), as pure data.
 * The bracketed host stands where Exchange names its front-end server.
 */
const HOST = '[localhost.local-tenant]';

export interface SmtpReply {
  responseCode: number;
  message: string;
}

const r = (responseCode: number, message: string): SmtpReply => ({ responseCode, message: `${message} ${HOST}` });

/** Exchange's continuous-error throttling replies (SMTP AUTH submissions), by cause. */
export const SENDING_BLOCKS = {
  'mailbox-full': '5.2.251 Sender throttled due to continuous mailbox full errors.',
  'send-as-denied': '5.2.252 Sender throttled due to continuous send as denied errors.',
  'invalid-license': '5.2.253 Sender throttled due to continuous invalid license errors.',
  'too-many-recipients': '5.2.254 Sender throttled due to continuous too many recipients errors.',
  'invalid-recipients': '5.2.255 Sender throttled due to continuous invalid recipients errors.'
} as const;

export const SMTP_REPLIES = {
  badCredentials: () => r(535, '5.7.3 Authentication unsuccessful'),
  smtpAuthDisabledForMailbox: () => r(535, '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.'),
  /** Basic authentication blocked by an authentication policy or security defaults. */
  basicAuthDisabled: () => r(535, '5.7.139 Authentication unsuccessful, basic authentication is disabled.'),
  /** The same refused by Entra's security defaults (they block legacy authentication), in the words servers answer with. */
  securityDefaults: () => r(535, "5.7.139 Authentication unsuccessful, user is locked by your organization's security defaults policy. Contact your administrator."),
  /** The same refused by a Conditional Access policy (MFA required, a location): the reply servers give then. */
  conditionalAccess: () => r(535, '5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.'),
  /** Basic authentication retired for client submission (MC786329: off by default from the end of December 2026). */
  basicAuthRetired: () => r(550, '5.7.30 Basic authentication is not supported for Client Submission.'),
  sendAsDenied: () => r(550, '5.7.60 SMTP; Client does not have permissions to send as this sender'),
  /**
   * The same refusal once the message is in (a From: header that is not the account): the store
   * driver's submission answer (MicrosoftDocs/OfficeDocs-Support#1187; its current form with
   * 5.2.252 and the two addresses, gophish/gophish#2900).
   */
  sendAsDeniedAtSubmission: (user: string, from: string) => r(554, `5.2.252 SendAsDenied; ${user} not allowed to send as ${from}; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.`),
  notAuthenticated: () => r(530, '5.7.57 Client not authenticated to send mail.'),
  /**
   * More sending connections than the mailbox may have, in the wording Microsoft's page ("Changes in
   * message store and throttling for concurrent connections") quotes and servers answer with
   * (sabuhish/fastapi-mail#75, nodemailer/nodemailer#1613); the 2018 Exchange team blog quoted an
   * older one (`432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded`). Clients go by 432 / 4.3.2.
   */
  concurrencyExceeded: () => r(432, '4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information.'),
  quotaExceeded: () => r(554, '5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException; Failed to process message due to a permanent exception with message Cannot submit message.'),
  sendingBlocked: (cause: keyof typeof SENDING_BLOCKS) => r(550, SENDING_BLOCKS[cause]),
  /**
   * The sender's mailbox is over its quota (its Sent Items count): "Message storage and concurrent
   * connection throttling for SMTP Authenticated Submission" quotes the reply at submission.
   */
  mailboxFull: () => r(554, '5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionQuotaExceeded'),
  /**
   * A recipient refused at RCPT TO - not Exchange Online's way (it accepts and bounces, 5.1.10),
   * but a server's that refuses an unknown mailbox at once (RFC 5321 4.2.2 550 "mailbox not found",
   * RFC 3463 X.1.1 "bad destination mailbox address"); the `refuse-recipient` fault.
   */
  recipientRefused: (address: string) => r(550, `5.1.1 <${address}>: Recipient address rejected: User unknown`),
  /** Greylisting: a recipient refused for now (RFC 5321 4.2.2 450, RFC 3463 X.2.0); the `refuse-recipient` fault's `greylisted`. */
  recipientGreylisted: (address: string) => r(450, `4.2.0 <${address}>: Recipient address rejected: Greylisted, try again later`),
  /** More recipients than the server takes in one transaction (RFC 5321 4.5.3.1.10, RFC 3463 X.5.3); the `smtp-recipient-limit` fault. */
  tooManyRecipients: () => r(452, '4.5.3 Too many recipients'),
  mailboxUnavailable: () => r(550, '5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup')
} as const;

/** An Error smtp-server turns into the reply: code from responseCode, text from message. */
export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.responseCode });
}
