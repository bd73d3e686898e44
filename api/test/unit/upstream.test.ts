import { failureKind } from '../../src/errors/failureKind';
import { aadstsNumber, mapGraphError, mapSmtpError, mapTokenError, smtpApiError, smtpUpstream } from '../../src/errors/upstream';

/** Every branch of the upstream mapping, one row each, so a dropped or swapped branch fails a row. */
describe('upstream error mapping', () => {
  it('aadstsNumber - the error code list first, else the AADSTS number in the text (5 to 7 digits)', () => {
    expect(aadstsNumber('AADSTS50126: wrong', [700082])).toBe('700082');
    expect(aadstsNumber('AADSTS50126: wrong', [])).toBe('50126');
    expect(aadstsNumber('x AADSTS9002313 y')).toBe('9002313');
    expect(aadstsNumber('AADSTS1234: too short')).toBeUndefined();
    expect(aadstsNumber('no number')).toBeUndefined();
    expect(aadstsNumber(undefined)).toBeUndefined();
  });

  it.each([
    ['invalid_grant', '65001', 'sign-in', 'CONSENT_REQUIRED'],
    ['invalid_grant', '50076', 'password', 'APP_PASSWORD_REQUIRED'],
    ['invalid_grant', '50079', 'password', 'APP_PASSWORD_REQUIRED'],
    // MFA or Conditional Access on a kept connection: it must be signed in again, not given an app password.
    ['invalid_grant', '50076', 'refresh', 'TOKEN_REVOKED'],
    ['interaction_required', '50079', 'refresh', 'TOKEN_REVOKED'],
    ['invalid_grant', '50076', 'sign-in', 'SIGN_IN_FAILED'],
    ['invalid_grant', '50057', 'refresh', 'ACCOUNT_DISABLED'],
    ['invalid_grant', '50196', 'refresh', 'THROTTLED'],
    ['access_denied', undefined, 'sign-in', 'CONSENT_DECLINED'],
    ['access_denied', undefined, 'refresh', 'CONSENT_DECLINED'],
    ['consent_required', undefined, 'sign-in', 'CONSENT_REQUIRED'],
    ['consent_required', '9999999', 'refresh', 'CONSENT_REQUIRED'],
    ['server_error', undefined, 'refresh', 'SERVICE_UNAVAILABLE'],
    ['temporarily_unavailable', undefined, 'password', 'SERVICE_UNAVAILABLE'],
    ['invalid_grant', undefined, 'refresh', 'TOKEN_REVOKED'],
    ['invalid_grant', undefined, 'password', 'BAD_CREDENTIALS'],
    ['invalid_grant', undefined, 'sign-in', 'SIGN_IN_FAILED'],
    ['invalid_client', undefined, 'refresh', 'SERVICE_CREDENTIALS_REJECTED'],
    ['invalid_client', undefined, 'sign-in', 'SERVICE_CREDENTIALS_REJECTED'],
    ['invalid_client', undefined, 'password', 'SERVICE_CREDENTIALS_REJECTED'],
    // Only invalid_grant is a wrong password: any other refusal of a password sign-in is not.
    ['invalid_request', undefined, 'password', 'SIGN_IN_FAILED'],
    [undefined, undefined, 'sign-in', 'SIGN_IN_FAILED']
  ] as const)('mapTokenError - %s / AADSTS%s while %s is %s', (error, aadsts, context, code) => {
    expect(mapTokenError(error, aadsts, context)).toBe(code);
  });

  it.each([
    [400, 'ErrorSubmissionQuotaExceeded', 'SENDING_QUOTA_EXCEEDED'],
    [429, 'errorsubmissionquotaexceeded', 'SENDING_QUOTA_EXCEEDED'],
    [403, 'ErrorSendAsDenied', 'SEND_AS_DENIED'],
    [403, 'ErrorMessageSubmissionBlocked', 'SENDING_BLOCKED'],
    // A full mailbox (its Sent Items count), whatever status Graph gives it: not missing permissions.
    [403, 'ErrorQuotaExceeded', 'MAILBOX_FULL'],
    [507, 'ErrorQuotaExceeded', 'MAILBOX_FULL'],
    [429, undefined, 'THROTTLED'],
    [404, 'MailboxNotFound', 'MAILBOX_NOT_FOUND'],
    [403, 'MailboxNotFound', 'MAILBOX_NOT_FOUND'],
    [400, 'ErrorMailboxNotFound', 'MAILBOX_NOT_FOUND'],
    [401, 'MailboxNotEnabledForRESTAPI', 'MAILBOX_NOT_FOUND'],
    [404, 'ResourceNotFound', 'MAILBOX_NOT_FOUND'],
    [404, 'ErrorInvalidUser', 'MAILBOX_NOT_FOUND'],
    [400, 'ResourceNotFound', 'SIGN_IN_FAILED'],
    [401, 'InvalidAuthenticationToken', 'TOKEN_REVOKED'],
    [401, undefined, 'TOKEN_REVOKED'],
    [400, 'ErrorInvalidRecipients', 'RECIPIENT_REJECTED'],
    [403, 'ErrorInvalidRecipients', 'RECIPIENT_REJECTED'],
    [403, undefined, 'PERMISSIONS_MISSING'],
    [404, undefined, 'MAILBOX_NOT_FOUND'],
    [500, undefined, 'SERVICE_UNAVAILABLE'],
    [504, 'GatewayTimeout', 'SERVICE_UNAVAILABLE'],
    [499, undefined, 'SIGN_IN_FAILED'],
    [400, 'BadRequest', 'SIGN_IN_FAILED'],
    [409, 'ErrorIrresolvableConflict', 'SIGN_IN_FAILED']
  ] as const)('mapGraphError - %i %s is %s', (status, graphCode, code) => {
    expect(mapGraphError(status, graphCode)).toBe(code);
  });

  it.each([
    [undefined, undefined, 'ECONNECTION', undefined, 'password', 'SMTP_UNAVAILABLE'],
    [undefined, undefined, 'ETIMEDOUT', undefined, 'oauth', 'SMTP_UNAVAILABLE'],
    // A connection lost mid-transaction says nothing about the sender or a recipient.
    [undefined, undefined, 'ECONNECTION', 'MAIL FROM', 'oauth', 'SMTP_UNAVAILABLE'],
    [undefined, undefined, 'ESOCKET', 'RCPT TO', 'password', 'SMTP_UNAVAILABLE'],
    [undefined, 'Invalid login', 'EAUTH', 'AUTH XOAUTH2', 'password', 'BAD_CREDENTIALS'],
    [undefined, 'Invalid login', 'EAUTH', 'AUTH XOAUTH2', 'oauth', 'TOKEN_REVOKED'],
    // nodemailer's own check of the addresses, before the server is asked.
    [undefined, undefined, 'EENVELOPE', 'API', 'oauth', 'RECIPIENT_REJECTED'],
    [535, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.', 'EAUTH', 'AUTH LOGIN', 'oauth', 'SMTP_AUTH_DISABLED'],
    [550, '550 5.7.30 Basic authentication is not supported for Client Submission.', 'EAUTH', 'AUTH LOGIN', 'password', 'BASIC_AUTH_RETIRED'],
    [535, '535 Basic authentication is not supported for Client Submission', 'EAUTH', 'AUTH LOGIN', 'password', 'BASIC_AUTH_RETIRED'],
    [550, '550 5.7.30 Authentication unsuccessful', 'EAUTH', 'AUTH LOGIN', 'password', 'BASIC_AUTH_RETIRED'],
    [535, '535 5.7.301 Authentication unsuccessful', 'EAUTH', 'AUTH LOGIN', 'password', 'BAD_CREDENTIALS'],
    [535, '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.', 'EAUTH', 'AUTH LOGIN', 'password', 'BASIC_AUTH_DISABLED'],
    [535, '535 5.7.139 blocked by security defaults', 'EAUTH', 'AUTH LOGIN', 'password', 'BASIC_AUTH_DISABLED'],
    [535, '535 5.7.139 use an app password', 'EAUTH', 'AUTH LOGIN', 'password', 'APP_PASSWORD_REQUIRED'],
    [535, '535 5.7.139 multi-factor authentication required', 'EAUTH', 'AUTH LOGIN', 'password', 'APP_PASSWORD_REQUIRED'],
    [535, '535 5.7.3 Authentication unsuccessful', 'EAUTH', 'AUTH XOAUTH2', 'oauth', 'TOKEN_REVOKED'],
    [534, '534 5.7.9 Please log in with your web browser', 'EAUTH', 'AUTH LOGIN', 'password', 'BAD_CREDENTIALS'],
    [534, '534 5.7.9', undefined, undefined, 'oauth', 'TOKEN_REVOKED'],
    // Not logged in at MAIL FROM: the kept login is what failed, not the message or the mailbox.
    [530, '530 5.7.57 Client not authenticated to send mail. [host]', 'EENVELOPE', 'MAIL FROM', 'oauth', 'TOKEN_REVOKED'],
    [530, '530 5.7.57 Client not authenticated to send mail. [host]', 'EENVELOPE', 'MAIL FROM', 'password', 'BAD_CREDENTIALS'],
    // Each of the login failures by its reply code alone, wherever nodemailer met it.
    [530, '530 Client not authenticated', 'EENVELOPE', 'MAIL FROM', 'oauth', 'TOKEN_REVOKED'],
    [535, '535 Authentication unsuccessful', 'EENVELOPE', 'MAIL FROM', 'password', 'BAD_CREDENTIALS'],
    [534, '534 Authentication mechanism is too weak', 'EENVELOPE', 'MAIL FROM', 'oauth', 'TOKEN_REVOKED'],
    // The daily recipient quota: the SMTP reply, and the bounce's code.
    [554, '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException', 'EMESSAGE', 'DATA', 'oauth', 'SENDING_QUOTA_EXCEEDED'],
    [550, "550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients", 'EENVELOPE', 'RCPT TO', 'oauth', 'SENDING_QUOTA_EXCEEDED'],
    // The sender's mailbox is full: Microsoft's documented replies at submission, today's wording,
    // and the throttling that follows continuous mailbox-full errors.
    [554, '554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionQuotaExceeded', 'EMESSAGE', 'DATA', 'oauth', 'MAILBOX_FULL'],
    [554, '554 5.2.2 mailbox full; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionShutoffQuotaExceeded', 'EMESSAGE', 'DATA', 'password', 'MAILBOX_FULL'],
    [554, '554 5.2.2 Mailbox full. Visit https://aka.ms/mailboxfull for more information.; STOREDRV.Submission.Exception:QuotaExceededException.MapiExceptionQuotaExceeded; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.', 'EMESSAGE', 'DATA', 'oauth', 'MAILBOX_FULL'],
    [550, '550 5.2.251 Sender throttled due to continuous mailbox full errors.', 'EENVELOPE', 'MAIL FROM', 'oauth', 'MAILBOX_FULL'],
    // Refusals of the sender stop the mailbox, as Graph's ErrorSendAsDenied does, wherever they come.
    [550, '550 5.2.252 SendAsDenied', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SEND_AS_DENIED'],
    [550, '550 5.2.255 blocked', 'EMESSAGE', 'DATA', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.2.252 Sender throttled due to continuous send as denied errors.', 'EENVELOPE', 'MAIL FROM', 'password', 'SEND_AS_DENIED'],
    [550, '550 5.2.253 Sender throttled due to continuous invalid license errors.', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.7.60 SMTP; Client does not have permissions to send as this sender [localhost.local-tenant]', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SEND_AS_DENIED'],
    [550, '550 5.7.60 SMTP; Client does not have permissions to send as this sender', 'EMESSAGE', 'DATA', 'password', 'SEND_AS_DENIED'],
    [554, '554 5.2.252 SendAsDenied; a@x not allowed to send as b@x; STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message [BeginDiagnosticData]Cannot submit message.', 'EMESSAGE', 'DATA', 'oauth', 'SEND_AS_DENIED'],
    [554, '554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message due to a permanent exception with message Cannot submit message.', 'EMESSAGE', 'DATA', 'password', 'SEND_AS_DENIED'],
    [554, '554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException.MapiExceptionSendAsDenied; Failed to process message', 'EMESSAGE', 'DATA', 'oauth', 'SEND_AS_DENIED'],
    [550, '550 5.1.8 Access denied, bad outbound sender', 'EENVELOPE', 'RCPT TO', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.7.708 Access denied, traffic not accepted from this IP', 'EENVELOPE', 'RCPT TO', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.7.705 Access denied, tenant has exceeded threshold', 'EMESSAGE', 'DATA', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.7.750 Service unavailable. Client blocked from sending from unregistered domains', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SENDING_BLOCKED'],
    [553, '553 5.1.7 The address in MAIL FROM is not valid', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.7.1 Sender denied', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SENDING_BLOCKED'],
    // A message too large is refused at MAIL FROM too, but it is the message's size, not the sender.
    [552, '552 5.3.4 Message size exceeds fixed maximum message size', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SMTP_UNAVAILABLE'],
    [552, '552 Message size exceeds fixed maximum message size', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SMTP_UNAVAILABLE'],
    [550, '550 5.3.4 Message too big for system', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SMTP_UNAVAILABLE'],
    // Only a refused recipient is the message's own fault: at RCPT TO, or by its enhanced code.
    [550, '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup', 'EENVELOPE', 'RCPT TO', 'oauth', 'RECIPIENT_REJECTED'],
    [550, '550 5.7.1 Delivery not authorized', 'EENVELOPE', 'RCPT TO', 'oauth', 'RECIPIENT_REJECTED'],
    [550, '550 5.1.1 Bad destination mailbox address', 'EMESSAGE', 'DATA', 'oauth', 'RECIPIENT_REJECTED'],
    [550, '550 5.7.703 one or more recipients are blocked by your organization\'s tenant recipient block policy', 'EMESSAGE', 'DATA', 'oauth', 'RECIPIENT_REJECTED'],
    [553, '553 5.1.3 bad address', 'EENVELOPE', undefined, 'oauth', 'RECIPIENT_REJECTED'],
    [501, '501 5.1.3 bad address', 'EPROTOCOL', undefined, 'oauth', 'RECIPIENT_REJECTED'],
    // Throttling is Exchange's connection limit (by its codes, whatever the text) and 421.
    [432, '432 4.3.2 Concurrent connections limit exceeded. [host]', 'EENVELOPE', 'MAIL FROM', 'oauth', 'THROTTLED'],
    [432, '432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded', 'EENVELOPE', 'MAIL FROM', 'password', 'THROTTLED'],
    [432, '432 some future wording', 'EENVELOPE', 'MAIL FROM', 'oauth', 'THROTTLED'],
    [421, '421 4.3.2 Service not available', 'ECONNECTION', undefined, 'oauth', 'THROTTLED'],
    [421, '421 Service not available, closing transmission channel', 'ECONNECTION', 'MAIL FROM', 'oauth', 'THROTTLED'],
    [451, '451 4.3.2 Concurrent connections limit exceeded.', 'EENVELOPE', 'MAIL FROM', 'oauth', 'THROTTLED'],
    // Any other 4xx is passing: retried with back-off and counted, never "the mailbox waits" for ever.
    [452, '452 4.5.3 Too many recipients', 'EENVELOPE', 'RCPT TO', 'oauth', 'SMTP_UNAVAILABLE'],
    [451, '451 4.7.500 Access denied, please try again later', 'EENVELOPE', 'MAIL FROM', 'oauth', 'SMTP_UNAVAILABLE'],
    [454, '454 4.7.0 Temporary authentication failure', 'EAUTH', 'AUTH XOAUTH2', 'oauth', 'SMTP_UNAVAILABLE'],
    [400, '400 odd', 'EPROTOCOL', undefined, 'oauth', 'SMTP_UNAVAILABLE'],
    [499, '499 odd', 'EPROTOCOL', undefined, 'oauth', 'SMTP_UNAVAILABLE'],
    // Unknown refusals are retried, neither the message's fault nor a block.
    [550, '550 5.2.250 something else', 'EMESSAGE', 'DATA', 'oauth', 'SMTP_UNAVAILABLE'],
    [550, '550 5.2.256 something else', 'EMESSAGE', 'DATA', 'oauth', 'SMTP_UNAVAILABLE'],
    [554, '554 5.6.0 Corrupt message content', 'EMESSAGE', 'DATA', 'oauth', 'SMTP_UNAVAILABLE'],
    [554, '554 5.6.0 something', 'EENVELOPE', undefined, 'oauth', 'SMTP_UNAVAILABLE'],
    [500, '500 5.5.1 unknown', 'EPROTOCOL', undefined, 'password', 'SMTP_UNAVAILABLE']
  ] as const)('mapSmtpError - %s "%s" (%s at %s, %s) is %s', (responseCode, response, errorCode, command, context, code) => {
    expect(mapSmtpError(responseCode, response, errorCode, context, command)).toBe(code);
  });

  it('mapSmtpError - with their kinds: a refused recipient fails the message alone, a refused sender pauses the mailbox, throttling waits, other 4xx are retried', () => {
    const kind = (responseCode: number, response: string, command: string) => failureKind(mapSmtpError(responseCode, response, 'EENVELOPE', 'oauth', command));
    expect(kind(550, '550 5.1.10 RESOLVER.ADR.RecipientNotFound', 'RCPT TO')).toBe('message');
    expect(kind(550, '550 5.7.60 SMTP; Client does not have permissions to send as this sender', 'MAIL FROM')).toBe('mailbox-blocked');
    expect(kind(554, '554 5.2.0 STOREDRV.Submission.Exception:SendAsDeniedException', 'DATA')).toBe('mailbox-blocked');
    expect(kind(530, '530 5.7.57 Client not authenticated to send mail.', 'MAIL FROM')).toBe('connection-lost');
    expect(kind(432, '432 4.3.2 Concurrent connections limit exceeded.', 'MAIL FROM')).toBe('passing');
    expect(mapSmtpError(432, '432 4.3.2 Concurrent connections limit exceeded.', 'EENVELOPE', 'oauth', 'MAIL FROM')).toBe('THROTTLED');
    expect(kind(452, '452 4.5.3 Too many recipients', 'RCPT TO')).toBe('passing');
    expect(mapSmtpError(452, '452 4.5.3 Too many recipients', 'EENVELOPE', 'oauth', 'RCPT TO')).not.toBe('THROTTLED');
  });

  it('mapGraphError - a 400 to a message or event the account sends is that message\'s refusal (MESSAGE_REJECTED: it fails alone, at once); to any other request (a sign-in check, free/busy) it is not', () => {
    expect(mapGraphError(400, 'ErrorInvalidRequest', 'message')).toBe('MESSAGE_REJECTED');
    // an event the organiser cancelled elsewhere: updating it is refused, whatever the retries
    expect(mapGraphError(400, 'ErrorCalendarIsCancelledForAccept', 'message')).toBe('MESSAGE_REJECTED');
    expect(mapGraphError(400, 'ErrorInvalidRequest', 'request')).toBe('SIGN_IN_FAILED');
    expect(mapGraphError(400, 'ErrorInvalidRecipients', 'message')).toBe('RECIPIENT_REJECTED');
    expect(mapGraphError(409, 'ErrorIrresolvableConflict', 'message')).toBe('SIGN_IN_FAILED');
    expect(mapGraphError(403, undefined, 'message')).toBe('PERMISSIONS_MISSING');
    expect(failureKind(mapGraphError(400, 'ErrorInvalidRequest', 'message'))).toBe('message');
    expect(failureKind(mapGraphError(409, 'ErrorIrresolvableConflict', 'message'))).toBe('passing');
    expect(failureKind(mapGraphError(503, undefined, 'message'))).toBe('passing');
  });

  it('smtpUpstream - the reply and enhanced codes only', () => {
    expect(smtpUpstream(535, '535 5.7.3 Authentication unsuccessful for user secret@contoso.test')).toBe('SMTP 535 5.7.3');
    expect(smtpUpstream(250, '250 2.0.0 OK')).toBe('SMTP 250 2.0.0');
    expect(smtpUpstream(421, '421 Service not available')).toBe('SMTP 421');
    expect(smtpUpstream(421, undefined)).toBe('SMTP 421');
    expect(smtpUpstream(undefined, '535 5.7.3')).toBeUndefined();
  });

  it('smtpApiError - an ApiError with the code and the safe upstream, else nodemailer\'s error code', () => {
    expect(smtpApiError({ responseCode: 535, response: '535 5.7.3 Authentication unsuccessful pw=hunter2', code: 'EAUTH' }, 'password')).toMatchObject({ code: 'BAD_CREDENTIALS', upstream: 'SMTP 535 5.7.3' });
    expect(smtpApiError({ code: 'ECONNECTION' }, 'oauth')).toMatchObject({ code: 'SMTP_UNAVAILABLE', upstream: 'ECONNECTION' });
    // nodemailer's command decides between the message's and the mailbox's fault.
    expect(smtpApiError({ responseCode: 550, response: '550 5.7.1 refused', code: 'EENVELOPE', command: 'RCPT TO' }, 'oauth')).toMatchObject({ code: 'RECIPIENT_REJECTED', upstream: 'SMTP 550 5.7.1' });
    expect(smtpApiError({ responseCode: 550, response: '550 5.7.1 refused', code: 'EENVELOPE', command: 'MAIL FROM' }, 'oauth')).toMatchObject({ code: 'SENDING_BLOCKED', upstream: 'SMTP 550 5.7.1' });
    const bare = smtpApiError(null, 'oauth');
    expect(bare).toMatchObject({ code: 'SMTP_UNAVAILABLE' });
    expect(bare.upstream).toBeUndefined();
  });

  it('smtpApiError - unanswered only when no reply came (the server may have taken the message): a 4xx or 5xx reply, or a login refused without one, says it did not', () => {
    expect(smtpApiError({ code: 'ECONNECTION' }, 'oauth').unanswered).toBe(true);
    expect(smtpApiError({ code: 'ETIMEDOUT' }, 'password').unanswered).toBe(true);
    expect(smtpApiError({ responseCode: 451, response: '451 4.7.500 Server busy', code: 'EMESSAGE', command: 'DATA' }, 'oauth')).toMatchObject({ code: 'SMTP_UNAVAILABLE', unanswered: false });
    expect(smtpApiError({ code: 'EAUTH' }, 'password')).toMatchObject({ code: 'BAD_CREDENTIALS', unanswered: false });
    expect(smtpApiError({ responseCode: 535, response: '535 5.7.139 Authentication unsuccessful', code: 'EAUTH' }, 'oauth')).toMatchObject({ code: 'TOKEN_REVOKED', unanswered: false });
  });

  it('mapSmtpError - 4xx is passing, 500 and up is decided by its meaning; 5.7.57 (not logged in) under any reply code is the login', () => {
    expect(mapSmtpError(499, '499 4.0.0 odd', 'EENVELOPE', 'oauth', 'RCPT TO')).toBe('SMTP_UNAVAILABLE');
    expect(mapSmtpError(500, '500 5.1.1 unknown', 'EENVELOPE', 'oauth', 'RCPT TO')).toBe('RECIPIENT_REJECTED');
    expect(mapSmtpError(550, '550 5.7.57 Client not authenticated', 'EENVELOPE', 'password', 'MAIL FROM')).toBe('BAD_CREDENTIALS');
  });
});
