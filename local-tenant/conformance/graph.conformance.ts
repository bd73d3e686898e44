import { appToken, eachTarget, nobody } from './targets';

type GraphError = { error: { code: string; message: string; innerError: Record<string, string> } };

/** Microsoft Graph v1.0 read with an app-only token: no mail is sent, nothing is written. */
eachTarget('graph', (target) => {
  let token = '';
  beforeAll(async () => {
    token = await appToken(target(), 'https://graph.microsoft.com');
  });
  const get = (path: string, headers: Record<string, string> = {}) => fetch(`${target().graph}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });

  test('users - a user reads back with request-id and the echoed client-request-id', async () => {
    const res = await get(`/users/${encodeURIComponent(target().user)}?$select=id,userPrincipalName`, { 'client-request-id': 'conformance-1' });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { userPrincipalName: string }).userPrincipalName.toLowerCase()).toBe(target().user.toLowerCase());
    expect(res.headers.get('request-id')).toMatch(/^[0-9a-f-]{36}$/);
    expect(res.headers.get('client-request-id')).toBe('conformance-1');
  });

  test('errors - an unknown user is 404 Request_ResourceNotFound; innerError repeats request-id and client-request-id', async () => {
    const res = await get(`/users/${encodeURIComponent(nobody(target()))}`, { 'client-request-id': 'conformance-2' });
    const body = (await res.json()) as GraphError;
    expect([res.status, body.error.code]).toEqual([404, 'Request_ResourceNotFound']);
    expect(body.error.innerError['request-id']).toBe(res.headers.get('request-id'));
    expect(body.error.innerError['client-request-id']).toBe('conformance-2');
  });

  test('errors - /me with an app-only token is 400 BadRequest', async () => {
    const res = await get('/me');
    const body = (await res.json()) as GraphError;
    expect([res.status, body.error.code, body.error.message]).toEqual([400, 'BadRequest', '/me request is only valid with delegated authentication flow.']);
  });

  test('errors - no token is 401 InvalidAuthenticationToken', async () => {
    const res = await fetch(`${target().graph}/users`);
    expect([res.status, ((await res.json()) as GraphError).error.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });

  test('errors - sendMail without the Mail.Send application permission is 403 ErrorAccessDenied (and sends nothing)', async () => {
    const res = await fetch(`${target().graph}/users/${encodeURIComponent(target().user)}/sendMail`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ message: { subject: 'conformance', toRecipients: [{ emailAddress: { address: target().user } }] }, saveToSentItems: false })
    });
    const body = (await res.json()) as GraphError;
    expect([res.status, body.error.code]).toEqual([403, 'ErrorAccessDenied']);
  });
});
