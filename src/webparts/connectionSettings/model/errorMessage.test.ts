import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../loc/en-us';
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
    const at = new Intl.DateTimeFormat(en.locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(retryAt));
    const attempts = messageForError(appError('problem', { status: 429, code: 'CONNECT_ATTEMPTS_LIMITED', retryAt }), en);
    expect(attempts.remedy).toBe(en.remedyAttemptsLimitedAt.replace('{0}', at));
    expect(attempts.remedy).not.toMatch(/Retry-After/);
    expect(attempts.title).toBe(ERROR_CATALOGUE.CONNECT_ATTEMPTS_LIMITED.title.en);
    const atJa = new Intl.DateTimeFormat(ja.locale, { hour: '2-digit', minute: '2-digit' }).format(new Date(retryAt));
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
    expect(reconnectHelps('BAD_CREDENTIALS')).toBe(true);
    expect(reconnectHelps(null)).toBe(true);
    expect(reconnectHelps('MAILBOX_NOT_FOUND')).toBe(false);
    expect(reconnectHelps('ACCOUNT_DISABLED')).toBe(false);
    expect(reconnectHelps('SMTP_AUTH_DISABLED')).toBe(false);
  });

  it('errorMessage - an unknown code still shows a message and the code', () => {
    const message = messageForCode('SOMETHING_NEW', en);
    expect(message.title).toBe(en.unknownError);
    expect(message.codeLine).toBe('Error code: SOMETHING_NEW');
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
