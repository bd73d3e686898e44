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

export const SMTP_REPLIES = {
  badCredentials: () => r(535, '5.7.3 Authentication unsuccessful'),
  smtpAuthDisabledForMailbox: () => r(535, '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.'),
  basicAuthDisabled: () => r(535, '5.7.139 Authentication unsuccessful, basic authentication is disabled.'),
  sendAsDenied: () => r(550, '5.7.60 SMTP; Client does not have permissions to send as this sender'),
  notAuthenticated: () => r(530, '5.7.57 Client not authenticated to send mail.'),
  concurrencyExceeded: () => r(432, '4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded'),
  rateExceeded: (retryAfter: number) => r(450, `4.7.0 Message submission rate for this mailbox exceeds the limit; try again in ${retryAfter} seconds`),
  mailboxUnavailable: () => r(550, '5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup')
} as const;

/** An Error smtp-server turns into the reply: code from responseCode, text from message. */
export function smtpError(reply: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(reply.message), { responseCode: reply.responseCode });
}
