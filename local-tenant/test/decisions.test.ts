import { loadFixture, fixtureProblems } from '../src/state/fixture';
import { TenantState } from '../src/state/tenant-state';
import { parseScopes, redirectUriMatches } from '../src/identity/scopes';
import { concurrencyDecision, deliverySlot, recipientQuotaDecision } from '../src/mailbox/limits';
import { parseFilter } from '../src/graph/filter';
import { argumentOf, splitSegments } from '../src/sharepoint/odata';
import { includes, isNone, kindMask, maskOf, PERMISSION_LEVELS } from '../src/sharepoint/permissions';
import type { Caller } from '../src/graph/caller';
import type { SpSite } from '../src/sharepoint/list-store';
import { applyValues, fieldValueProblem, newItem } from '../src/sharepoint/list-store';
import { FAULTS } from '../src/faults/faults';
import { isAllowedOrigin } from '../src/http/server';
import { internalNameFor } from '../src/sharepoint/routes';
import { availabilityView } from '../src/graph/calendar';
import { Outbound } from '../src/mailbox/outbound';
import type { SendingLimits } from '../src/mailbox/limits';
import { SMTP_REPLIES } from '../src/smtp/replies';

/** The pure decisions behind the wire formats, without any server. */
describe('local tenant decisions', () => {
  const fixture = loadFixture();
  const state = new TenantState(fixture, 'https://localhost:4800');
  const graph = state.appByKey('graph');
  const parse = (s: string) => parseScopes(s, (id) => state.resourceByIdentifier(id), graph, 'contoso.test');

  test('scopes - bare names are Graph scopes, OpenID scopes are set apart', () => {
    const r = parse('Mail.Send User.Read openid offline_access');
    expect(r.ok && [r.value.resource.key, r.value.scopes, r.value.oidc]).toEqual(['graph', ['Mail.Send', 'User.Read'], ['openid', 'offline_access']]);
  });

  test('scopes - an identifier URI or origin names the resource; .default stands alone', () => {
    const api = parse('api://lms-m365-connection/user_impersonation');
    expect(api.ok && api.value.resource.key).toBe('connectionApi');
    const sp = parse('https://localhost:4800/.default');
    expect(sp.ok && [sp.value.resource.key, sp.value.isDefault]).toEqual(['sharepoint', true]);
  });

  test('scopes - two resources, unknown resources and unknown scopes are refused with their AADSTS codes', () => {
    const two = parse('Mail.Send api://lms-m365-connection/user_impersonation');
    expect(!two.ok && two.error.code).toBe(28000);
    const unknown = parse('api://nope/x');
    expect(!unknown.ok && unknown.error.code).toBe(500011);
    const missing = parse('Mail.ReadEverything');
    expect(!missing.ok && missing.error.code).toBe(650053);
  });

  test('redirect URIs - loopback http matches any port, everything else exactly', () => {
    expect(redirectUriMatches(['http://localhost/v1/auth/callback'], 'http://localhost:4700/v1/auth/callback')).toBe(true);
    expect(redirectUriMatches(['http://localhost/v1/auth/callback'], 'http://localhost:4700/v1/other')).toBe(false);
    expect(redirectUriMatches(['https://app.example/cb'], 'https://app.example:8443/cb')).toBe(false);
    expect(redirectUriMatches(['https://app.example/cb'], 'not a url')).toBe(false);
  });

  test('limits - the 31st message within a minute is delivered when the oldest leaves the window, not refused', () => {
    const now = 100_000;
    const sent = Array.from({ length: 30 }, (_, i) => now - 50_000 + i);
    expect(deliverySlot(sent, now, 30, 60_000)).toBe(now + 10_000);
    expect(deliverySlot(sent.slice(1), now, 30, 60_000)).toBe(now);
    // Carried over: already-delayed slots push the next one a window further on.
    const delayed = [...sent, now + 10_000];
    expect(deliverySlot(delayed, now, 30, 60_000)).toBe(now + 10_001);
    expect(deliverySlot(Array.from({ length: 60 }, (_, i) => now + i), now, 30, 1_000)).toBe(now + 30 + 1_000);
    expect(concurrencyDecision(4, 4)).toEqual({ allowed: false, retryAfter: 1, reason: 'concurrency' });
    expect(concurrencyDecision(3, 4).allowed).toBe(true);
  });

  test('limits - the daily recipient quota refuses the message that would pass it, until old recipients leave the window', () => {
    const day = 86_400_000;
    const sent = [{ at: 0, recipients: 6_000 }, { at: 1_000_000, recipients: 3_999 }];
    expect(recipientQuotaDecision(sent, 2_000_000, 1, 10_000, day).allowed).toBe(true);
    expect(recipientQuotaDecision(sent, 2_000_000, 2, 10_000, day)).toEqual({ allowed: false, retryAfter: (day - 2_000_000) / 1000, reason: 'quota' });
    expect(recipientQuotaDecision(sent, day + 1, 500, 10_000, day).allowed).toBe(true);
  });

  test('filters - eq and startswith joined by and/or with parentheses; anything else is unsupported', () => {
    const grant = { clientId: 'A', consentType: 'AllPrincipals' };
    expect(parseFilter("clientId eq 'a' and consentType eq 'AllPrincipals'")?.(grant)).toBe(true);
    expect(parseFilter("clientId eq 'b' and consentType eq 'AllPrincipals'")?.(grant)).toBe(false);
    expect(parseFilter("displayName eq 'O''Brien'")?.({ displayName: "O'Brien" })).toBe(true);
    const user = { displayName: 'Adele Vance', mail: 'adele@contoso.test', userPrincipalName: 'adele@contoso.test' };
    const search = parseFilter("startswith(displayName,'ad') or startswith(mail,'ad') or startswith(userPrincipalName,'ad')");
    expect([search?.(user), search?.({ displayName: 'Alex', mail: 'alex@x' })]).toEqual([true, false]);
    expect(parseFilter("(mail eq 'x' or mail eq 'adele@contoso.test') and displayName eq 'adele vance'")?.(user)).toBe(true);
    expect(parseFilter("endswith(mail,'a')")).toBeNull();
    expect(parseFilter("mail ne 'a'")).toBeNull();
    expect(parseFilter("mail eq 'unterminated")).toBeNull();
  });

  test('odata paths - slashes inside quotes stay in the segment; call arguments unquote', () => {
    expect(splitSegments("web/lists/getByTitle('a/b')/items(3)")).toEqual(['web', 'lists', "getByTitle('a/b')", 'items(3)']);
    expect(argumentOf("getByTitle('It''s')", 'getbytitle')).toBe("It's");
    expect(argumentOf("lists(guid'9d8e')", 'lists')).toBe('9d8e');
    expect(argumentOf('items(12)', 'items')).toBe('12');
  });

  test('permissions - full control includes ManageWeb, edit does not but manages lists', () => {
    const manageWeb = kindMask(31);
    expect(includes(PERMISSION_LEVELS.fullControl, manageWeb)).toBe(true);
    expect(includes(PERMISSION_LEVELS.edit, manageWeb)).toBe(false);
    expect(includes(PERMISSION_LEVELS.edit, kindMask(12))).toBe(true);
    expect(includes(PERMISSION_LEVELS.none, kindMask(1))).toBe(false);
  });

  test('permissions - a delegated token is the user cut to its app; the web part\'s session is not cut; apps get their role or grant', () => {
    const site = { owners: ['o@x'], members: ['m@x'], appPermissions: [{ id: 'g', client: 'api', roles: ['fullcontrol'] }, { id: 'h', client: 'reader', roles: ['read'] }] } as unknown as SpSite;
    const user = (upn: string, client: string | undefined, scopes: string[]): Caller => ({ kind: 'user', user: { upn } as never, client: client ? ({ key: client } as never) : undefined, appId: 'x', scopes });
    const app = (client: string | undefined, roles: string[]): Caller => ({ kind: 'app', client: client ? ({ key: client } as never) : undefined, appId: 'x', roles, credential: 'certificate' });
    const manageWeb = kindMask(31);
    const level = (c: Caller): string => Object.entries(PERMISSION_LEVELS).find(([, m]) => JSON.stringify(m) === JSON.stringify(maskOf(site, c)))?.[0] ?? JSON.stringify(maskOf(site, c));
    expect(level(user('o@x', 'api', ['Sites.Selected']))).toBe('fullControl');
    expect(level(user('m@x', 'api', ['Sites.Selected']))).toBe('edit');
    expect(level(user('n@x', 'api', ['Sites.Selected']))).toBe('none');
    expect(level(user('o@x', 'reader', ['Sites.Selected']))).toBe('read');
    expect(level(user('o@x', 'other', ['Sites.Selected']))).toBe('none');
    expect(level(user('o@x', undefined, ['Sites.Selected']))).toBe('none');
    expect(level(user('o@x', 'other', ['AllSites.Read']))).toBe('read');
    expect(level(user('o@x', 'other', ['AllSites.Write']))).toBe('contribute');
    expect(level(user('o@x', 'other', ['AllSites.Manage']))).toBe('edit');
    expect(level(user('o@x', 'other', ['AllSites.Read', 'AllSites.FullControl']))).toBe('fullControl');
    expect(level(user('m@x', 'other', ['AllSites.FullControl']))).toBe('edit');
    expect(level(user('o@x', 'other', ['User.Read']))).toBe('none');
    expect(includes(maskOf(site, user('o@x', 'other', ['AllSites.Manage'])), manageWeb)).toBe(false);
    // The web part's client stands in for the page's cookie session: the user's own rights, if it holds a SharePoint scope at all.
    expect(level(user('o@x', 'spfx', ['AllSites.Manage', 'User.Read']))).toBe('fullControl');
    expect(level(user('m@x', 'spfx', ['AllSites.Manage']))).toBe('edit');
    expect(level(user('o@x', 'spfx', ['User.Read']))).toBe('none');
    expect(level(app('api', ['Sites.FullControl.All']))).toBe('fullControl');
    expect(level(app('api', ['Sites.Manage.All']))).toBe('edit');
    expect(level(app('api', ['Sites.ReadWrite.All']))).toBe('contribute');
    expect(level(app('api', ['Sites.Read.All']))).toBe('read');
    expect(level(app('api', ['Sites.Selected']))).toBe('fullControl');
    expect(level(app('reader', ['Sites.Selected']))).toBe('read');
    expect(level(app('api', ['Mail.Send']))).toBe('none');
    expect(level(app(undefined, ['Sites.Selected']))).toBe('none');
  });

  test('permissions - masks: none only when both halves are empty; PermissionKind bits above 32 live in High', () => {
    expect([isNone({ High: 0, Low: 0 }), isNone({ High: 1, Low: 0 }), isNone({ High: 0, Low: 1 })]).toEqual([true, false, false]);
    expect(kindMask(32)).toEqual({ High: 0, Low: 2147483648 });
    expect(kindMask(33)).toEqual({ High: 1, Low: 0 });
    expect(kindMask(37)).toEqual({ High: 16, Low: 0 });
    expect(includes({ High: 16, Low: 0 }, kindMask(37))).toBe(true);
    expect(includes({ High: 15, Low: 4294967295 }, kindMask(37))).toBe(false);
    expect(includes({ High: 16, Low: 0 }, { High: 16, Low: 1 })).toBe(false);
  });

  test('list values - types and choices are checked, and a bad value leaves the item untouched', () => {
    const site = state.lists.sites[0];
    const list = state.lists.addList(site, { Title: 'T' });
    list.fields.push({ Id: 'x', InternalName: 'LmsAuthMethod', StaticName: 'LmsAuthMethod', Title: 'LmsAuthMethod', TypeAsString: 'Choice', FieldTypeKind: 6, Required: false, Hidden: false, ReadOnlyField: false, DefaultValue: null, Choices: ['Modern', 'Classic'] });
    expect(fieldValueProblem(list.fields.find((f) => f.InternalName === 'Title')!, 7)).toMatch(/text/);
    const item = newItem(list, 10);
    expect(applyValues(list, item, { Title: 'ok', LmsAuthMethod: 'Modern' }, 10)).toBeNull();
    expect(item.version).toBe(1);
    expect(applyValues(list, item, { Title: 'changed', LmsAuthMethod: 'Basic' }, 10)).toMatch(/not one of the choices/);
    expect(applyValues(list, item, { Nope: 1 }, 10)).toMatch(/does not exist/);
    expect([item.values.Title, item.version]).toEqual(['ok', 1]);
    state.lists.reset();
  });

  test('fixture - cross references are checked by name', () => {
    const broken = JSON.parse(JSON.stringify(fixture));
    broken.sites[0].owners.push('ghost@contoso.test');
    broken.grants.appRoles.push({ client: 'lmsBackend', resource: 'graph', role: 'Nope.All' });
    expect(fixtureProblems(broken)).toEqual(['site /sites/catalog-a: unknown user ghost@contoso.test', 'app role grant: graph has no role Nope.All']);
  });

  test('faults - bad input is refused with a message and changes nothing', () => {
    expect(FAULTS['smtp-auth'].apply(state, { user: 'adele@contoso.test', enabled: 'no' })).toEqual({ ok: false, status: 400, message: 'enabled must be true or false' });
    expect(FAULTS['graph-failure'].apply(state, { status: 418 })).toMatchObject({ ok: false });
    expect(FAULTS.password.apply(state, { user: 'nobody@contoso.test', password: 'x' })).toMatchObject({ ok: false, message: 'unknown user' });
    expect(state.accountByUpn('adele@contoso.test')?.smtpAuthEnabled).toBe(true);
    expect(state.faults.graphFailure).toBeNull();
  });

  test('cors - only loopback http origins are allowed', () => {
    expect(isAllowedOrigin('http://localhost:4300')).toBe(true);
    expect(isAllowedOrigin('http://127.0.0.1:4300')).toBe(true);
    expect(isAllowedOrigin('https://evil.example')).toBe(false);
    expect(isAllowedOrigin('http://localhost.evil.example')).toBe(false);
    expect(isAllowedOrigin(undefined)).toBe(false);
  });

  test('sharepoint internal names - spaces and symbols are hex-escaped and cut at 32 characters', () => {
    expect(internalNameFor('LmsEnabled')).toBe('LmsEnabled');
    expect(internalNameFor('Account email')).toBe('Account_x0020_email');
  });

  test('availability view - one digit per interval, 2 where an event overlaps', () => {
    const ev = { isCancelled: false, start: { dateTime: '2027-01-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-04T10:00:00', timeZone: 'UTC' } } as never;
    const start = Date.parse('2027-01-04T08:00:00Z');
    expect(availabilityView([ev], start, start + 3 * 3600_000, 60)).toBe('020');
  });

  describe('mailbox concurrency', () => {
    const limits: SendingLimits = { enabled: true, messagesPerMinute: 30, recipientsPerDay: 10_000, recipientsPerMessage: 500, concurrentRequests: 4, smtpConnections: 3 };
    const outbound = () => new Outbound(() => limits, () => 1, () => undefined, () => undefined);
    const ADELE = 'adele@contoso.test';

    test('smtp - the 432 reply is the wording real servers answer (Microsoft\'s page quotes an older one): clients go by 432 / 4.3.2', () => {
      expect(SMTP_REPLIES.concurrencyExceeded()).toEqual({ responseCode: 432, message: '4.3.2 Concurrent connections limit exceeded. Visit https://aka.ms/concurrent_sending for more information. [localhost.local-tenant]' });
    });

    test('smtp - only sessions mid-transaction count: idle logins hold no slot, a sending session keeps its own', () => {
      const o = outbound();
      const sending = new Map<string, boolean>();
      const open = (id: string) => o.openSmtp(ADELE, id, () => sending.get(id) ?? false);
      ['a', 'b', 'c', 'd', 'e'].forEach(open);
      // Five logged in, none sending: any of them may start.
      expect(o.smtpDecision(ADELE, 'e', 3).allowed).toBe(true);
      ['a', 'b', 'c'].forEach((id) => sending.set(id, true));
      expect(o.smtpDecision(ADELE, 'd', 3)).toEqual({ allowed: false, retryAfter: 1, reason: 'concurrency' });
      // A session that already sends is the same slot, not a fourth.
      expect(o.smtpDecision(ADELE, 'a', 3).allowed).toBe(true);
      expect(o.counters(ADELE)).toMatchObject({ smtpConnections: 5, smtpSending: 3 });
      // Its transaction over (DATA answered, RSET) or its connection gone, the slot is free.
      sending.set('b', false);
      expect(o.smtpDecision(ADELE, 'd', 3).allowed).toBe(true);
      sending.set('d', true);
      o.closeSmtp(ADELE, 'a');
      expect(o.smtpDecision(ADELE, 'e', 3).allowed).toBe(true);
      // A lower limit (the throttle fault's concurrentRequests) applies the same way; another mailbox is apart.
      expect(o.smtpDecision(ADELE, 'e', 2).allowed).toBe(false);
      expect(o.smtpDecision('alex@contoso.test', 'x', 1).allowed).toBe(true);
    });

    test('graph - 4 requests in flight for every app and mailbox combination, not per mailbox', () => {
      const o = outbound();
      const apps = ['app-1', 'app-2'];
      for (const app of apps) for (let i = 0; i < 4; i++) expect(o.enterGraph(ADELE, app, 4).allowed).toBe(true);
      expect(o.enterGraph(ADELE, 'app-1', 4).allowed).toBe(false);
      expect(o.enterGraph('alex@contoso.test', 'app-1', 4).allowed).toBe(true);
      expect(o.counters(ADELE).graphRequestsInFlight).toBe(8);
      o.leaveGraph(ADELE, 'app-1');
      expect(o.enterGraph(ADELE, 'app-1', 4).allowed).toBe(true);
      expect(o.enterGraph(ADELE, 'app-2', 4).allowed).toBe(false);
    });
  });
});
