import { Client, GraphError, PageIterator, PageCollection } from '@microsoft/microsoft-graph-client';
import { startLocalTenant, LocalTenant } from '../src/index';
import { appToken, fault, graphToken, grantRoomsForOrganisation, messages } from './helpers/tokens';

interface Attendee { type: string; status: { response: string } }
interface Grant { resourceId: string; scope: string }

describe('Microsoft Graph with @microsoft/microsoft-graph-client', () => {
  let tenant: LocalTenant;
  beforeAll(async () => {
    tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
  });
  afterAll(async () => tenant.close());
  beforeEach(() => tenant.reset());

  // customHosts: the client only sends the token to hosts it knows as Graph.
  const client = (token: string): Client => Client.init({ baseUrl: tenant.origin, defaultVersion: 'v1.0', customHosts: new Set(['localhost']), authProvider: (done: (e: Error | null, t: string) => void) => done(null, token) });

  test('graph client - /me returns the signed-in user', async () => {
    const me = await client(await graphToken(tenant, 'adele@contoso.test')).api('/me').get();
    expect(me).toMatchObject({ userPrincipalName: 'adele@contoso.test', mail: 'adele@contoso.test', displayName: 'Adele Vance' });
  });

  test('graph client - mailboxSettings reports userPurpose user and shared, and MailboxNotEnabledForRESTAPI without a mailbox', async () => {
    const api = client(await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com'));
    expect((await api.api('/users/adele@contoso.test/mailboxSettings').get()).userPurpose).toBe('user');
    expect((await api.api('/users/training@contoso.test/mailboxSettings').get()).userPurpose).toBe('shared');
    const err: GraphError = await api.api('/users/noah@contoso.test/mailboxSettings').get().catch((e: GraphError) => e);
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('MailboxNotEnabledForRESTAPI');
    // An unknown user: Exchange's ErrorInvalidUser on a mailbox endpoint, the directory's own code on /users/{id}.
    const unknown: GraphError = await api.api('/users/nobody@contoso.test/mailboxSettings').get().catch((e: GraphError) => e);
    expect([unknown.statusCode, unknown.code, unknown.message]).toEqual([404, 'ErrorInvalidUser', "The requested user 'nobody@contoso.test' is invalid."]);
    const sent: GraphError = await api.api('/users/nobody@contoso.test/sendMail').post({ message: { subject: 's', body: { contentType: 'text', content: 'x' }, toRecipients: [] } }).catch((e: GraphError) => e);
    expect([sent.statusCode, sent.code]).toEqual([404, 'ErrorInvalidUser']);
  });

  test('graph client - sendMail lands in the recipient inbox and the sender Sent Items', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    await api.api('/me/sendMail').post({ message: { subject: 'Course starts', body: { contentType: 'Text', content: 'See you Monday' }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } });
    const inbox = await messages(tenant, 'learner1@contoso.test', 'inbox');
    const sent = await messages(tenant, 'adele@contoso.test', 'sentitems');
    expect(inbox.map((m) => m.subject)).toEqual(['Course starts']);
    expect(inbox[0].body.content).toBe('See you Monday');
    expect(sent.map((m) => m.subject)).toEqual(['Course starts']);
  });

  test('graph client - sendMail without a mailbox answers 404 MailboxNotEnabledForRESTAPI', async () => {
    const api = client(await graphToken(tenant, 'noah@contoso.test'));
    const err: GraphError = await api.api('/me/sendMail').post({ message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } }).catch((e: GraphError) => e);
    expect([err.statusCode, err.code]).toEqual([404, 'MailboxNotEnabledForRESTAPI']);
  });

  test('graph client - a throttled mailbox answers 429 with Retry-After', async () => {
    const token = await graphToken(tenant, 'adele@contoso.test');
    await fault(tenant, 'throttle', { mailbox: 'adele@contoso.test', retryAfterSeconds: 7 });
    const res = await fetch(`${tenant.origin}/v1.0/me/sendMail`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ message: { subject: 'x', toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } }) });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('7');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('ApplicationThrottled');
  });

  test('graph client - concurrent requests beyond the mailbox limit answer 429', async () => {
    const token = await graphToken(tenant, 'adele@contoso.test');
    await fault(tenant, 'latency', { ms: 300 });
    await fault(tenant, 'throttle', { mailbox: 'adele@contoso.test', concurrentRequests: 2 });
    const calls = Array.from({ length: 4 }, () => fetch(`${tenant.origin}/v1.0/me/mailboxSettings`, { headers: { authorization: `Bearer ${token}` } }));
    const statuses = (await Promise.all(calls)).map((r) => r.status);
    // mailboxSettings is not a mail operation: concurrency is checked on sends and calendar calls only.
    expect(statuses.every((s) => s === 200)).toBe(true);
    const sends = Array.from({ length: 4 }, () => fetch(`${tenant.origin}/v1.0/me/events`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ subject: 'c', start: { dateTime: '2027-01-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-04T10:00:00', timeZone: 'UTC' } }) }));
    const sendStatuses = (await Promise.all(sends)).map((r) => r.status).sort();
    expect(sendStatuses).toEqual([201, 201, 429, 429]);
  });

  test('graph client - an event with a room and Teams meeting invites attendees; the room answers later, accepting when free and declining a clash', async () => {
    tenant.state.roomAnswerDelayMs = 200;
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    const roomAnswer = async (id: string, want: string): Promise<string> => {
      for (let i = 0; i < 50; i++) {
        const read = await api.api(`/me/events/${id}`).get();
        const response = (read.attendees as Attendee[]).find((a) => a.type === 'resource')?.status.response as string;
        if (response === want) return response;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return 'still none';
    };
    const ev = await api.api('/me/events').post({
      subject: 'Safety training',
      start: { dateTime: '2027-01-04T18:00:00', timeZone: 'Asia/Tokyo' },
      end: { dateTime: '2027-01-04T19:00:00', timeZone: 'Asia/Tokyo' },
      attendees: [{ emailAddress: { address: 'learner1@contoso.test' }, type: 'required' }, { emailAddress: { address: 'learner2@contoso.test' }, type: 'required' }, { emailAddress: { address: 'room-adams@contoso.test' }, type: 'resource' }],
      isOnlineMeeting: true,
      onlineMeetingProvider: 'teamsForBusiness'
    });
    expect(ev.onlineMeeting.joinUrl).toMatch(/^https:\/\/teams\.microsoft\.com\/l\/meetup-join\//);
    // As Exchange: the create answers before the room's booking assistant has.
    expect((ev.attendees as Attendee[]).find((a) => a.type === 'resource')?.status.response).toBe('none');
    expect(await roomAnswer(ev.id, 'accepted')).toBe('accepted');
    const invite = (await messages(tenant, 'learner1@contoso.test', 'inbox'))[0];
    expect(invite.calendar?.method).toBe('REQUEST');
    expect(invite.calendar?.ics).toContain('X-MICROSOFT-SKYPETEAMSMEETINGURL:');
    // 18:00 in Tokyo is 09:00 UTC.
    expect(invite.calendar?.ics).toContain('DTSTART:20270104T090000Z');

    const clash = await api.api('/me/events').post({ subject: 'Clash', start: { dateTime: '2027-01-04T09:30:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-04T10:30:00', timeZone: 'UTC' }, attendees: [{ emailAddress: { address: 'room-adams@contoso.test' }, type: 'resource' }] });
    expect(clash.attendees[0].status.response).toBe('none');
    expect(await roomAnswer(clash.id, 'declined')).toBe('declined');
    const replies = await messages(tenant, 'adele@contoso.test', 'inbox');
    expect(replies.map((m) => m.subject)).toEqual(['Accepted: Safety training', 'Declined: Clash']);
    expect(replies.map((m) => m.calendar?.method)).toEqual(['REPLY', 'REPLY']);
    // A new description is an informational update: the room's answer stands (a move, below, asks it again).
    const described = await api.api(`/me/events/${ev.id}`).patch({ body: { contentType: 'text', content: 'Bring boots.' } });
    expect((described.attendees as Attendee[]).find((a) => a.type === 'resource')?.status.response).toBe('accepted');

    const moved = await api.api(`/me/events/${ev.id}`).patch({ subject: 'Safety training (moved)', start: { dateTime: '2027-01-05T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-01-05T10:00:00', timeZone: 'UTC' }, attendees: [{ emailAddress: { address: 'learner1@contoso.test' }, type: 'required' }, { emailAddress: { address: 'room-adams@contoso.test' }, type: 'resource' }] });
    expect((moved.attendees as Attendee[]).find((a) => a.type === 'resource')?.status.response).toBe('none');
    expect(await roomAnswer(ev.id, 'accepted')).toBe('accepted');
    const immutableId = (await api.api(`/me/events/${ev.id}`).header('Prefer', 'IdType="ImmutableId"').get()).id as string;
    await api.api(`/me/events/${ev.id}/cancel`).post({ comment: 'Cancelled' });
    // Moved to Deleted Items: its regular id changed (the old one is not found), its immutable id
    // stays; the organiser's item keeps its body, the attendees' cancellation carries the comment.
    await expect(api.api(`/me/events/${ev.id}`).get()).rejects.toMatchObject({ statusCode: 404, code: 'ErrorItemNotFound' });
    const kept = await api.api(`/me/events/${immutableId}`).header('Prefer', 'IdType="ImmutableId"').get();
    expect([kept.isCancelled, kept.body.content]).toEqual([true, 'Bring boots.']);
    expect((await messages(tenant, 'learner1@contoso.test', 'inbox')).at(-1)?.body?.content).toBe('Cancelled');
    const subjects = (await messages(tenant, 'learner1@contoso.test', 'inbox')).map((m) => m.subject);
    expect(subjects).toEqual(['Safety training', 'Updated: Safety training', 'Updated: Safety training (moved)', 'Canceled: Safety training (moved)']);
    // The attendee taken off the meeting got its cancellation.
    const removed = await messages(tenant, 'learner2@contoso.test', 'inbox');
    expect(removed.map((m) => [m.subject, m.calendar?.method])).toEqual([['Safety training', 'REQUEST'], ['Updated: Safety training', 'REQUEST'], ['Canceled: Safety training (moved)', 'CANCEL']]);

    const schedule = await api.api('/me/calendar/getSchedule').post({ schedules: ['room-adams@contoso.test'], startTime: { dateTime: '2027-01-04T08:00:00', timeZone: 'UTC' }, endTime: { dateTime: '2027-01-04T11:00:00', timeZone: 'UTC' }, availabilityViewInterval: 60 });
    expect(schedule.value[0].availabilityView).toBe('000');
  });

  test('graph client - a room declines what its booking policy does not take, free or not: longer than MaximumDurationInMinutes, or ending beyond BookingWindowInDays (Exchange\'s defaults 1440 and 180)', async () => {
    tenant.state.roomAnswerDelayMs = 0;
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    const day = (ahead: number): string => new Date(Date.now() + ahead * 86_400_000).toISOString().slice(0, 10);
    const book = async (subject: string, start: string, end: string): Promise<string> => {
      const ev = await api.api('/me/events').post({ subject, start: { dateTime: start, timeZone: 'UTC' }, end: { dateTime: end, timeZone: 'UTC' }, attendees: [{ emailAddress: { address: 'room-baker@contoso.test' }, type: 'resource' }] });
      for (let i = 0; i < 50; i++) {
        const response = ((await api.api(`/me/events/${ev.id}`).get()).attendees as Attendee[])[0].status.response as string;
        if (response !== 'none') return response;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return 'none';
    };
    // The fixture's rooms take bookings 1080 days ahead (a tenant that plans courses far ahead raised it); Exchange's default is 180.
    expect(tenant.state.accountByUpn('room-baker@contoso.test')?.room).toMatchObject({ bookingWindowInDays: 1080, maximumDurationInMinutes: 1440 });
    expect(await book('Far ahead', `${day(400)}T09:00:00`, `${day(400)}T10:00:00`)).toBe('accepted');
    await fault(tenant, 'room-policy', { room: 'room-baker@contoso.test', bookingWindowInDays: 180 });
    expect(await book('Beyond the window', `${day(182)}T09:00:00`, `${day(182)}T10:00:00`)).toBe('declined');
    expect(await book('Within the window', `${day(170)}T09:00:00`, `${day(170)}T10:00:00`)).toBe('accepted');
    // 24 hours is the longest by default; one minute more is declined, though the room is free.
    expect(await book('A day', `${day(10)}T09:00:00`, `${day(11)}T09:00:00`)).toBe('accepted');
    expect(await book('A day and a minute', `${day(20)}T09:00:00`, `${day(21)}T09:01:00`)).toBe('declined');
    await fault(tenant, 'room-policy', { room: 'room-baker@contoso.test', maximumDurationInMinutes: 0 });
    expect(await book('A day and a minute, no limit', `${day(30)}T09:00:00`, `${day(31)}T09:01:00`)).toBe('accepted');
    const replies = (await messages(tenant, 'adele@contoso.test', 'inbox')).map((m) => m.subject);
    expect(replies).toContain('Declined: Beyond the window');
    // Out of range is refused with a reason.
    const bad = await fetch(`${tenant.origin}/_admin/faults/room-policy`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ room: 'room-baker@contoso.test', bookingWindowInDays: 1081 }) });
    expect([bad.status, ((await bad.json()) as { message: string }).message]).toEqual([400, 'bookingWindowInDays must be an integer from 0 to 1080']);
  });

  test('graph client - an event body given as "HTML" (Graph\'s examples spell it so) stays HTML in the event and its invitation, the Teams link as a link', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    const ev = await api.api('/me/events').post({ subject: 'Html body', body: { contentType: 'HTML', content: '<p>Bring <b>boots</b>.</p>' }, start: { dateTime: '2027-02-03T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-03T10:00:00', timeZone: 'UTC' }, attendees: [{ emailAddress: { address: 'learner2@contoso.test' }, type: 'required' }], isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness' });
    expect(ev.body.contentType).toBe('html');
    const invite = (await messages(tenant, 'learner2@contoso.test', 'inbox')).find((m) => m.subject === 'Html body');
    expect(invite?.body.contentType).toBe('html');
    const href = `href="${ev.onlineMeeting.joinUrl.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`;
    expect(invite?.body.content).toMatch(/^<p>Bring <b>boots<\/b>\.<\/p><div[^>]*><span[^>]*>_{80}<\/span><\/div>.*Microsoft Teams meeting.*<\/div><div[^>]*><span[^>]*>_{80}<\/span><\/div>$/);
    expect(invite?.body.content).toContain(href);
    // The join details are Exchange's meeting blob in the event's own body, which Graph returns.
    expect(ev.body.content).toBe(invite?.body.content);
  });

  test('graph client - an event in an IANA zone Graph does not document is refused with TimeZoneNotSupportedException; Windows names and listed IANA names are taken', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    const at = (timeZone: string) => ({ subject: timeZone, start: { dateTime: '2027-02-05T09:00:00', timeZone }, end: { dateTime: '2027-02-05T10:00:00', timeZone } });
    const refused = await api.api('/me/events').post(at('Europe/Madrid')).catch((e: { statusCode: number; code: string; message: string }) => e);
    expect([refused.statusCode, refused.code, refused.message]).toEqual([400, 'TimeZoneNotSupportedException', "A valid TimeZone value must be specified. The following TimeZone value is not supported: 'Europe/Madrid'."]);
    for (const zone of ['Tokyo Standard Time', 'Asia/Tokyo', 'Europe/Paris', 'UTC']) expect((await api.api('/me/events').post(at(zone))).start.timeZone).toBe(zone);
  });

  test('graph client - an update whose body drops the meeting blob turns the Teams meeting off; one that keeps it keeps the meeting', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    const made = await api.api('/me/events').post({ subject: 'Blob', body: { contentType: 'HTML', content: '<p>v1</p>' }, start: { dateTime: '2027-02-04T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-04T10:00:00', timeZone: 'UTC' }, attendees: [{ emailAddress: { address: 'learner2@contoso.test' }, type: 'required' }], isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness' });
    const blob = made.body.content.slice('<p>v1</p>'.length);
    const kept = await api.api(`/me/events/${made.id}`).patch({ body: { contentType: 'HTML', content: `<p>v2</p>${blob}` } });
    expect([kept.isOnlineMeeting, kept.onlineMeeting?.joinUrl]).toEqual([true, made.onlineMeeting.joinUrl]);
    const dropped = await api.api(`/me/events/${made.id}`).patch({ body: { contentType: 'HTML', content: '<p>v3</p>' } });
    expect([dropped.isOnlineMeeting, dropped.onlineMeeting]).toEqual([false, null]);
    const updates = (await messages(tenant, 'learner2@contoso.test', 'inbox')).filter((m) => m.subject === 'Updated: Blob');
    expect(updates.map((m) => m.body.content.includes(made.onlineMeeting.joinUrl))).toEqual([true, false]);
  });

  test('graph client - an event tagged with a custom extended property at its creation is found by it ($filter on singleValueExtendedProperties); other event filters are refused', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    const tag = 'String {3c8f6a52-1d7e-4b0a-9f21-6e5d4c3b2a10} Name LmsSessionCreate';
    const made = await api.api('/me/events').post({ subject: 'Tagged', start: { dateTime: '2027-02-01T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-01T10:00:00', timeZone: 'UTC' }, singleValueExtendedProperties: [{ id: tag, value: 'tx-1' }] });
    // Not part of the event's JSON (Graph returns it only when expanded).
    expect(made.singleValueExtendedProperties).toBeUndefined();
    const found = await api.api('/me/events').filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${tag}' and ep/value eq 'tx-1')`).select('id,subject').get();
    expect(found.value.map((e: { id: string; subject: string }) => [e.id, e.subject])).toEqual([[made.id, 'Tagged']]);
    const none = await api.api('/me/events').filter(`singleValueExtendedProperties/Any(ep: ep/id eq '${tag}' and ep/value eq 'tx-2')`).get();
    expect(none.value).toEqual([]);
    await expect(api.api('/me/events').filter("subject eq 'Tagged'").get()).rejects.toMatchObject({ statusCode: 400, code: 'ErrorInvalidUrlQueryFilter' });
    // The value is compared in any case, the property's name exactly.
    const filter = (id: string, value: string): string => `singleValueExtendedProperties/Any(ep: ep/id eq '${id}' and ep/value eq '${value}')`;
    expect((await api.api('/me/events').filter(filter(tag.toLowerCase().replace('lmssessioncreate', 'LmsSessionCreate'), 'TX-1')).get()).value).toHaveLength(1);
    expect((await api.api('/me/events').filter(filter(tag.replace('LmsSessionCreate', 'lmssessioncreate'), 'tx-1')).get()).value).toHaveLength(0);
    // A cancelled event moves to Deleted Items: the calendar's list (and the lookup) no longer has it.
    await api.api(`/me/events/${made.id}/cancel`).post({ comment: 'off' });
    expect((await api.api('/me/events').filter(filter(tag, 'tx-1')).get()).value).toEqual([]);
    // A create repeating a transactionId: the same event answers again; another event (or one cancelled since) is refused.
    const body = { subject: 'Once', start: { dateTime: '2027-02-02T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-02T10:00:00', timeZone: 'UTC' }, transactionId: 'tx-once' };
    const once = await api.api('/me/events').post(body);
    expect((await api.api('/me/events').post(body)).id).toBe(once.id);
    await expect(api.api('/me/events').post({ ...body, subject: 'Another' })).rejects.toMatchObject({ statusCode: 400, code: 'ErrorDuplicateTransactionId' });
    await api.api(`/me/events/${once.id}/cancel`).post({ comment: 'off' });
    await expect(api.api('/me/events').post(body)).rejects.toMatchObject({ statusCode: 400, code: 'ErrorDuplicateTransactionId' });
    await expect(api.api('/me/events').post({ subject: 'Bad tag', start: { dateTime: '2027-02-01T09:00:00', timeZone: 'UTC' }, end: { dateTime: '2027-02-01T10:00:00', timeZone: 'UTC' }, singleValueExtendedProperties: [{ id: 'not a property id', value: 'x' }] })).rejects.toMatchObject({ statusCode: 400 });
  });

  test('graph client - getSchedule reflects a booked room in UTC, or in the zone the caller prefers', async () => {
    tenant.state.roomAnswerDelayMs = 50;
    const token = await graphToken(tenant, 'adele@contoso.test');
    const api = client(token);
    const ev = await api.api('/me/events').post({ subject: 'Booked', start: { dateTime: '2027-03-28T00:30:00', timeZone: 'Europe/London' }, end: { dateTime: '2027-03-28T02:30:00', timeZone: 'Europe/London' }, attendees: [{ emailAddress: { address: 'room-baker@contoso.test' }, type: 'resource' }] });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await api.api(`/me/events/${ev.id}`).get()).attendees[0].status.response).toBe('accepted');
    const body = { schedules: ['room-baker@contoso.test'], startTime: { dateTime: '2027-03-28T00:00:00', timeZone: 'UTC' }, endTime: { dateTime: '2027-03-28T02:00:00', timeZone: 'UTC' }, availabilityViewInterval: 30 };
    const utc = await api.api('/me/calendar/getSchedule').post(body);
    // London moves to BST at 01:00 UTC on 28 March 2027: 00:30 GMT to 02:30 BST is 00:30 to 01:30 UTC.
    expect(utc.value[0].availabilityView).toBe('0220');
    expect(utc.value[0].scheduleItems[0].start).toEqual({ dateTime: '2027-03-28T00:30:00.0000000', timeZone: 'UTC' });
    const tokyo = await fetch(`${tenant.origin}/v1.0/me/calendar/getSchedule`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'outlook.timezone="Asia/Tokyo"' }, body: JSON.stringify(body) });
    expect(((await tokyo.json()) as { value: Array<{ scheduleItems: Array<{ end: unknown }> }> }).value[0].scheduleItems[0].end).toEqual({ dateTime: '2027-03-28T10:30:00.0000000', timeZone: 'Asia/Tokyo' });
  });

  test('graph client - places lists the rooms once a tenant admin granted Place.Read.All for the organisation', async () => {
    await grantRoomsForOrganisation(tenant);
    const rooms = await client(await graphToken(tenant, 'adele@contoso.test', ['User.Read', 'Place.Read.All'])).api('/places/microsoft.graph.room').get();
    expect((rooms.value as { emailAddress: string }[]).map((r) => r.emailAddress)).toEqual(['room-adams@contoso.test', 'room-baker@contoso.test', 'room-crane@contoso.test']);
    expect(rooms.value[0]).toMatchObject({ capacity: 8, building: 'Building 1' });
    // "place" is an Outlook service resource: the rooms list counts against the caller's mailbox's concurrent requests.
    const token = await graphToken(tenant, 'adele@contoso.test', ['User.Read', 'Place.Read.All']);
    await fault(tenant, 'latency', { ms: 300 });
    await fault(tenant, 'throttle', { mailbox: 'adele@contoso.test', concurrentRequests: 2 });
    const statuses = await Promise.all(Array.from({ length: 4 }, () => fetch(`${tenant.origin}/v1.0/places/microsoft.graph.room`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status)));
    expect(statuses.sort()).toEqual([200, 200, 429, 429]);
  });

  test('graph client - org-wide consent shows up in oauth2PermissionGrants', async () => {
    const token = await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com');
    const api = client(token);
    // The connection API holds no Application.Read.All: its own service principal id is its app token's oid.
    const sp = { id: JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')).oid as string };
    expect(sp.id).toBe(tenant.fixture.apps.connectionApi.servicePrincipalId);
    const before = await api.api('/oauth2PermissionGrants').filter(`clientId eq '${sp.id}' and consentType eq 'AllPrincipals'`).get();
    expect((before.value as Grant[]).filter((g) => g.resourceId === tenant.fixture.resources.graph.servicePrincipalId)).toEqual([]);
    const { connectionApiTokens } = await import('./helpers/tokens');
    await connectionApiTokens(tenant, 'megan@contoso.test', ['https://graph.microsoft.com/Mail.Send'], { consentForOrg: true });
    const after = await api.api('/oauth2PermissionGrants').filter(`clientId eq '${sp.id}' and consentType eq 'AllPrincipals'`).get();
    expect((after.value as Grant[]).find((g) => g.resourceId === tenant.fixture.resources.graph.servicePrincipalId)?.scope).toContain('Mail.Send');
  });

  test('graph client - getSchedule takes up to 20 schedules and a period shorter than 62 days; beyond, 400 ErrorMailboxDataArrayTooBig / ErrorTimeIntervalTooBig', async () => {
    const token = await graphToken(tenant, 'adele@contoso.test');
    const api = client(token);
    const at = (ms: number): { dateTime: string; timeZone: string } => ({ dateTime: new Date(ms).toISOString().replace('Z', ''), timeZone: 'UTC' });
    const start = Date.parse('2027-01-04T00:00:00Z');
    const day = 86_400_000;
    const schedules = (n: number): string[] => Array.from({ length: n }, (_, i) => (i < 3 ? ['room-adams@contoso.test', 'room-baker@contoso.test', 'room-crane@contoso.test'][i] : `nobody-${i}@contoso.test`));
    const ask = (n: number, days: number): Promise<{ value: Array<{ scheduleId: string }> }> => api.api('/me/calendar/getSchedule').post({ schedules: schedules(n), startTime: at(start), endTime: at(start + days * day), availabilityViewInterval: 1440 });
    // 20 schedules and a minute short of 62 days: answered, one scheduleInformation per address (an unknown one carries its error).
    const twenty = await ask(20, 62 - 1 / 1440);
    expect(twenty.value.map((v) => v.scheduleId)).toEqual(schedules(20));
    await expect(ask(21, 1)).rejects.toMatchObject({ statusCode: 400, code: 'ErrorMailboxDataArrayTooBig', message: 'There are too many target users in the EmailAddress array. The allowed size = 20; the actual size = 21.' });
    await expect(ask(1, 62)).rejects.toMatchObject({ statusCode: 400, code: 'ErrorTimeIntervalTooBig', message: 'The requested time duration specified for FreeBusyViewOptions.TimeWindow is too long. The allowed limit = 62 days; the actual limit = 62 days.' });
    await expect(ask(1, 63)).rejects.toMatchObject({ statusCode: 400, code: 'ErrorTimeIntervalTooBig' });
  });

  test('graph client - oauth2PermissionGrants pages as a directory collection: 100 a page or $top (1-999), @odata.nextLink with a $skiptoken, walked by PageIterator', async () => {
    const token = await appToken(tenant, 'connectionApi', 'https://graph.microsoft.com');
    const api = client(token);
    const spId = tenant.fixture.apps.connectionApi.servicePrincipalId;
    const [apiApp, graphApp] = [tenant.state.appByKey('connectionApi'), tenant.state.appByKey('graph')];
    // One Principal grant per account that consented for itself (ids of accounts this tenant does not list).
    for (let i = 0; i < 120; i++) tenant.state.addGrant(apiApp, graphApp, 'Principal', `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ['User.Read', 'Mail.Send']);
    const everyGrant = tenant.state.grants.filter((g) => g.clientId === spId).map((g) => g.id);
    expect(everyGrant.length).toBeGreaterThan(120);

    const first = await api.api('/oauth2PermissionGrants').filter(`clientId eq '${spId}'`).get();
    expect(first.value).toHaveLength(100);
    const next = new URL(first['@odata.nextLink']);
    // Every other query option is kept in the link; the token is opaque.
    expect([next.origin, next.pathname, next.searchParams.get('$filter')]).toEqual([tenant.origin, '/v1.0/oauth2PermissionGrants', `clientId eq '${spId}'`]);
    expect(next.searchParams.get('$skiptoken')).toMatch(/^[A-Za-z0-9_-]+$/);
    const second = await api.api(first['@odata.nextLink']).get();
    expect(second['@odata.nextLink']).toBeUndefined();
    expect([...first.value, ...second.value].map((g: { id: string }) => g.id)).toEqual(everyGrant);

    // The Graph client's PageIterator follows the links: $top=7 is honoured on every page.
    const page = (await api.api('/oauth2PermissionGrants').filter(`clientId eq '${spId}'`).top(7).get()) as PageCollection;
    expect(page.value).toHaveLength(7);
    expect(new URL(page['@odata.nextLink'] as string).searchParams.get('$top')).toBe('7');
    const walked: string[] = [];
    await new PageIterator(api, page, (g: { id: string }) => {
      walked.push(g.id);
      return true;
    }).iterate();
    expect(walked).toEqual(everyGrant);

    await expect(api.api('/oauth2PermissionGrants').top(1000).get()).rejects.toMatchObject({ statusCode: 400, code: 'Request_UnsupportedQuery' });
    await expect(api.api('/oauth2PermissionGrants?$skiptoken=not-a-token').get()).rejects.toMatchObject({ statusCode: 400, code: 'Directory_ExpiredPageToken' });
  });

  test('graph client - places pages rooms 100 at a time, or $top from $skip, with @odata.count on $count=true and no @odata.nextLink (as Graph answers)', async () => {
    await grantRoomsForOrganisation(tenant);
    for (let i = 1; i <= 130; i++) {
      const res = await fetch(`${tenant.origin}/_admin/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upn: `room-${String(i).padStart(3, '0')}@contoso.test`, capacity: i }) });
      expect(res.status).toBe(201);
    }
    const again = await fetch(`${tenant.origin}/_admin/rooms`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ upn: 'Room-001@contoso.test' }) });
    expect(again.status).toBe(409);
    const api = client(await graphToken(tenant, 'adele@contoso.test', ['User.Read', 'Place.Read.All']));
    const emails = (r: { value: Array<{ emailAddress: string }> }): string[] => r.value.map((x) => x.emailAddress);
    const first = await api.api('/places/microsoft.graph.room').get();
    expect(first.value).toHaveLength(100);
    expect(first['@odata.nextLink']).toBeUndefined();
    expect(emails(first).slice(0, 4)).toEqual(['room-adams@contoso.test', 'room-baker@contoso.test', 'room-crane@contoso.test', 'room-001@contoso.test']);
    const rest = await api.api('/places/microsoft.graph.room?$skip=100&$count=true').get();
    expect([rest['@odata.count'], emails(rest)]).toEqual([133, Array.from({ length: 33 }, (_, i) => `room-${String(i + 98).padStart(3, '0')}@contoso.test`)]);
    expect(emails(await api.api('/places/microsoft.graph.room?$top=2&$skip=3').get())).toEqual(['room-001@contoso.test', 'room-002@contoso.test']);
    expect((await api.api('/places/microsoft.graph.room?$top=500').get()).value).toHaveLength(133);
    // A room added here is a room mailbox like the fixture's: it has free/busy, and a reset removes it.
    const token = await graphToken(tenant, 'adele@contoso.test');
    const busy = await client(token).api('/me/calendar/getSchedule').post({ schedules: ['room-130@contoso.test'], startTime: { dateTime: '2027-01-04T08:00:00', timeZone: 'UTC' }, endTime: { dateTime: '2027-01-04T09:00:00', timeZone: 'UTC' } });
    expect(busy.value[0]).toMatchObject({ scheduleId: 'room-130@contoso.test', availabilityView: '00' });
    tenant.reset();
    expect(tenant.state.rooms()).toHaveLength(3);
  });

  test('graph client - $batch runs requests with the caller token', async () => {
    const token = await graphToken(tenant, 'adele@contoso.test');
    const res = await fetch(`${tenant.origin}/v1.0/$batch`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ requests: [{ id: '1', method: 'GET', url: '/me' }, { id: '2', method: 'GET', url: '/users/nobody@contoso.test' }] }) });
    const body = (await res.json()) as { responses: { id: string; status: number; body: { userPrincipalName?: string } }[] };
    expect(body.responses.map((r) => [r.id, r.status])).toEqual([['1', 200], ['2', 404]]);
    expect(body.responses[0].body.userPrincipalName).toBe('adele@contoso.test');
  });

  test('graph client - a Graph 500 fault answers the error envelope', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    await fault(tenant, 'graph-failure', { status: 500, count: 1 });
    const err: GraphError = await api.api('/me').get().catch((e: GraphError) => e);
    expect([err.statusCode, err.code]).toEqual([500, 'generalException']);
    expect((await api.api('/me').get()).userPrincipalName).toBe('adele@contoso.test');
  });

  test('graph client - a 503 with Retry-After is retried by the client and then succeeds', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test'));
    await fault(tenant, 'graph-failure', { status: 503, count: 1 });
    expect((await api.api('/me').get()).userPrincipalName).toBe('adele@contoso.test');
  });

  test('graph client - sending as someone else is 403 ErrorSendAsDenied; a missing scope is 403 ErrorAccessDenied', async () => {
    const api = client(await graphToken(tenant, 'adele@contoso.test', ['Mail.Send', 'User.Read']));
    const sendAs: GraphError = await api.api('/me/sendMail').post({ message: { subject: 'x', from: { emailAddress: { address: 'megan@contoso.test' } }, toRecipients: [{ emailAddress: { address: 'learner1@contoso.test' } }] } }).catch((e: GraphError) => e);
    expect([sendAs.statusCode, sendAs.code]).toEqual([403, 'ErrorSendAsDenied']);
    const rooms: GraphError = await api.api('/places/microsoft.graph.room').get().catch((e: GraphError) => e);
    expect([rooms.statusCode, rooms.code]).toEqual([403, 'ErrorAccessDenied']);
    const noRecipients: GraphError = await api.api('/me/sendMail').post({ message: { subject: 'x' } }).catch((e: GraphError) => e);
    expect([noRecipients.statusCode, noRecipients.code]).toEqual([400, 'ErrorInvalidRecipients']);
  });

  test('graph client - a token for another audience is rejected with InvalidAuthenticationToken', async () => {
    const api = client(await appToken(tenant, 'lmsBackend', 'api://lms-m365-connection'));
    const err: GraphError = await api.api('/users').get().catch((e: GraphError) => e);
    expect([err.statusCode, err.code]).toEqual([401, 'InvalidAuthenticationToken']);
  });
});
