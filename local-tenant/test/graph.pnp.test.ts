import { graphfi, GraphBrowser, GraphFI } from '@pnp/graph';
import '@pnp/graph/users';
import '@pnp/graph/mail';
import '@pnp/graph/places';
import '@pnp/graph/calendars';
import '@pnp/graph/batching';
import { BearerToken } from '@pnp/queryable';
import { startLocalTenant, LocalTenant } from '../src/index';
import { devToken, graphToken, grantRoomsForOrganisation, messages } from './helpers/tokens';

describe('Microsoft Graph with @pnp/graph', () => {
  let tenant: LocalTenant;
  let graph: GraphFI;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
    // Rooms need Place.Read.All, which only a tenant admin can grant (for the organisation).
    await grantRoomsForOrganisation(tenant);
    graph = graphfi().using(GraphBrowser({ baseUrl: `${tenant.origin}/v1.0` }), BearerToken(await graphToken(tenant, 'alex@contoso.test', ['Mail.Send', 'User.Read', 'Calendars.ReadWrite', 'Place.Read.All'])));
  });
  afterAll(async () => tenant.close());

  test('pnp graph - me and sendMail', async () => {
    expect((await graph.me()).userPrincipalName).toBe('alex@contoso.test');
    await graph.me.sendMail({ subject: 'From PnPjs', body: { contentType: 'text', content: 'hello' }, toRecipients: [{ emailAddress: { address: 'learner2@contoso.test' } }] });
    expect((await messages(tenant, 'learner2@contoso.test', 'inbox')).map((m) => m.subject)).toEqual(['From PnPjs']);
  });

  test('pnp graph - rooms and getSchedule', async () => {
    const rooms = await graph.places.rooms();
    expect(rooms.map((r) => r.emailAddress)).toContain('room-baker@contoso.test');
    const schedule = await graph.me.calendar.getSchedule({
      schedules: ['room-baker@contoso.test'],
      startTime: { dateTime: '2027-02-01T08:00:00', timeZone: 'UTC' },
      endTime: { dateTime: '2027-02-01T10:00:00', timeZone: 'UTC' },
      availabilityViewInterval: 30
    });
    expect(schedule[0].availabilityView).toBe('0000');
  });

  test('pnp graph - batched requests go through $batch', async () => {
    const [batched, execute] = graph.batched();
    const me = batched.me();
    const rooms = batched.places.rooms();
    await execute();
    expect((await me).userPrincipalName).toBe('alex@contoso.test');
    expect((await rooms).length).toBe(3);
  });

  test('pnp graph - the web part directory search (startswith on name, mail or UPN, top 10) with the SPFx token', async () => {
    const spfxGraph = graphfi().using(GraphBrowser({ baseUrl: `${tenant.origin}/v1.0` }), BearerToken(await devToken(tenant, 'adele@contoso.test', 'https://graph.microsoft.com')));
    const users = await spfxGraph.users.filter("startswith(displayName,'le') or startswith(mail,'le') or startswith(userPrincipalName,'le')").select('displayName', 'mail', 'userPrincipalName').top(10)();
    expect(users.map((u) => u.mail)).toEqual(['learner1@contoso.test', 'learner2@contoso.test']);
    expect(Object.keys(users[0]).sort()).toEqual(['displayName', 'id', 'mail', 'userPrincipalName']);
  });
});
