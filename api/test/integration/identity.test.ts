import { MicrosoftIdentity } from '../../src/identity/microsoftIdentity';
import { startLocalTenant, type LocalTenant } from '../support/localTenant';
import { localConfig } from '../support/stack';

/** MSAL Node against the local tenant: what the API keeps of the tokens it gets on a caller's behalf. */
describe('MicrosoftIdentity (real MSAL Node, local tenant)', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());

  const assertion = async (user: string): Promise<string> => {
    const res = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, resource: 'api://lms-m365-connection', scopes: ['user_impersonation'] }) });
    return ((await res.json()) as { access_token: string }).access_token;
  };

  it('on-behalf-of - each caller gets a SharePoint token, and none is kept: the cache does not grow with every admin and hour (the owner check caches its answer itself)', async () => {
    const identity = new MicrosoftIdentity(localConfig(tenant, 'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;'));
    for (const user of ['adele@contoso.test', 'megan@contoso.test', 'alex@contoso.test']) {
      const token = await identity.onBehalfOf(await assertion(user), [`${tenant.origin}/.default`]);
      expect(JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString())).toMatchObject({ aud: tenant.origin, upn: user });
    }
    const cache = JSON.parse(identity['app'].getTokenCache().serialize()) as Record<string, Record<string, unknown>>;
    expect([Object.keys(cache.AccessToken ?? {}).length, Object.keys(cache.RefreshToken ?? {}).length, Object.keys(cache.Account ?? {}).length]).toEqual([0, 0, 0]);
  });
});
