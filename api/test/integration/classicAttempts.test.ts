import type { TableClient } from '@azure/data-tables';
import { ClassicAttemptGuard, TableAttemptCounter } from '../../src/auth/classicAttempts';
import type { Principal } from '../../src/auth/principal';
import { ApiError } from '../../src/errors/apiError';
import { openTables, TABLES } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';

jest.setTimeout(60_000);

const caller = (oid: string): Extract<Principal, { kind: 'user' }> => ({ kind: 'user', tenantId: 't', objectId: oid, name: `${oid}@contoso.test` }) as Extract<Principal, { kind: 'user' }>;
const wrongPassword = async (): Promise<never> => {
  throw new ApiError('BAD_CREDENTIALS');
};

/** R-SEC-3: Classic connect attempts counted in storage, so two API instances share one limit. */
describe('Classic attempt counters on Azurite (two instances)', () => {
  let azurite: RunningAzurite;
  let table: TableClient;
  const config = { enabled: true, attemptsPerCaller: 100, attemptsPerAccount: 3, windowSeconds: 60 };

  beforeAll(async () => {
    azurite = await startAzurite();
    table = (await openTables(azurite.connectionString))[TABLES.limits];
  });

  afterAll(async () => {
    await azurite.stop();
  });

  /** An instance: its own guard and counter over the shared table, with its own clock. */
  const instance = (now: () => number = Date.now) => new ClassicAttemptGuard(config, () => undefined, new TableAttemptCounter(table, config.windowSeconds, now));

  it('guesses spread over two instances meet one limit per mailbox; 20 at once over both make at most the limit of logins', async () => {
    const [a, b] = [instance(), instance()];
    const codes: (string | undefined)[] = [];
    for (const [i, guard] of [a, b, a, b].entries()) {
      codes.push(await guard.attempt({ caller: caller(`c${i}`), catalog: 'cat', account: 'victim@contoso.test' }, wrongPassword).catch((e: ApiError) => e.code));
    }
    expect(codes).toEqual(['BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'BAD_CREDENTIALS', 'CONNECT_ATTEMPTS_LIMITED']);
    let logins = 0;
    const racing = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).attempt({ caller: caller(`r${i}`), catalog: 'cat', account: 'raced@contoso.test' }, async () => {
      logins++;
      throw new ApiError('BAD_CREDENTIALS');
    }).catch((e: ApiError) => e)));
    expect(logins).toBe(3);
    expect(racing.filter((e) => e.code === 'CONNECT_ATTEMPTS_LIMITED')).toHaveLength(17);
    const limited = racing.find((e) => e.code === 'CONNECT_ATTEMPTS_LIMITED');
    expect(limited?.retryAfterSeconds).toBeGreaterThan(50);
    expect(limited?.retryAfterSeconds).toBeLessThanOrEqual(60);
  });

  it('a limited attempt counts nothing; the window ends by the clock; a proven password ends the mailbox\'s count; rows hold a hash, not the address; the retention job deletes ended windows', async () => {
    // The real time: the first test's rows (written at it) must have ended by the purge a day later.
    let now = Date.now();
    const clock = () => now;
    const [a, b] = [instance(clock), instance(clock)];
    for (let i = 0; i < 3; i++) {
      await a.attempt({ caller: caller('p'), catalog: 'cat', account: 'windowed@contoso.test' }, wrongPassword).catch(() => undefined);
    }
    const refused = await b.attempt({ caller: caller('q'), catalog: 'cat', account: 'windowed@contoso.test' }, async () => 'ok').catch((e: ApiError) => e);
    expect([(refused as ApiError).code, (refused as ApiError).retryAfterSeconds]).toEqual(['CONNECT_ATTEMPTS_LIMITED', 60]);
    now += 60_000;
    expect(await b.attempt({ caller: caller('q'), catalog: 'cat', account: 'windowed@contoso.test' }, async () => 'ok')).toBe('ok');
    // Proven: the mailbox's count is gone (3 more may try); the caller's stays.
    for (let i = 0; i < 3; i++) {
      await a.attempt({ caller: caller('p'), catalog: 'cat', account: 'windowed@contoso.test' }, wrongPassword).catch(() => undefined);
    }
    expect(await a.attempt({ caller: caller('p'), catalog: 'cat', account: 'windowed@contoso.test' }, async () => 'ok').catch((e: ApiError) => e.code)).toBe('CONNECT_ATTEMPTS_LIMITED');
    const rows: Record<string, unknown>[] = [];
    for await (const row of table.listEntities()) rows.push(row);
    expect(JSON.stringify(rows)).not.toMatch(/contoso|windowed|victim/);
    expect(rows.every((r) => /^[0-9a-f]{64}$/.test(String(r.rowKey)))).toBe(true);
    // The retention job, a day later: every window has ended.
    const counter = new TableAttemptCounter(table, config.windowSeconds, clock);
    expect(await counter.purge(now + 86_400_000)).toBe(rows.length);
    const left: unknown[] = [];
    for await (const row of table.listEntities()) left.push(row);
    expect(left).toEqual([]);
  });

  it('a recheck of a refused stored password counts on the mailbox (the count its connects share), not on the caller; one that works does not end the count', async () => {
    const [a, b] = [instance(), instance()];
    const recheck = (guard: ClassicAttemptGuard, login: () => Promise<string>) => guard.recheck({ caller: 'megan@contoso.test', callerId: 't:m', catalog: 'cat', account: 'Rechecked@contoso.test' }, login).catch((e: ApiError) => e.code);
    expect(await recheck(a, wrongPassword)).toBe('BAD_CREDENTIALS');
    expect(await recheck(b, async () => 'works')).toBe('works');
    // Two counted, the working one included: one connect attempt is left, then the limit.
    expect(await a.attempt({ caller: caller('fresh'), catalog: 'cat', account: 'rechecked@contoso.test' }, wrongPassword).catch((e: ApiError) => e.code)).toBe('BAD_CREDENTIALS');
    expect(await recheck(b, async () => 'works')).toBe('CONNECT_ATTEMPTS_LIMITED');
    // The caller's own budget was not touched: 100 - 1.
    const rows: { count?: number }[] = [];
    for await (const row of table.listEntities<{ count: number }>()) rows.push(row);
    expect(rows.map((r) => r.count).sort()).toEqual(expect.arrayContaining([1, 3]));
  });
});
