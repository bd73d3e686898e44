import { startLocalTenant, LocalTenant } from '../src/index';
import { signIn } from './helpers/sign-in';
import { appToken, connectionApiTokens, REDIRECT } from './helpers/tokens';

/** Place.Read.All as Entra has it: admin consent required; the admin consent request workflow. */
describe('admin consent for Place.Read.All', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  const authorize = (scope: string): string =>
    `${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/authorize?${new URLSearchParams({ client_id: tenant.fixture.apps.connectionApi.appId, response_type: 'code', redirect_uri: REDIRECT, scope, state: 's' })}`;
  // Graph's answers are checked by shape below; the helper does not pretend to know them.
  const graph = async (path: string): Promise<{ status: number; body: { value: Record<string, unknown>[] } & Record<string, unknown> }> => {
    const res = await fetch(`${tenant.origin}/v1.0${path}`, { headers: { authorization: `Bearer ${await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com')}` } });
    return { status: res.status, body: await res.json() as { value: Record<string, unknown>[] } & Record<string, unknown> };
  };
  const workflow = (enabled: boolean): Promise<Response> =>
    fetch(`${tenant.origin}/_admin/faults/admin-consent-workflow`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ enabled }) });

  test('consent - a user who is not an admin asked for Place.Read.All gets "Need admin approval" (AADSTS90094); user-consentable scopes still work', async () => {
    const refused = await signIn(authorize('https://graph.microsoft.com/Place.Read.All openid'), { upn: 'adele@contoso.test' });
    expect([refused.status, refused.page]).toEqual([403, expect.stringContaining('AADSTS90094')]);
    // Entra's own page: its heading, what the user is to do, and the way back without consent.
    expect(refused.page).toContain('<h1>Need admin approval</h1>');
    expect(refused.page).toContain('only an admin can grant. Please ask an admin to grant permission to this app before you can use it.');
    expect(refused.page).toMatch(/<a href="[^"]*error=access_denied[^"]*" id="back">Return to the application without granting consent<\/a>/);
    const ok = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    expect(ok.status).toBe(200);
    expect(String(ok.scope)).not.toContain('Place.Read.All');
  });

  test('consent - the token endpoint answers AADSTS65001 for Place.Read.All nobody granted', async () => {
    const res = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    const refresh = await fetch(`${tenant.origin}/${tenant.tenantId}/oauth2/v2.0/token`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', client_id: tenant.fixture.apps.connectionApi.appId, client_secret: tenant.fixture.apps.connectionApi.clientSecret as string, refresh_token: String(res.refresh_token), scope: 'https://graph.microsoft.com/Place.Read.All' }).toString()
    });
    const body = await refresh.json() as { error: string; error_codes: number[] };
    expect([refresh.status, body.error, body.error_codes]).toEqual([400, 'invalid_grant', [65001]]);
  });

  test('workflow - on: "Approval required" records a request (Graph appConsentRequests); organisation-wide consent completes it', async () => {
    expect((await graph('/policies/adminConsentRequestPolicy')).body.isEnabled).toBe(false);
    await workflow(true);
    expect((await graph('/policies/adminConsentRequestPolicy')).body).toMatchObject({ isEnabled: true, reviewers: [{ queryType: 'MicrosoftGraph' }] });
    const page = await signIn(authorize('https://graph.microsoft.com/Place.Read.All openid'), { upn: 'adele@contoso.test' });
    expect(page.page).toContain('Approval required');
    const action = /<form method="post" action="([^"]+)"/.exec(page.page as string)?.[1] as string;
    const interaction = /name="interaction" value="([^"]+)"/.exec(page.page as string)?.[1] as string;
    const sent = await fetch(new URL(action, tenant.origin), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ interaction, justification: 'rooms' }).toString() });
    expect(await sent.text()).toContain('Request sent');

    const appId = tenant.fixture.apps.connectionApi.appId;
    const requests = await graph(`/identityGovernance/appConsent/appConsentRequests?$filter=${encodeURIComponent(`appId eq '${appId}'`)}`);
    expect(requests.body.value).toEqual([expect.objectContaining({ appId, pendingScopes: [{ displayName: 'Place.Read.All' }] })]);
    const id = requests.body.value[0].id as string;
    const pending = await graph(`/identityGovernance/appConsent/appConsentRequests/${id}/userConsentRequests?$filter=${encodeURIComponent("status eq 'InProgress'")}`);
    expect(pending.body.value).toEqual([expect.objectContaining({ status: 'InProgress', reason: 'rooms', createdBy: { user: expect.objectContaining({ userPrincipalName: 'adele@contoso.test' }) } })]);

    await connectionApiTokens(tenant, 'megan@contoso.test', ['https://graph.microsoft.com/Place.Read.All'], { consentForOrg: true });
    const after = await graph(`/identityGovernance/appConsent/appConsentRequests/${id}/userConsentRequests`);
    expect(after.body.value[0]).toMatchObject({ status: 'Completed', completedDateTime: expect.any(String) });
    const token = await connectionApiTokens(tenant, 'adele@contoso.test', ['https://graph.microsoft.com/Mail.Send']);
    expect(String(token.scope)).toContain('Place.Read.All');
  });

  test('directory - the Global Administrators are the tenant admins; other roles are not activated', async () => {
    const admins = await graph("/directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')/members");
    expect(admins.body.value).toEqual([expect.objectContaining({ '@odata.type': '#microsoft.graph.user', userPrincipalName: 'megan@contoso.test', displayName: 'Megan Bowen' })]);
    expect((await graph("/directoryRoles(roleTemplateId='e8611ab8-c189-46e8-94e1-60213ab1f814')/members")).status).toBe(404);
  });

  test('directory - a caller that may read role members but not users gets them with limited information (type and id), as Graph does', async () => {
    const readsUsers = tenant.state.appRoleAssignments.filter((a) => a.role === 'User.ReadBasic.All');
    expect(readsUsers.length).toBeGreaterThan(0);
    tenant.state.appRoleAssignments = tenant.state.appRoleAssignments.filter((a) => a.role !== 'User.ReadBasic.All');
    try {
      const admins = await graph("/directoryRoles(roleTemplateId='62e90394-69f5-4237-9190-012177145e10')/members");
      expect(admins.body.value).toEqual([{ '@odata.type': '#microsoft.graph.user', id: expect.any(String) }]);
    } finally {
      tenant.state.appRoleAssignments.push(...readsUsers);
    }
  });
});
