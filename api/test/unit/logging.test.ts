import Fastify, { type FastifyBaseLogger } from 'fastify';
import { auditLogger, createLogger, errFields, stripQueries } from '../../src/logging';
import { ApiError, logFields } from '../../src/errors/apiError';
import { originLine } from '../../src/errors/errorHandler';
import { LogCapture } from '../support/inProcessApi';

const CANARY = 'canary-9f2c41e7';

describe('logging (R-OPS-5): what a line may hold', () => {
  it('an error logged as err/error keeps its kind and code, never its message or the server reply and addresses it carries', () => {
    const logs = new LogCapture();
    const log = createLogger('info', logs);
    const smtpError = Object.assign(new Error(`Can't send mail - all recipients were rejected: 550 5.1.1 <${CANARY}@contoso.test>`), {
      code: 'EENVELOPE', responseCode: 550, response: `550 5.1.1 <${CANARY}@contoso.test> unknown`, rejected: [`${CANARY}@contoso.test`], command: 'RCPT TO'
    });
    log.warn({ err: smtpError }, 'send failed');
    log.warn({ error: smtpError }, 'send failed');
    // Without a message of their own, pino would take the error's: its kind and code are said instead.
    log.warn({ err: smtpError });
    log.error(smtpError);
    const text = logs.text();
    expect(text).not.toContain(CANARY);
    expect(logs.lines.slice(2).map((line) => JSON.parse(line).msg)).toEqual(['Error EENVELOPE', 'Error EENVELOPE']);
    expect(JSON.parse(logs.lines[0]).err).toEqual({ type: 'Error', code: 'EENVELOPE' });
    expect(logs.lines.slice(0, 2).map((line) => JSON.parse(line).msg)).toEqual(['send failed', 'send failed']);
    expect(errFields('text')).toEqual({ type: 'string' });
    expect([errFields(null), errFields(undefined), errFields({ name: 7, code: { nested: CANARY } })]).toEqual([{ type: 'object' }, { type: 'undefined' }, { type: 'Error' }]);
    expect(errFields({ name: 'RestError', statusCode: 409, upstream: 'storage 409', response: CANARY })).toEqual({ type: 'RestError', statusCode: 409, upstream: 'storage 409' });
  });

  it('auditLogger - audit lines are written at info whatever LOG_LEVEL says; the logger\'s other info lines follow its level', () => {
    for (const level of ['warn', 'error']) {
      const logs = new LogCapture();
      const log = createLogger(level, logs);
      auditLogger(log).info({ audit: 'connected', catalog: 'c' }, 'audit');
      log.info('request');
      expect(logs.lines.map((l) => JSON.parse(l).msg)).toEqual(['audit']);
      // Levels by name, as operations.md's log searches match them; the audit line's too.
      expect(JSON.parse(logs.lines[0]).level).toBe('info');
    }
    const named = new LogCapture();
    const log = createLogger('info', named);
    log.error('e');
    log.warn('w');
    expect(named.lines.map((l) => JSON.parse(l).level)).toEqual(['error', 'warn']);
    const verbose = createLogger('debug', new LogCapture());
    expect(auditLogger(verbose)).toBe(verbose);
  });

  it('logFields - the API\'s own error gives its code and upstream; another (a storage SDK\'s) its status and kind too, never its message', () => {
    expect(logFields(new ApiError('SERVICE_KEY_UNAVAILABLE', { upstream: 'keyvault 403 Forbidden', detail: CANARY }))).toEqual({ code: 'SERVICE_KEY_UNAVAILABLE', upstream: 'keyvault 403 Forbidden' });
    expect(logFields(Object.assign(new Error(CANARY), { name: 'RestError', statusCode: 403, code: CANARY }))).toEqual({ code: 'INTERNAL_ERROR', statusCode: 403, type: 'RestError' });
    expect([logFields(new Error(CANARY)), logFields(CANARY), logFields(undefined), logFields({ name: `${CANARY} x`, statusCode: '500' })]).toEqual([{ code: 'INTERNAL_ERROR' }, { code: 'INTERNAL_ERROR' }, { code: 'INTERNAL_ERROR' }, { code: 'INTERNAL_ERROR' }]);
  });

  it('a URL inside a message loses its query (the OAuth callback\'s code and state), whoever wrote the message', () => {
    const logs = new LogCapture();
    createLogger('info', logs).info(`Reply was already sent, did you forget to "return reply" in "/v1/auth/callback?code=${CANARY}&state=s" (GET)?`);
    expect(logs.text()).not.toContain(CANARY);
    expect(logs.text()).toContain('/v1/auth/callback');
    expect(stripQueries('GET /a/b?x=1 and /c?y=2 then, no query in "what?" here')).toBe('GET /a/b and /c then, no query in "what?" here');
  });

  it('Fastify\'s own line for a reply sent twice does not carry the request\'s query', async () => {
    const logs = new LogCapture();
    const app = Fastify({ loggerInstance: createLogger('info', logs) as FastifyBaseLogger, disableRequestLogging: true });
    app.get('/v1/auth/callback', async (_request, reply) => {
      reply.send('one');
      return 'two';
    });
    await app.inject({ method: 'GET', url: `/v1/auth/callback?code=${CANARY}&state=s` });
    await app.close();
    expect(logs.text()).toContain('FST_ERR_REP_ALREADY_SENT');
    expect(logs.text()).not.toContain(CANARY);
  });

  it('the origin line of a 500 is a stack frame, not a message\'s second line', () => {
    const error = new Error(`first line\n${CANARY}`);
    expect(originLine(error.stack)).toMatch(/^at /);
    expect(originLine(error.stack)).not.toContain(CANARY);
    expect(originLine(undefined)).toBeUndefined();
  });
  it('a request is logged by method, path without its query and id; an answer by its status; secrets under known names are censored', () => {
    const logs = new LogCapture();
    const log = createLogger('info', logs);
    log.info({ req: { method: 'GET', url: `/v1/auth/callback?code=${CANARY}`, id: 'r1', headers: { authorization: `Bearer ${CANARY}` } }, res: { statusCode: 302, headers: { location: CANARY } } }, 'request');
    log.info({ req: { method: 'GET', id: 'r2' } }, 'no url');
    log.info({ account: { password: CANARY, accessToken: CANARY }, body: CANARY }, 'with secrets');
    log.info(`plain message about /v1/x?token=${CANARY}`);
    expect(logs.text()).not.toContain(CANARY);
    const [request, noUrl, secrets, plain] = logs.lines.map((line) => JSON.parse(line));
    expect([request.req, request.res]).toEqual([{ method: 'GET', url: '/v1/auth/callback', id: 'r1' }, { statusCode: 302 }]);
    expect(noUrl.req).toEqual({ method: 'GET', url: '', id: 'r2' });
    expect([secrets.account, secrets.body]).toEqual([{ password: '[redacted]', accessToken: '[redacted]' }, '[redacted]']);
    expect(plain.msg).toBe('plain message about /v1/x');
  });
});
