import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../loc/en-us';
import { format } from '../loc';
import ja from '../loc/ja-jp';
import { appError } from './appError';
import { messageForCode, messageForError, OPERATOR_CODES, reconnectHelps } from './errorMessage';

describe('errorMessage', () => {
  const codes = (Object.keys(ERROR_CATALOGUE) as Array<keyof typeof ERROR_CATALOGUE>)
    .filter((code) => OPERATOR_CODES.indexOf(code) < 0 && code !== 'RATE_LIMITED' && code !== 'CONNECT_ATTEMPTS_LIMITED');

  it.each(codes)('errorMessage - %s shows the catalogue title and remedy in both languages', (code) => {
    const english = messageForError(appError('problem', { code, status: ERROR_CATALOGUE[code].status }), en);
    expect(english.title).toBe(ERROR_CATALOGUE[code].title.en);
    expect(english.remedy).toBe(ERROR_CATALOGUE[code].remedy.en);
    expect(english.codeLine).toBe(`Error code: ${code}`);
    const japanese = messageForCode(code, ja);
    expect(japanese.title).toBe(ERROR_CATALOGUE[code].title.ja);
    expect(japanese.remedy).toBe(ERROR_CATALOGUE[code].remedy.ja);
  });

  it.each(OPERATOR_CODES)('errorMessage - %s tells an admin whom to give the code to, not how to fix the set-up', (code) => {
    const english = messageForCode(code, en);
    expect(english.remedy).toBe(en.remedyOperator);
    expect(english.remedy).not.toMatch(/docs\/|ALLOWED_ORIGINS|Content-Type|If-Match|ETag/);
    expect(messageForCode(code, ja).remedy).toBe(ja.remedyOperator);
    expect(english.codeLine).toBe(`Error code: ${code}`);
  });

  it('errorMessage - a rate limit says to wait, without HTTP header names', () => {
    expect(messageForCode('RATE_LIMITED', en).remedy).toBe(en.remedyWait);
    expect(messageForCode('CONNECT_ATTEMPTS_LIMITED', ja).remedy).toBe(ja.remedyAttemptsLimited);
  });

  it('errorMessage - too many password attempts, or requests, say from when to try again when the answer said it', () => {
    const retryAt = '2026-12-03T10:17:00Z';
    // In the browser's zone, as the page says it (10:17 in UTC, 19:17 in Tokyo).
    const at = new Intl.DateTimeFormat(en.locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(retryAt));
    const attempts = messageForError(appError('problem', { status: 429, code: 'CONNECT_ATTEMPTS_LIMITED', retryAt }), en);
    expect(attempts.remedy).toBe(en.remedyAttemptsLimitedAt.replace('{0}', at));
    expect(attempts.remedy).not.toMatch(/Retry-After/);
    expect(attempts.title).toBe(ERROR_CATALOGUE.CONNECT_ATTEMPTS_LIMITED.title.en);
    const atJa = new Intl.DateTimeFormat(ja.locale, { hour: 'numeric', minute: '2-digit' }).format(new Date(retryAt));
    expect(messageForError(appError('problem', { status: 429, code: 'RATE_LIMITED', retryAt }), ja).remedy).toBe(ja.remedyRetryAt.replace('{0}', atJa));
    expect(messageForError(appError('problem', { status: 429, code: 'RATE_LIMITED' }), en).remedy).toBe(en.remedyWait);
  });

  it('errorMessage - the remedy fits the method: Classic is not told to choose the Graph transport', () => {
    expect(messageForCode('SMTP_AUTH_DISABLED', en, 'modern').remedy).toBe(ERROR_CATALOGUE.SMTP_AUTH_DISABLED.remedy.en);
    expect(messageForCode('SMTP_AUTH_DISABLED', en, 'classic').remedy).toBe(en.remedySmtpAuthClassic);
    expect(messageForCode('SMTP_AUTH_DISABLED', ja, 'classic').remedy).toBe(ja.remedySmtpAuthClassic);
  });

  it('errorMessage - Reconnect is offered only where a new sign-in can help', () => {
    expect(reconnectHelps('TOKEN_REVOKED')).toBe(true);
    // Its remedy says to reconnect the catalog's account: a new sign-in stores its own tokens.
    expect(reconnectHelps('ACCOUNT_MISMATCH')).toBe(true);
    expect(reconnectHelps('BAD_CREDENTIALS')).toBe(true);
    expect(reconnectHelps(null)).toBe(true);
    expect(reconnectHelps('MAILBOX_NOT_FOUND')).toBe(false);
    expect(reconnectHelps('ACCOUNT_DISABLED')).toBe(false);
    expect(reconnectHelps('SMTP_AUTH_DISABLED')).toBe(false);
  });

  it('errorMessage - an unknown code still shows a message and the code, and no button label as its remedy', () => {
    const message = messageForCode('SOMETHING_NEW', en);
    expect(message.title).toBe(en.unknownError);
    expect(message.codeLine).toBe('Error code: SOMETHING_NEW');
    expect(message.remedy).toBe('');
    expect(messageForCode('SOMETHING_NEW', ja).remedy).toBe('');
  });

  it('errorMessage - the request id the API named is shown beside the code (en, ja); a problem without one shows none', () => {
    const english = messageForError(appError('problem', { status: 500, code: 'INTERNAL_ERROR', requestId: 'req-7' }), en);
    expect([english.codeLine, english.requestIdLine]).toEqual(['Error code: INTERNAL_ERROR', 'Request ID: req-7']);
    const japanese = messageForError(appError('problem', { status: 500, code: 'INTERNAL_ERROR', requestId: 'req-7' }), ja);
    expect([japanese.codeLine, japanese.requestIdLine]).toEqual(['エラー コード：INTERNAL_ERROR', '要求 ID：req-7']);
    expect(messageForError(appError('problem', { status: 503, requestId: 'req-8' }), en).requestIdLine).toBe('Request ID: req-8');
    expect(messageForError(appError('problem', { status: 500, code: 'INTERNAL_ERROR' }), en)).not.toHaveProperty('requestIdLine');
    // A wait from Retry-After replaces the remedy, not the request id.
    const limited = messageForError(appError('problem', { status: 429, code: 'RATE_LIMITED', retryAt: '2026-12-03T10:17:00Z', requestId: 'req-9' }), en);
    expect(limited.requestIdLine).toBe('Request ID: req-9');
    expect(limited.remedy).not.toBe(en.remedyWait);
  });

  it('errorMessage - remedies that ask for support details name only what the page shows: the code, the request id (if shown), the time', () => {
    expect(messageForCode('INTERNAL_ERROR', en).remedy).toBe('Try again. If it keeps happening, give your LMS administrator the error code, the time it happened and, if shown, the request ID.');
    for (const code of ['INTERNAL_ERROR', 'SIGN_IN_FAILED', 'MESSAGE_REJECTED'] as const) {
      expect(ERROR_CATALOGUE[code].remedy.en).not.toMatch(/shown to|time shown|request id /);
      expect(ERROR_CATALOGUE[code].remedy.ja).not.toMatch(/表示されたコード|時刻/);
    }
  });

  it('errorMessage - a token failure puts its AADSTS code in parentheses of the page\'s language', () => {
    expect(messageForError(appError('token', { detail: 'AADSTS65001' }), en)).toMatchObject({ remedy: en.tokenErrorRemedy, codeLine: 'Error code: AADSTS65001' });
    expect(messageForError(appError('token', { detail: 'AADSTS65001' }), ja)).toMatchObject({ remedy: ja.tokenErrorRemedy, codeLine: format(ja.errorCode, 'AADSTS65001') });
  });

  it('errorMessage - a conflict offers to reload', () => {
    const message = messageForError(appError('conflict'), ja);
    expect(message.title).toBe(ja.conflictTitle);
    expect(message.offerReload).toBe(true);
  });

  it('errorMessage - timeouts and network failures say what happened', () => {
    expect(messageForError(appError('timeout'), en).title).toBe(en.timeoutError);
    expect(messageForError(appError('network'), en).title).toBe(en.networkError);
    expect(messageForError(appError('unknown'), en).title).toBe(en.unknownError);
  });
});
