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
    ['invalid_client', undefined, 'refresh', 'TOKEN_REVOKED'],
    ['invalid_client', undefined, 'sign-in', 'SIGN_IN_FAILED'],
    ['invalid_client', undefined, 'password', 'SIGN_IN_FAILED'],
    [undefined, undefined, 'sign-in', 'SIGN_IN_FAILED']
  ] as const)('mapTokenError - %s / AADSTS%s while %s is %s', (error, aadsts, context, code) => {
    expect(mapTokenError(error, aadsts, context)).toBe(code);
  });

  it.each([
    [400, 'ErrorSubmissionQuotaExceeded', 'SENDING_QUOTA_EXCEEDED'],
    [429, 'errorsubmissionquotaexceeded', 'SENDING_QUOTA_EXCEEDED'],
    [403, 'ErrorSendAsDenied', 'SENDING_BLOCKED'],
    [403, 'ErrorMessageSubmissionBlocked', 'SENDING_BLOCKED'],
    [429, undefined, 'THROTTLED'],
    [404, 'MailboxNotFound', 'MAILBOX_NOT_FOUND'],
    [400, 'ErrorMailboxNotFound', 'MAILBOX_NOT_FOUND'],
    [401, 'MailboxNotEnabledForRESTAPI', 'MAILBOX_NOT_FOUND'],
    [404, 'ResourceNotFound', 'MAILBOX_NOT_FOUND'],
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
    [400, 'BadRequest', 'SIGN_IN_FAILED']
  ] as const)('mapGraphError - %i %s is %s', (status, graphCode, code) => {
    expect(mapGraphError(status, graphCode)).toBe(code);
  });

  it.each([
    [undefined, undefined, 'ECONNECTION', 'password', 'SMTP_UNAVAILABLE'],
    [undefined, undefined, 'ETIMEDOUT', 'oauth', 'SMTP_UNAVAILABLE'],
    [undefined, 'Invalid login', 'EAUTH', 'password', 'BAD_CREDENTIALS'],
    [undefined, 'Invalid login', 'EAUTH', 'oauth', 'TOKEN_REVOKED'],
    [undefined, 'Can\'t send mail', 'EENVELOPE', 'oauth', 'RECIPIENT_REJECTED'],
    [535, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.', 'EAUTH', 'oauth', 'SMTP_AUTH_DISABLED'],
    [550, '550 5.7.30 Basic authentication is not supported for Client Submission.', 'EAUTH', 'password', 'BASIC_AUTH_RETIRED'],
    [535, '535 Basic authentication is not supported for Client Submission', 'EAUTH', 'password', 'BASIC_AUTH_RETIRED'],
    [535, '535 5.7.301 Authentication unsuccessful', 'EAUTH', 'password', 'BAD_CREDENTIALS'],
    [535, '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.', 'EAUTH', 'password', 'BASIC_AUTH_DISABLED'],
    [535, '535 5.7.139 blocked by security defaults', 'EAUTH', 'password', 'BASIC_AUTH_DISABLED'],
    [535, '535 5.7.139 use an app password', 'EAUTH', 'password', 'APP_PASSWORD_REQUIRED'],
    [535, '535 5.7.139 multi-factor authentication required', 'EAUTH', 'password', 'APP_PASSWORD_REQUIRED'],
    [554, '554 5.2.0 STOREDRV.Submission.Exception:SubmissionQuotaExceededException', 'EMESSAGE', 'oauth', 'SENDING_QUOTA_EXCEEDED'],
    [550, '550 5.2.252 SendAsDenied', 'EENVELOPE', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.2.255 blocked', 'EMESSAGE', 'oauth', 'SENDING_BLOCKED'],
    [550, '550 5.2.250 something else', 'EMESSAGE', 'oauth', 'RECIPIENT_REJECTED'],
    [550, '550 5.2.256 something else', 'EMESSAGE', 'oauth', 'RECIPIENT_REJECTED'],
    [535, '535 5.7.3 Authentication unsuccessful', 'EAUTH', 'oauth', 'TOKEN_REVOKED'],
    [534, '534 5.7.9 Please log in with your web browser', 'EAUTH', 'password', 'BAD_CREDENTIALS'],
    [534, '534 5.7.9', undefined, 'oauth', 'TOKEN_REVOKED'],
    [421, '421 4.3.2 Service not available', 'ECONNECTION', 'oauth', 'THROTTLED'],
    [400, '400 odd', 'EPROTOCOL', 'oauth', 'THROTTLED'],
    [499, '499 odd', 'EPROTOCOL', 'oauth', 'THROTTLED'],
    [553, '553 5.1.3 bad address', 'EENVELOPE', 'oauth', 'RECIPIENT_REJECTED'],
    [501, '501 5.1.3 bad address', 'EPROTOCOL', 'oauth', 'RECIPIENT_REJECTED'],
    [554, '554 5.6.0 something', 'EENVELOPE', 'oauth', 'RECIPIENT_REJECTED'],
    [554, '554 5.6.0 something', 'EMESSAGE', 'oauth', 'SMTP_UNAVAILABLE'],
    [500, '500 5.5.1 unknown', 'EPROTOCOL', 'password', 'SMTP_UNAVAILABLE']
  ] as const)('mapSmtpError - %s "%s" (%s, %s) is %s', (responseCode, response, errorCode, context, code) => {
    expect(mapSmtpError(responseCode, response, errorCode, context)).toBe(code);
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
    const bare = smtpApiError(null, 'oauth');
    expect(bare).toMatchObject({ code: 'SMTP_UNAVAILABLE' });
    expect(bare.upstream).toBeUndefined();
  });
});
