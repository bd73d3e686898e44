import type { GraphClient } from '../../src/graph/graphClient';
import type { MicrosoftIdentity } from '../../src/identity/microsoftIdentity';
import { FRESH_READ_INTERVAL_MS, objectIdOf, OrgConsentStatus, ownServicePrincipalId, roomsGranted, signInScopes } from '../../src/connections/orgConsent';
import { findSettingsList } from '../../src/sharepoint/listMirror';
import { testConfig } from '../support/testConfig';
import { ApiError } from '../../src/errors/apiError';

describe('incremental consent (R-MOD-5)', () => {
  const config = testConfig();
  const bare = (scopes: string[]): string[] => scopes.map((s) => s.slice(s.lastIndexOf('/') + 1));

  it('signInScopes - an account is asked only what it may consent to itself; the admin path adds Place.Read.All; SMTP adds SMTP.Send', () => {
    expect(bare(signInScopes(config, { orgConsent: false, transport: 'graph' }))).toEqual(['Mail.Send', 'Calendars.ReadWrite', 'User.Read']);
    expect(bare(signInScopes(config, { orgConsent: true, transport: 'graph' }))).toContain('Place.Read.All');
    expect(bare(signInScopes(config, { orgConsent: false, transport: 'smtp-oauth' }))).toEqual(['Mail.Send', 'Calendars.ReadWrite', 'User.Read', 'SMTP.Send']);
    expect(signInScopes(config, { orgConsent: false, transport: 'graph' }).every((s) => s.startsWith(`${config.graphResource}/`))).toBe(true);
  });

  it('roomsGranted - an organisation-wide grant, or the connected account\'s own; never another account\'s', () => {
    const org = { consentType: 'AllPrincipals', principalId: null, scope: 'Mail.Send Place.Read.All' };
    const own = { consentType: 'Principal', principalId: 'oid-1', scope: 'User.Read place.read.all' };
    expect(roomsGranted([org], null)).toBe(true);
    expect(roomsGranted([own], 'oid-1')).toBe(true);
    expect(roomsGranted([own], 'oid-2')).toBe(false);
    expect(roomsGranted([own], null)).toBe(false);
    expect(roomsGranted([{ consentType: 'AllPrincipals', scope: 'Mail.Send User.Read' }], 'oid-1')).toBe(false);
  });

  it('OrgConsentStatus.forget - a fresh directory read at most every FRESH_READ_INTERVAL_MS, however many (anonymous) landings ask for one; a finished sign-in at once', async () => {
    let tokens = 0;
    const identity = { appToken: async () => { tokens++; return 'x.e30.y'; } } as unknown as MicrosoftIdentity;
    const graph = { request: async () => ({ value: [] }), list: async () => [] } as unknown as GraphClient;
    const status = new OrgConsentStatus(config, identity, graph, () => undefined);
    await status.consented();
    expect(tokens).toBe(1);
    // Forged landings right after: the read just made stands.
    for (let i = 0; i < 20; i++) {
      status.forget({ throttled: true });
      await status.consented();
    }
    expect(tokens).toBe(1);
    status.forget({ throttled: true, now: Date.now() + FRESH_READ_INTERVAL_MS + 1 });
    await status.consented();
    expect(tokens).toBe(2);
    // A finished sign-in (a redeemed code) forgets at once.
    status.forget();
    await status.consented();
    expect(tokens).toBe(3);
  });

  it('OrgConsentStatus - the consent help\'s optional reads refused (Graph 403: not granted without --with-consent-help) are an answer: the page gets the link alone, nothing is logged, and the directory is not asked again before the cache ends; another failure is logged and asked again', async () => {
    let tokens = 0;
    const errors: unknown[] = [];
    const identity = { appToken: async () => { tokens++; return 'x.e30.y'; }, authority: 'https://login.example/tenant', redirectUri: 'https://api.example/v1/auth/callback' } as unknown as MicrosoftIdentity;
    let failure: ApiError = new ApiError('PERMISSIONS_MISSING', { upstream: 'Graph 403 Authorization_RequestDenied' });
    const graph = {
      request: async (_token: string, _method: string, path: string) => {
        if (/directoryRoles|adminConsentRequestPolicy|appConsentRequests/.test(path)) throw failure;
        return { value: [] };
      },
      list: async () => []
    } as unknown as GraphClient;
    const status = new OrgConsentStatus(config, identity, graph, (error) => errors.push(error));
    const rooms = await status.rooms(null);
    expect(rooms).toMatchObject({ available: false, adminApproval: { tenantAdmins: [], requestWorkflow: false, requestPending: false, requestUrl: null, adminConsentUrl: expect.stringContaining('/v2.0/adminconsent') } });
    await status.rooms(null);
    expect([tokens, errors]).toEqual([1, []]);
    // Graph unavailable is not an answer: logged, and asked again.
    failure = new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph 503' });
    status.forget();
    await status.rooms(null);
    await status.rooms(null);
    expect(tokens).toBe(3);
    expect(errors.length).toBeGreaterThan(0);
  });

  it('OrgConsentStatus.consented - the organisation\'s grant covers SMTP.Send only when a tenant admin consented to it (the SMTP transport\'s sign-in); one account\'s own grant is not the organisation\'s', async () => {
    const appToken = `x.${Buffer.from(JSON.stringify({ oid: '3a1f0c52-0000-4000-8000-000000000001' })).toString('base64url')}.y`;
    const identity = { appToken: async () => appToken, authority: 'https://login.example/tenant', redirectUri: 'https://api.example/v1/auth/callback' } as unknown as MicrosoftIdentity;
    const statusWith = (grants: { consentType: string; principalId?: string; scope: string }[]) =>
      new OrgConsentStatus(config, identity, { request: async () => ({ value: [] }), list: async () => grants } as unknown as GraphClient, () => undefined);
    const graphOnly = statusWith([{ consentType: 'AllPrincipals', scope: 'Mail.Send Calendars.ReadWrite User.Read' }, { consentType: 'Principal', principalId: 'u1', scope: 'SMTP.Send' }]);
    expect(await graphOnly.consented()).toEqual({ granted: true, smtpGranted: false });
    const both = statusWith([{ consentType: 'AllPrincipals', scope: 'Mail.Send Calendars.ReadWrite User.Read SMTP.Send' }]);
    expect(await both.consented()).toEqual({ granted: true, smtpGranted: true });
  });

  it('OrgConsentStatus - the grants\' read refused (Graph 403: DelegatedPermissionGrant.Read.All withdrawn, or a tenant that wants Directory.Read.All) is logged once per cache period, not hidden like the optional reads', async () => {
    const errors: unknown[] = [];
    const appToken = `x.${Buffer.from(JSON.stringify({ oid: '3a1f0c52-0000-4000-8000-000000000001' })).toString('base64url')}.y`;
    const identity = { appToken: async () => appToken, authority: 'https://login.example/tenant', redirectUri: 'https://api.example/v1/auth/callback' } as unknown as MicrosoftIdentity;
    const asked: string[] = [];
    const graph = {
      request: async () => ({ value: [] }),
      list: async (_token: string, path: string) => {
        asked.push(path);
        throw new ApiError('PERMISSIONS_MISSING', { upstream: 'Graph 403 Authorization_RequestDenied' });
      }
    } as unknown as GraphClient;
    const status = new OrgConsentStatus(config, identity, graph, (error) => errors.push(error));
    expect((await status.consented()).granted).toBe(false);
    expect((await status.consented()).granted).toBe(false);
    expect(asked).toEqual([expect.stringContaining('/oauth2PermissionGrants')]);
    expect(errors).toEqual([expect.objectContaining({ code: 'PERMISSIONS_MISSING' })]);
  });

  it('ownServicePrincipalId - the oid of the API\'s own app token when it is a GUID; nothing from a token that is not a JWT or carries no such oid', () => {
    const token = (claims: unknown) => `h.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.s`;
    expect(ownServicePrincipalId(token({ oid: '3A1F0C52-0000-4000-8000-000000000001' }))).toBe('3A1F0C52-0000-4000-8000-000000000001');
    expect(ownServicePrincipalId(token({ oid: "x' or 1 eq 1 or clientId eq 'y" }))).toBeUndefined();
    expect(ownServicePrincipalId(token({ oid: '3a1f0c52-0000-4000-8000-00000000000' }))).toBeUndefined();
    expect(ownServicePrincipalId(token({ oid: "'3a1f0c52-0000-4000-8000-000000000001" }))).toBeUndefined();
    expect(ownServicePrincipalId(token({ oid: "3a1f0c52-0000-4000-8000-000000000001'" }))).toBeUndefined();
    expect(ownServicePrincipalId(token({ oid: 7 }))).toBeUndefined();
    expect(ownServicePrincipalId(token({}))).toBeUndefined();
    expect(ownServicePrincipalId('not-a-jwt')).toBeUndefined();
    expect(ownServicePrincipalId('h.%%%.s')).toBeUndefined();
  });

  it('objectIdOf - the object id is the first part of MSAL\'s home account id', () => {
    expect(objectIdOf('1a2b.6f1c')).toBe('1a2b');
    expect(objectIdOf(null)).toBeNull();
  });
});

describe('settings list addressing (issue 13 point 3)', () => {
  it('findSettingsList - by URL name (Graph name) or webUrl, whatever its display name; not another list', () => {
    expect(findSettingsList([{ id: 'a', name: 'Documents' }, { id: 'b', name: 'LmsM365Connection' }])?.id).toBe('b');
    expect(findSettingsList([{ id: 'c', webUrl: 'https://contoso.sharepoint.com/sites/x/Lists/LmsM365Connection' }])?.id).toBe('c');
    expect(findSettingsList([{ id: 'd', name: 'LMS Microsoft 365 connection', webUrl: 'https://contoso.sharepoint.com/sites/x/Lists/Other' }])).toBeUndefined();
  });
});
