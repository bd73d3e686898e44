import { appToken, eachTarget } from './targets';

/** SharePoint REST: app-only access needs certificate credentials; a client-secret token is refused. */
eachTarget('sharepoint', (target) => {
  test('app-only - a token got with a client secret is 401 "Unsupported app only token."', async () => {
    const token = await appToken(target(), target().sharePointResource);
    const res = await fetch(`${target().sharePointSite}/_api/web`, { headers: { authorization: `Bearer ${token}`, accept: 'application/json;odata=nometadata' } });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error_description: string }).error_description).toBe('Unsupported app only token.');
  });

  test('no token - 401 with a Bearer challenge naming the tenant and SharePoint', async () => {
    const res = await fetch(`${target().sharePointSite}/_api/web`, { headers: { accept: 'application/json;odata=nometadata' } });
    expect(res.status).toBe(401);
    const challenge = String(res.headers.get('www-authenticate'));
    expect(challenge).toContain(`realm="${target().tenantId}"`);
    expect(challenge).toContain('client_id="00000003-0000-0ff1-ce00-000000000000"');
  });
});
