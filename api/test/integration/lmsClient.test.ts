import { appTokenSource, createLmsClient, LmsClient } from '../../client';
import { notifyAndFollow } from '../../examples/notify';
import { useStack } from '../support/stack';

jest.setTimeout(60_000);

const BACKEND = { clientId: '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e', clientSecret: 'local-dev-backend-secret' };

describe('typed LMS client (api/client) against the real API, local tenant and Azurite', () => {
  const stack = useStack({ SEND_POLL_MS: '100' }, { reset: 'none' });
  let lms: LmsClient;
  let catalog: string;

  beforeAll(async () => {
    catalog = stack.catalogUrl('catalog-a');
    lms = createLmsClient({
      baseUrl: stack.api.url,
      token: appTokenSource({ authorityHost: stack.tenant.origin, tenantId: stack.tenant.tenantId, ...BACKEND, apiAppIdUri: 'api://lms-m365-connection' })
    });
  });

  const connectAndSwitchOn = async (): Promise<void> => {
    const token = await stack.token('adele@contoso.test');
    const path = `/v1/catalogs/${encodeURIComponent(catalog)}/connection`;
    const view = await stack.call('POST', `${path}/classic`, { token, body: { email: 'adele@contoso.test', password: 'dev-password' } });
    expect(view.status).toBe(200);
    const on = await stack.call('PATCH', path, { token, body: { enabled: true }, headers: { 'if-match': view.body.etag } });
    expect(on.status).toBe(200);
  };

  it('client - a catalog that is not connected is refused with a typed problem (NOT_CONNECTED), nothing queued', async () => {
    const { data, error, response } = await lms.POST('/v1/catalogs/{catalog}/notifications', {
      params: { path: { catalog }, header: { 'idempotency-key': 'client-not-connected' } },
      body: { to: ['learner1@contoso.test'], subject: 'Nobody sends this', text: 'x' }
    });
    expect(data).toBeUndefined();
    expect([response.status, error?.code]).toEqual([409, 'NOT_CONNECTED']);
  });

  it('client - the app-only token (client credentials) queues one and a batch; statuses reach sent; the same key gives the same id', async () => {
    await connectAndSwitchOn();
    const one = await lms.POST('/v1/catalogs/{catalog}/notifications', {
      params: { path: { catalog }, header: { 'idempotency-key': 'client-one' } },
      body: { to: ['learner1@contoso.test'], subject: 'Typed client: one', text: 'one', priority: 'urgent' }
    });
    expect(one.response.status).toBe(202);
    const again = await lms.POST('/v1/catalogs/{catalog}/notifications', {
      params: { path: { catalog }, header: { 'idempotency-key': 'client-one' } },
      body: { to: ['learner1@contoso.test'], subject: 'Typed client: one', text: 'one', priority: 'urgent' }
    });
    expect(again.data).toMatchObject({ id: one.data?.id, duplicate: true });
    const batch = await lms.POST('/v1/catalogs/{catalog}/notifications/batch', {
      params: { path: { catalog } },
      body: { items: [1, 2, 3].map((n) => ({ key: `client-batch-${n}`, to: ['learner2@contoso.test'], subject: `Typed client: batch ${n}`, html: `<p>${n}</p>`, priority: 'bulk' as const })) }
    });
    expect(batch.response.status).toBe(202);
    const ids = [one.data?.id as string, ...(batch.data?.items ?? []).map((i) => ('id' in i ? i.id : 'refused'))];
    expect(ids).toHaveLength(4);
    const deadline = Date.now() + 30_000;
    let statuses: string[] = [];
    while (Date.now() < deadline) {
      statuses = await Promise.all(ids.map(async (id) => (await lms.GET('/v1/catalogs/{catalog}/notifications/{id}', { params: { path: { catalog, id } } })).data?.status ?? 'missing'));
      if (statuses.every((s) => s === 'sent')) {
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    expect(statuses).toEqual(['sent', 'sent', 'sent', 'sent']);
    const first = await lms.GET('/v1/catalogs/{catalog}/notifications/{id}', { params: { path: { catalog, id: ids[0] } } });
    const inbox = (await (await fetch(`${stack.tenant.origin}/_admin/mailboxes/learner1@contoso.test/messages?folder=inbox`)).json()) as { value: { subject: string; internetMessageId: string }[] };
    expect(inbox.value.filter((m) => m.subject === 'Typed client: one').map((m) => m.internetMessageId)).toEqual([first.data?.messageId]);
  });

  it('client - cancels a notification that waits (typed answer: cancelled); one already sent is a typed NOTIFICATION_NOT_CANCELLABLE', async () => {
    await connectAndSwitchOn();
    const waits = await lms.POST('/v1/catalogs/{catalog}/notifications', {
      params: { path: { catalog }, header: { 'idempotency-key': 'client-cancel' } },
      body: { to: ['learner1@contoso.test'], subject: 'Typed client: cancelled', text: 'x', notBefore: new Date(Date.now() + 86_400_000).toISOString() }
    });
    const id = waits.data?.id as string;
    const cancelled = await lms.POST('/v1/catalogs/{catalog}/notifications/{id}/cancel', { params: { path: { catalog, id } } });
    expect([cancelled.response.status, cancelled.data?.status, cancelled.data?.code]).toEqual([200, 'cancelled', 'NOTIFICATION_CANCELLED']);
    // The test above sent it.
    const one = await lms.POST('/v1/catalogs/{catalog}/notifications', {
      params: { path: { catalog }, header: { 'idempotency-key': 'client-one' } },
      body: { to: ['learner1@contoso.test'], subject: 'Typed client: one', text: 'one', priority: 'urgent' }
    });
    const sent = await lms.GET('/v1/catalogs/{catalog}/notifications/{id}', { params: { path: { catalog, id: one.data?.id as string } } });
    expect(sent.data?.status).toBe('sent');
    const tooLate = await lms.POST('/v1/catalogs/{catalog}/notifications/{id}/cancel', { params: { path: { catalog, id: sent.data?.id as string } } });
    expect([tooLate.response.status, tooLate.error?.code]).toEqual([409, 'NOTIFICATION_NOT_CANCELLABLE']);
  });

  it('client - the documented example (examples/notify.ts, `npm run example:notify`) queues one and follows it to sent; a re-run answers the same notification', async () => {
    // The catalog was connected and switched on by the test before.
    const status = await notifyAndFollow(lms, catalog, 'client-example', 'learner2@contoso.test');
    expect([status.status, status.history.map((h) => h.status)]).toEqual(['sent', ['queued', 'sending', 'sent']]);
    const again = await notifyAndFollow(lms, catalog, 'client-example', 'learner2@contoso.test');
    expect([again.id, again.status]).toEqual([status.id, 'sent']);
    // Refused with the catalogue's code, not a bare failure.
    await expect(notifyAndFollow(lms, stack.catalogUrl('catalog-b'), 'client-example-b', 'learner2@contoso.test')).rejects.toThrow(/^NOT_CONNECTED: /);
  });

  it('client - a signed-in user\'s token is refused with APP_ONLY', async () => {
    const asUser = createLmsClient({ baseUrl: stack.api.url, token: () => stack.token('adele@contoso.test') });
    const { error, response } = await asUser.GET('/v1/catalogs/{catalog}/notifications/{id}', { params: { path: { catalog, id: 'any' } } });
    expect([response.status, error?.code]).toEqual([403, 'APP_ONLY']);
  });

  it('client - a wrong client secret is reported without the secret', async () => {
    const source = appTokenSource({ authorityHost: stack.tenant.origin, tenantId: stack.tenant.tenantId, clientId: BACKEND.clientId, clientSecret: 'CANARY-not-the-secret-7f3a', apiAppIdUri: 'api://lms-m365-connection' });
    await expect(source()).rejects.toThrow(/invalid_client/);
    await expect(source()).rejects.not.toThrow(/CANARY/);
  });
});
