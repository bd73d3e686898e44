import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { graphfi, GraphBrowser } from '@pnp/graph';
import { BearerToken } from '@pnp/queryable';
import { startLocalTenant, LocalTenant } from '../src/index';
// The web part's own people search, so these tests send exactly the request the picker sends
// (and follow it if the web part changes it).
import { Directory } from '../../src/webparts/connectionSettings/services/Directory';
import { devToken } from './helpers/tokens';

// The shipped fixture plus one person whose name has a quote, so escaping is tested end to end.
const FIXTURE = join(__dirname, '..', 'fixtures', 'tenant.json');
const OBRIEN = { id: '1a2b3c4d-00aa-4000-8000-00000000a0aa', upn: 'dara@contoso.test', displayName: "Dara O'Brien", givenName: 'Dara', surname: "O'Brien", jobTitle: 'Instructor', kind: 'user', mailbox: 'user', smtpAuthEnabled: true };

describe('people search on /users (the web part Directory, @pnp/graph)', () => {
  let tenant: LocalTenant;
  let directory: Directory;
  let token: string;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lt-people-'));
    const fixture = JSON.parse(readFileSync(FIXTURE, 'utf8')) as { users: unknown[] };
    fixture.users.push(OBRIEN);
    writeFileSync(join(dir, 'tenant.json'), JSON.stringify(fixture));
    tenant = await startLocalTenant({ port: 0, smtpPort: 0, fixturePath: join(dir, 'tenant.json') });
    // The web part's Graph token: the SPFx principal, User.ReadBasic.All consented.
    token = await devToken(tenant, 'lynne@contoso.test', 'https://graph.microsoft.com');
    directory = new Directory(graphfi().using(GraphBrowser({ baseUrl: `${tenant.origin}/v1.0` }), BearerToken(token)));
  });
  afterAll(async () => {
    await tenant.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const users = async (query: string): Promise<{ status: number; body: { value?: Record<string, unknown>[]; error?: { code: string; message: string } } }> => {
    const res = await fetch(`${tenant.origin}/v1.0/users?${query}`, { headers: { authorization: `Bearer ${token}` } });
    return { status: res.status, body: (await res.json()) as { value?: Record<string, unknown>[]; error?: { code: string; message: string } } };
  };

  test("people search - 'ad' finds Adele", async () => {
    expect(await directory.searchPeople('ad')).toEqual([{ email: 'adele@contoso.test', displayName: 'Adele Vance' }]);
  });

  test("people search - 'me' finds Megan, whatever the case typed", async () => {
    expect(await directory.searchPeople('me')).toEqual([{ email: 'megan@contoso.test', displayName: 'Megan Bowen' }]);
    expect(await directory.searchPeople('ME')).toEqual([{ email: 'megan@contoso.test', displayName: 'Megan Bowen' }]);
  });

  test('people search - matches the mail or UPN as well as the name', async () => {
    // 'Training (shared)' is found by its address only.
    expect(await directory.searchPeople('training@')).toEqual([{ email: 'training@contoso.test', displayName: 'Training (shared)' }]);
    // Noah has no mailbox (mail null): the UPN still finds him and is what the picker shows.
    expect(await directory.searchPeople('noah')).toEqual([{ email: 'noah@contoso.test', displayName: 'Noah Peterson' }]);
  });

  test('people search - a quote in the search text is escaped, not a 400', async () => {
    expect(await directory.searchPeople("Dara O'B")).toEqual([{ email: 'dara@contoso.test', displayName: "Dara O'Brien" }]);
    expect(await directory.searchPeople("o'")).toEqual([]);
    expect(await directory.searchPeople("'")).toEqual([]);
  });

  test('people search - text that matches nobody is an empty list', async () => {
    expect(await directory.searchPeople('zz')).toEqual([]);
  });

  test('users - $top caps the page and $select keeps only the asked properties (and id)', async () => {
    const all = await users('$filter=' + encodeURIComponent("startswith(userPrincipalName,'l')"));
    expect(all.body.value?.map((u) => u.userPrincipalName)).toEqual(['lynne@contoso.test', 'learner1@contoso.test', 'learner2@contoso.test']);
    const two = await users('$filter=' + encodeURIComponent("startswith(userPrincipalName,'l')") + '&$top=2&$select=displayName,mail');
    expect(two.body.value).toHaveLength(2);
    expect(Object.keys(two.body.value?.[0] ?? {}).sort()).toEqual(['displayName', 'id', 'mail']);
  });

  test('users - malformed $filter answers 400 BadRequest in the Graph envelope', async () => {
    const res = await users('$filter=' + encodeURIComponent("startswith(displayName,'ad'"));
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe('BadRequest');
    expect(res.body.error?.message).toMatch(/^Invalid filter clause: /);
  });

  test('users - valid but unsupported $filter answers 400 Request_UnsupportedQuery', async () => {
    const ne = await users('$filter=' + encodeURIComponent("mail ne 'adele@contoso.test'"));
    expect(ne.status).toBe(400);
    expect(ne.body.error).toMatchObject({ code: 'Request_UnsupportedQuery', message: "Filter operator 'NotEqualsMatch' is not supported." });
    const ends = await users('$filter=' + encodeURIComponent("endswith(mail,'@contoso.test')"));
    expect(ends.body.error).toMatchObject({ code: 'Request_UnsupportedQuery', message: 'Unsupported Query.' });
  });

  test('people search - a Graph that does not answer in time is aborted (PnPjs Timeout) and reported as a timeout', async () => {
    const fault = (ms: number): Promise<Response> => fetch(`${tenant.origin}/_admin/faults/latency`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
    expect((await fault(3000)).status).toBe(200);
    try {
      const impatient = new Directory(graphfi().using(GraphBrowser({ baseUrl: `${tenant.origin}/v1.0` }), BearerToken(token)), 300);
      const started = Date.now();
      await expect(impatient.searchPeople('ad')).rejects.toMatchObject({ kind: 'timeout' });
      expect(Date.now() - started).toBeLessThan(2500);
    } finally {
      await fault(0);
    }
    expect(await directory.searchPeople('ad')).toEqual([{ email: 'adele@contoso.test', displayName: 'Adele Vance' }]);
  });
});
