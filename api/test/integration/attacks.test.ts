import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';
import { readdirSync, statSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { TableClient } from '@azure/data-tables';
import { startApi, RunningApi } from '../../src/server';
import { startAzurite } from '../support/azurite';
import { LogCapture } from '../support/inProcessApi';
import { API_APP, appToken, fault, LMS_BACKEND } from '../support/sending';
import { localConfig, signIn, useStack } from '../support/stack';

jest.setTimeout(120_000);

/** Passwords nobody would type: finding one in a log or an answer means it leaked. */
const CANARY = 'CANARY-guess-5e1d';

/** The claims of a JWT, read without verifying (the tests look at what the local tenant issued). */
function claimsOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** The same claims as a real token, unsigned (alg none): what an attacker can write without a key. */
function forged(token: string): string {
  return `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${token.split('.')[1]}.AAAA`;
}

/** A problem body without its request id (which differs per answer). */
function shape(body: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(body).filter(([key]) => key !== 'instance'));
}

describe('attacks (real API, local tenant tokens, SMTP and SharePoint, Azurite over loopback)', () => {
  // The timed jobs off: a job's lease row written between two table dumps would read as a change an attack made.
  const stack = useStack({ CLASSIC_ATTEMPTS_PER_CALLER: '5', CLASSIC_ATTEMPTS_PER_ACCOUNT: '3', CLASSIC_ATTEMPT_WINDOW_SECONDS: '600', TEST_EMAILS_PER_DAY: '2', ROOM_ANSWER_INTERVAL_SECONDS: '0', HEALTH_PROBE_INTERVAL_SECONDS: '0' }, { reset: 'none' });
  let catalogA: string;
  let catalogB: string;

  beforeAll(async () => {
    catalogA = stack.catalogUrl('catalog-a');
    catalogB = stack.catalogUrl('catalog-b');
  });

  const connection = (catalog: string, suffix = ''): string => `/v1/catalogs/${encodeURIComponent(catalog)}/connection${suffix}`;
  const audits = (): { event: string; caller: string; catalog: string; target: string; outcome: string }[] =>
    stack.logs.lines.map((line) => JSON.parse(line) as { audit?: { event: string; caller: string; catalog: string; target: string; outcome: string } }).filter((l) => l.audit).map((l) => l.audit!);

  it('classic oracle - 25 concurrent guesses at one mailbox reach SMTP 3 times; the rest, and other admins, are CONNECT_ATTEMPTS_LIMITED', async () => {
    const adele = await stack.token('adele@contoso.test');
    const before = await stack.tableDump();
    const guesses = await Promise.all(Array.from({ length: 25 }, (_, i) =>
      stack.call('POST', connection(catalogA, '/classic'), { token: adele, body: { email: 'lynne@contoso.test', password: `${CANARY}-${i}` } })));
    const codes = guesses.map((g) => g.body.code as string);
    expect(codes.filter((c) => c === 'BAD_CREDENTIALS')).toHaveLength(3);
    expect(codes.filter((c) => c === 'CONNECT_ATTEMPTS_LIMITED')).toHaveLength(22);
    const limited = guesses.find((g) => g.body.code === 'CONNECT_ATTEMPTS_LIMITED')!;
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another admin of the same catalog cannot carry on where adele stopped; the right password included.
    const megan = await stack.token('megan@contoso.test');
    const relay = await stack.call('POST', connection(catalogA, '/classic'), { token: megan, body: { email: 'lynne@contoso.test', password: 'dev-password' } });
    expect([relay.status, relay.body.code]).toEqual([429, 'CONNECT_ATTEMPTS_LIMITED']);
    expect(await stack.tableDump()).toBe(before);
    // The attempts were counted in storage (shared by instances): hashed keys, no address, no guess.
    const counted = await stack.tableDump({ limits: true });
    expect(counted).toContain('classic-attempts');
    expect(counted).not.toMatch(new RegExp(`lynne|${CANARY}`));
    const lynne = audits().filter((a) => a.target === 'lynne@contoso.test');
    expect(lynne).toHaveLength(26);
    expect(lynne.filter((a) => a.outcome === 'BAD_CREDENTIALS').every((a) => a.caller === 'adele@contoso.test' && a.catalog === catalogA)).toBe(true);
    expect(lynne.at(-1)).toMatchObject({ caller: 'megan@contoso.test', catalog: catalogA, outcome: 'CONNECT_ATTEMPTS_LIMITED' });
    expect(stack.logs.text()).not.toContain(CANARY);
    expect(stack.responses.join('\n')).not.toContain(CANARY);
  });

  it('classic oracle - a wrong password gets one answer whatever the account is: a user, shared, SMTP AUTH off, no mailbox, nobody', async () => {
    const alex = await stack.token('alex@contoso.test');
    const answers: Record<string, unknown>[] = [];
    for (const email of ['nestor@contoso.test', 'training@contoso.test', 'pradeep@contoso.test', 'noah@contoso.test', 'nobody@contoso.test']) {
      const res = await stack.call('POST', connection(catalogB, '/classic'), { token: alex, body: { email, password: CANARY } });
      answers.push({ status: res.status, ...shape(res.body) });
    }
    expect(answers[0]).toMatchObject({ status: 422, code: 'BAD_CREDENTIALS' });
    expect(answers.every((a) => JSON.stringify(a) === JSON.stringify(answers[0]))).toBe(true);
    // Five attempts used the caller's budget: a sixth, at any account, is refused before any login.
    const sixth = await stack.call('POST', connection(catalogB, '/classic'), { token: alex, body: { email: 'alex@contoso.test', password: 'dev-password' } });
    expect([sixth.status, sixth.body.code]).toEqual([429, 'CONNECT_ATTEMPTS_LIMITED']);
  });

  it('classic - a shared mailbox whose account has a password is refused as SHARED_MAILBOX, as modern refuses it; nothing is stored', async () => {
    const megan = await stack.token('megan@contoso.test');
    const before = await stack.tableDump();
    const res = await stack.call('POST', connection(catalogB, '/classic'), { token: megan, body: { email: 'training@contoso.test', password: 'dev-password' } });
    expect([res.status, res.body.code]).toEqual([422, 'SHARED_MAILBOX']);
    expect(await stack.tableDump()).toBe(before);
  });

  it('test email - only to the tenant\'s domains or the catalog\'s alert recipients; a daily quota holds against concurrent requests', async () => {
    const megan = await stack.token('megan@contoso.test');
    const connected = await stack.call('POST', connection(catalogA, '/classic'), { token: megan, body: { email: 'megan@contoso.test', password: 'dev-password' } });
    expect(connected.status).toBe(200);
    const outside = await stack.call('POST', connection(catalogA, '/test-email'), { token: megan, body: { to: 'someone@fabrikam.example' } });
    expect([outside.status, outside.body.code]).toEqual([422, 'TEST_RECIPIENT_NOT_ALLOWED']);
    const lookalike = await stack.call('POST', connection(catalogA, '/test-email'), { token: megan, body: { to: 'someone@contoso.test.fabrikam.example' } });
    expect(lookalike.body.code).toBe('TEST_RECIPIENT_NOT_ALLOWED');
    const burst = await Promise.all(Array.from({ length: 6 }, () => stack.call('POST', connection(catalogA, '/test-email'), { token: megan, body: { to: 'alex@contoso.test' } })));
    expect(burst.filter((r) => r.status === 200)).toHaveLength(2);
    const over = burst.filter((r) => r.status !== 200);
    expect(over.map((r) => r.body.code)).toEqual(Array(4).fill('TEST_EMAIL_QUOTA_EXCEEDED'));
    expect(Number(over[0].headers.get('retry-after'))).toBeGreaterThan(0);
    // Counted in storage, which every instance shares: a hashed key, no catalog address.
    const counted = (JSON.parse(await stack.tableDump({ limits: true })) as Array<Record<string, unknown>>).filter((row) => row.partitionKey === 'test-emails');
    expect(counted.map((row) => row.count)).toEqual([2]);
    expect(JSON.stringify(counted)).not.toMatch(/catalog-a|test-email:/);
    // Another catalog has its own quota.
    const alex = await stack.token('alex@contoso.test');
    const elsewhere = await stack.call('POST', connection(catalogB, '/test-email'), { token: alex, body: { to: 'alex@contoso.test' } });
    expect(elsewhere.body.code).toBe('NOT_CONNECTED');
  });

  it('classic lockout - Check now and the test email with a stored password Exchange refused count on the mailbox\'s attempts (its connects\' limit): a loop of presses makes 3 failed logins, not one each', async () => {
    const megan = await stack.token('megan@contoso.test');
    const connected = await stack.call('POST', connection(catalogB, '/classic'), { token: megan, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    expect(connected.status).toBe(200);
    await fault(stack, 'password', { user: 'adele@contoso.test', password: `${CANARY}-rotated` });
    try {
      // The first check finds the password refused (the connection was working: not counted).
      const first = await stack.call('POST', connection(catalogB, '/check'), { token: megan });
      expect(first.body.health).toMatchObject({ state: 'lost', code: 'BAD_CREDENTIALS' });
      const test = await stack.call('POST', connection(catalogB, '/test-email'), { token: megan, body: { to: 'megan@contoso.test' } });
      expect(test.body.code).toBe('BAD_CREDENTIALS');
      const presses: string[] = [];
      for (let i = 0; i < 5; i++) {
        presses.push((await stack.call('POST', connection(catalogB, '/check'), { token: megan })).body.code ?? 'view');
      }
      // A refused login leaves the view (lost) as the answer; the limit answers 429.
      expect(presses).toEqual(['view', 'view', 'CONNECT_ATTEMPTS_LIMITED', 'CONNECT_ATTEMPTS_LIMITED', 'CONNECT_ATTEMPTS_LIMITED']);
      const limitedTest = await stack.call('POST', connection(catalogB, '/test-email'), { token: megan, body: { to: 'megan@contoso.test' } });
      expect([limitedTest.status, limitedTest.body.code]).toEqual([429, 'CONNECT_ATTEMPTS_LIMITED']);
      const rechecks = audits().filter((a) => a.event === 'classic-recheck' && a.target === 'adele@contoso.test');
      expect(rechecks.map((a) => a.outcome)).toEqual(['BAD_CREDENTIALS', 'lost', 'lost', ...Array(4).fill('CONNECT_ATTEMPTS_LIMITED')]);
      expect(rechecks.every((a) => a.caller === 'megan@contoso.test' && a.catalog === catalogB)).toBe(true);
    } finally {
      await fault(stack, 'password', { user: 'adele@contoso.test', password: 'dev-password' });
      await stack.call('DELETE', connection(catalogB), { token: megan });
    }
  });

  it('token confusion - the local tenant\'s real tokens: the API\'s own ID token and app token are refused, the LMS back end reads, idtyp and azp are issued', async () => {
    // The API's own sign-in (authorization code + PKCE, as MSAL runs it), redeemed here for its ID token.
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = 'http://localhost:1/v1/auth/callback';
    const authorize = new URL(`${stack.tenant.origin}/${stack.tenant.tenantId}/oauth2/v2.0/authorize`);
    authorize.search = new URLSearchParams({
      client_id: API_APP.clientId, response_type: 'code', redirect_uri: redirectUri, response_mode: 'query', scope: 'openid profile', state: 's', nonce: 'n',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256'
    }).toString();
    const { callbackUrl } = await signIn(stack.tenant.origin, authorize.href, { user: 'adele@contoso.test' });
    const code = new URL(callbackUrl).searchParams.get('code') ?? '';
    const redeemed = await fetch(`${stack.tenant.origin}/${stack.tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', client_id: API_APP.clientId, client_secret: API_APP.secret, code, redirect_uri: redirectUri, code_verifier: verifier, scope: 'openid profile' }).toString()
    });
    const idToken = ((await redeemed.json()) as { id_token: string }).id_token;
    expect(claimsOf(idToken)).toMatchObject({ aud: API_APP.clientId, tid: stack.tenant.tenantId });
    const withIdToken = await stack.call('GET', connection(catalogA), { token: idToken });
    expect([withIdToken.status, withIdToken.body.code]).toEqual([403, 'CLIENT_APP_NOT_ACCEPTED']);

    const ownApp = await appToken(stack, API_APP);
    expect(claimsOf(ownApp)).toMatchObject({ idtyp: 'app', azp: API_APP.clientId });
    const withOwnApp = await stack.call('GET', connection(catalogA), { token: ownApp });
    expect([withOwnApp.status, withOwnApp.body.code]).toEqual([403, 'CLIENT_APP_NOT_ACCEPTED']);
    // Each refusal names its request (the page shows it as "Request ID"), one of its own, and the log line for it carries the same id.
    expect([withIdToken.body.instance, withOwnApp.body.instance]).toEqual([expect.stringMatching(/^[0-9a-f-]{36}$/), expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    expect(withOwnApp.body.instance).not.toBe(withIdToken.body.instance);
    expect(stack.logs.lines.map((l) => JSON.parse(l) as { reqId?: string; statusCode?: number }).find((l) => l.reqId === withOwnApp.body.instance && l.statusCode === 403)).toBeDefined();

    const backend = await appToken(stack, LMS_BACKEND);
    expect(claimsOf(backend)).toMatchObject({ idtyp: 'app', azp: LMS_BACKEND.clientId, roles: ['Notifications.Send'] });
    expect((await stack.call('GET', connection(catalogA), { token: backend })).status).toBe(200);

    const adele = await stack.token('adele@contoso.test');
    expect(claimsOf(adele)).toMatchObject({ azp: '08e18876-6177-487e-b8b5-cf950c1e598c', scp: 'user_impersonation' });
    expect((await stack.call('GET', connection(catalogA), { token: adele })).status).toBe(200);
  });

  describe('a second instance with a small budget and Classic turned off', () => {
    let limited: RunningApi;
    let logs: LogCapture;
    beforeAll(async () => {
      logs = new LogCapture();
      // LOG_LEVEL warn, as an operator who quiets the request lines sets it: the audit trail stays.
      limited = await startApi(localConfig(stack.tenant, stack.azurite.connectionString, { RATE_LIMIT_PER_MINUTE: '5', CLASSIC_ENABLED: 'false', REGISTERED_CATALOGS: catalogB, LOG_LEVEL: 'warn' }), { logDestination: logs });
    });
    afterAll(async () => {
      await limited?.close();
    });
    const call = (pathAndQuery: string, token: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) =>
      fetch(`${limited.url}${pathAndQuery}`, {
        method: init.method ?? 'GET',
        headers: { authorization: `Bearer ${token}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.headers ?? {}) },
        body: init.body === undefined ? undefined : JSON.stringify(init.body)
      });

    it('rate limit - 40 concurrent forged tokens naming adele, with rotating X-Forwarded-For, are limited per address and leave adele her whole budget', async () => {
      const adele = await stack.token('adele@contoso.test');
      const fake = forged(adele);
      const flood = await Promise.all(Array.from({ length: 40 }, (_, i) => call(connection(catalogA), fake, { headers: { 'x-forwarded-for': `203.0.113.${i}` } })));
      const statuses = flood.map((r) => r.status);
      expect(statuses.filter((s) => s === 401)).toHaveLength(5);
      expect(statuses.filter((s) => s === 429)).toHaveLength(35);
      const mine: number[] = [];
      for (let i = 0; i < 6; i++) {
        mine.push((await call(connection(catalogA), adele)).status);
      }
      expect(mine).toEqual([200, 200, 200, 200, 200, 429]);
    });

    it('rate limit - the sign-in\'s start page takes 60 requests a minute per address (two a sign-in), whatever the global budget; the 61st is a 429 with Retry-After', async () => {
      const statuses: number[] = [];
      for (let i = 0; i < 61; i++) {
        const res = await fetch(`${limited.url}/v1/auth/start?authorize=${encodeURIComponent(`https://evil.example/${i}`)}`, { redirect: 'manual' });
        statuses.push(res.status);
        if (res.status === 429) {
          expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
        }
      }
      expect(statuses.slice(0, 60).every((status) => status === 400)).toBe(true);
      expect(statuses[60]).toBe(429);
    });

    it('classic off - CLASSIC_ENABLED=false answers CLASSIC_DISABLED before any login, and audits the attempt', async () => {
      const alex = await stack.token('alex@contoso.test');
      const res = await call(connection(catalogB, '/classic'), alex, { method: 'POST', body: { email: 'alex@contoso.test', password: CANARY } });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('CLASSIC_DISABLED');
      const audit = logs.lines.map((l) => JSON.parse(l) as { audit?: Record<string, string> }).find((l) => l.audit)?.audit;
      expect(audit).toMatchObject({ event: 'classic-connect', caller: 'alex@contoso.test', catalog: catalogB, target: 'alex@contoso.test', outcome: 'CLASSIC_DISABLED' });
      // At warn, the request lines are gone; the audit line (info) is not.
      expect(logs.lines.map((l) => (JSON.parse(l) as { msg?: string }).msg)).not.toContain('request');
      expect(logs.text()).not.toContain(CANARY);
    });
  });

  it('files - Azurite\'s data folder and files are owner-only (0700 / 0600)', async () => {
    const location = path.join(mkdtempSync(path.join(os.tmpdir(), 'lms-azurite-modes-')), 'azurite');
    const azurite = await startAzurite({ location });
    try {
      const table = TableClient.fromConnectionString(azurite.connectionString, 'modes', { allowInsecureConnection: true });
      await table.createTable();
      await table.createEntity({ partitionKey: 'p', rowKey: 'r', secret: 'x' });
    } finally {
      await azurite.stop();
    }
    const entries: { name: string; mode: number; dir: boolean }[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const full = path.join(dir, name);
        const stat = statSync(full);
        entries.push({ name: path.relative(location, full), mode: stat.mode & 0o777, dir: stat.isDirectory() });
        if (stat.isDirectory()) {
          walk(full);
        }
      }
    };
    expect(statSync(location).mode & 0o777).toBe(0o700);
    walk(location);
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.filter((e) => (e.mode & 0o077) !== 0)).toEqual([]);
  });

  it('a request the HTTP parser refuses is answered 400, and the raw bytes Node keeps of it (a bearer token, a body) reach no log, at any level', async () => {
    const token = await appToken(stack);
    const body = JSON.stringify({ subject: `${CANARY}-body`, password: `${CANARY}-password` });
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(stack.api.port, '127.0.0.1', () => {
        socket.end([
          `POST /v1/catalogs/${encodeURIComponent(catalogA)}/notifications HTTP/1.1`,
          'Host: 127.0.0.1',
          `Authorization: Bearer ${token}`,
          `X-Note: ${CANARY}-header`,
          // A header name with a space: Node's parser refuses the request (HPE_INVALID_HEADER_TOKEN).
          'Bad Header: x',
          'Content-Type: application/json',
          `Content-Length: ${Buffer.byteLength(body)}`,
          '',
          body
        ].join('\r\n'));
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => {
        text += chunk.toString('utf8');
      });
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 400 /);
    const logs = stack.logs.text();
    expect(logs).toContain('client error');
    for (const secret of [token.split('.')[2], CANARY]) {
      expect(logs).not.toContain(secret);
    }
  });
});
