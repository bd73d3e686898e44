import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { esc, page } from '../http/html';
import type { TenantState } from '../state/tenant-state';
import type { CalendarEvent, StoredMessage } from './store';
import { ianaZone, utcMsToZoned, zonedToUtcMs } from '../graph/timezones';

/** The properties of an iCalendar object's first VEVENT (lines unfolded, RFC 5545 3.1), with their parameters. */
export function veventOf(ics: string): Map<string, { params: Record<string, string>; value: string }> {
  const lines = ics.replace(/\r?\n[ \t]/g, '').split(/\r?\n/);
  const out = new Map<string, { params: Record<string, string>; value: string }>();
  let inEvent = false;
  for (const line of lines) {
    if (line === 'BEGIN:VEVENT') inEvent = true;
    else if (line === 'END:VEVENT') break;
    else if (inEvent) {
      const colon = line.search(/:(?=(?:[^"]*"[^"]*")*[^"]*$)/);
      const [name, ...params] = line.slice(0, colon).split(';');
      if (!out.has(name.toUpperCase())) out.set(name.toUpperCase(), { params: Object.fromEntries(params.map((p) => p.split('=')).map(([k, v]) => [k.toUpperCase(), (v ?? '').replace(/^"|"$/g, '')])), value: line.slice(colon + 1) });
    }
  }
  return out;
}

/** An iCalendar DATE-TIME (UTC, with TZID, or floating) as an instant. */
function icsTimeMs(prop: { params: Record<string, string>; value: string } | undefined): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(Z?)$/.exec(prop?.value ?? '');
  if (!m) return NaN;
  const wall = `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}`;
  return m[7] ? Date.parse(`${wall}Z`) : zonedToUtcMs(wall, prop?.params.TZID ?? 'UTC');
}

/**
 * What a mail client shows for a meeting request: when, in the viewer's zone, and what its
 * Accept / Tentative / Decline buttons would send the organiser (an iTIP REPLY, RFC 5546 3.2.3).
 */
function invitationBox(m: StoredMessage, zone: string): string {
  if (!m.calendar) return '';
  const ev = veventOf(m.calendar.ics);
  const start = icsTimeMs(ev.get('DTSTART'));
  const end = icsTimeMs(ev.get('DTEND'));
  const when = Number.isNaN(start) ? 'unknown' : `${utcMsToZoned(start, zone).slice(0, 16).replace('T', ' ')} - ${Number.isNaN(end) ? '?' : utcMsToZoned(end, zone).slice(0, 16).replace('T', ' ')} (${zone})`;
  const organizer = (ev.get('ORGANIZER')?.value ?? '').replace(/^mailto:/i, '');
  const buttons = m.calendar.method === 'REQUEST' && m.folder === 'inbox'
    ? ['ACCEPTED', 'TENTATIVE', 'DECLINED'].map((partstat) => {
      const reply = ['BEGIN:VCALENDAR', 'VERSION:2.0', 'METHOD:REPLY', 'BEGIN:VEVENT', `UID:${ev.get('UID')?.value ?? ''}`, `SEQUENCE:${ev.get('SEQUENCE')?.value ?? '0'}`, `ORGANIZER:mailto:${organizer}`, `ATTENDEE;PARTSTAT=${partstat}:mailto:${m.mailbox}`, 'END:VEVENT', 'END:VCALENDAR'].join('\n');
      const label = partstat === 'ACCEPTED' ? 'Accept' : partstat === 'TENTATIVE' ? 'Tentative' : 'Decline';
      return `<details><summary>${label} (payload sent to ${esc(organizer)})</summary><pre>${esc(reply)}</pre></details>`;
    }).join('')
    : '';
  return `<section aria-label="Invitation"><h2>${m.calendar.method === 'CANCEL' ? 'Meeting cancelled' : m.calendar.method === 'REPLY' ? 'Meeting response' : 'Meeting request'}</h2>
<table aria-label="Invitation">${[['When', when], ['Organizer', organizer], ['Location', ev.get('LOCATION')?.value ?? ''], ['UID', ev.get('UID')?.value ?? ''], ['Sequence', ev.get('SEQUENCE')?.value ?? '0']].map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>${buttons}</section>`;
}

const who = (r: { address: string; name: string | null }): string => (r.name ? `${r.name} <${r.address}>` : r.address);

/** The viewer's `tz` carried along its links (`&tz=...`, or nothing). */
const tzParam = (zone: string | null): string => (zone ? `&tz=${encodeURIComponent(zone)}` : '');

function messageRow(m: StoredMessage, zone: string | null): string {
  const link = `/_mailbox?upn=${encodeURIComponent(m.mailbox)}&message=${encodeURIComponent(m.id)}${tzParam(zone)}`;
  return `<tr><td>${esc(new Date(m.receivedDateTime).toISOString().replace('T', ' ').slice(0, 19))}</td><td>${esc(who(m.from))}</td><td>${esc(m.to.map(who).join(', '))}</td><td><a href="${esc(link)}">${esc(m.subject || '(no subject)')}</a>${m.calendar ? ` <span class="hint">[${esc(m.calendar.method)} invitation]</span>` : ''}</td><td>${esc(m.via)}</td></tr>`;
}

function eventRow(e: CalendarEvent): string {
  const rooms = e.attendees.filter((a) => a.type === 'resource').map((a) => `${a.emailAddress.name} (${a.status.response})`);
  return `<tr id="event-${esc(e.id)}"><td>${esc(e.start.dateTime)} ${esc(e.start.timeZone)}</td><td>${esc(e.end.dateTime)}</td><td>${esc(e.subject)}${e.isCancelled ? ' <strong>(cancelled)</strong>' : ''}</td><td>${esc(e.organizer.emailAddress.address)}</td><td>${esc(rooms.join(', ') || e.location.displayName)}</td><td>${e.onlineMeeting ? `<a href="${esc(e.onlineMeeting.joinUrl)}">Teams link</a>` : ''}</td></tr>`;
}

/**
 * One message as its recipient sees it. The body is hostile input: HTML renders in a frame
 * sandboxed without scripts, forms or same-origin access, under a CSP that blocks remote
 * content; everything else is escaped text.
 */
function messagePage(m: StoredMessage, nav: string, zone: string): string {
  const csp = "default-src 'none'; img-src data:; style-src 'unsafe-inline'";
  const frame = `<!doctype html><meta http-equiv="Content-Security-Policy" content="${csp}">${m.body.content}`;
  const body = m.body.contentType === 'html' ? `<iframe sandbox title="message body" style="width:100%;height:320px;border:1px solid #ddd" srcdoc="${esc(frame)}"></iframe>` : `<pre>${esc(m.body.content)}</pre>`;
  const row = (name: string, value: string): string => `<tr><th scope="row">${esc(name)}</th><td>${esc(value)}</td></tr>`;
  const headers = m.headers.map((h) => row(h.name, h.value)).join('');
  return `${nav}<h1>${esc(m.subject || '(no subject)')}</h1>
<table aria-label="Message">${row('Mailbox', `${m.mailbox} (${m.folder === 'inbox' ? 'Inbox' : 'Sent Items'})`)}${row('From', who(m.from))}${row('To', m.to.map(who).join(', '))}${row('Cc', m.cc.map(who).join(', '))}${m.folder === 'sentitems' && m.bcc.length ? row('Bcc', m.bcc.map(who).join(', ')) : ''}${row('Date', m.sentDateTime)}${row('Message-ID', m.internetMessageId)}${row('Submitted via', m.via)}${row('Attachments', m.attachments.map((a) => `${a.name} (${a.contentType}, ${a.size} bytes)`).join(', ') || 'none')}</table>
${invitationBox(m, zone)}<h2>Body (${esc(m.body.contentType)})</h2>${body}${m.calendar ? `<h2>Calendar (${esc(m.calendar.method)})</h2><pre>${esc(m.calendar.ics)}</pre>` : ''}
<details><summary>All headers (${m.headers.length})</summary><table aria-label="Headers">${headers}</table></details>`;
}

/**
 * GET /_mailbox (HTML viewer); JSON for tests: /_admin/mailboxes/{upn}/messages and /events,
 * /_admin/mailboxes/{upn}/counters (what Exchange's transport counted for the mailbox as sender)
 * and /_admin/sending (the counters of every mailbox that has sent); POST /_admin/rooms adds a room
 * mailbox until the next reset.
 */
export function registerMailbox(app: FastifyInstance, state: TenantState): void {
  const upnOf = (params: unknown): string => decodeURIComponent((params as { upn: string }).upn).toLowerCase();
  app.get('/_admin/mailboxes/:upn/messages', async (req) => {
    const upn = upnOf(req.params);
    const folder = (req.query as { folder?: string }).folder;
    const value = state.mail.messagesOf(upn, folder === 'inbox' || folder === 'sentitems' ? folder : undefined);
    return { mailbox: upn, value };
  });
  app.get('/_admin/mailboxes/:upn/events', async (req) => {
    const upn = upnOf(req.params);
    return { mailbox: upn, value: state.mail.eventsOf(upn) };
  });
  app.get('/_admin/mailboxes/:upn/counters', async (req) => state.outbound.counters(upnOf(req.params)));
  app.get('/_admin/sending', async () => ({ limits: { ...state.sendingLimits(), timeScale: state.timeScale }, value: state.outbound.mailboxes().map((m) => state.outbound.counters(m)) }));
  // A room mailbox more than the fixture's, until the next reset (a tenant with more rooms than a Graph page holds).
  app.post('/_admin/rooms', async (req, reply) => {
    const b = (req.body ?? {}) as { upn?: unknown; displayName?: unknown; capacity?: unknown; building?: unknown; floorNumber?: unknown; bookingWindowInDays?: unknown; maximumDurationInMinutes?: unknown };
    const upn = typeof b.upn === 'string' ? b.upn.trim().toLowerCase() : '';
    if (!/^[^@\s]+@[^@\s]+$/.test(upn)) return reply.code(400).send({ error: 'invalid_room', message: 'upn: an email address is required.' });
    if (state.accountByUpn(upn)) return reply.code(409).send({ error: 'invalid_room', message: `${upn} already exists.` });
    const room = state.addRoom({
      id: randomUUID(),
      upn,
      displayName: typeof b.displayName === 'string' && b.displayName ? b.displayName : upn.split('@')[0],
      capacity: Number.isInteger(b.capacity) ? (b.capacity as number) : 10,
      building: typeof b.building === 'string' ? b.building : 'Building 1',
      floorNumber: Number.isInteger(b.floorNumber) ? (b.floorNumber as number) : 1,
      isWheelChairAccessible: false,
      // Exchange's defaults unless given (the fixture's rooms take 1080 days).
      ...(Number.isInteger(b.bookingWindowInDays) && (b.bookingWindowInDays as number) >= 0 && (b.bookingWindowInDays as number) <= 1080 ? { bookingWindowInDays: b.bookingWindowInDays as number } : {}),
      ...(Number.isInteger(b.maximumDurationInMinutes) && (b.maximumDurationInMinutes as number) >= 0 ? { maximumDurationInMinutes: b.maximumDurationInMinutes as number } : {})
    });
    return reply.code(201).send({ id: room.id, upn: room.upn, displayName: room.displayName });
  });

  app.get('/_mailbox', async (req, reply) => {
    const q = req.query as { upn?: string; message?: string; tz?: string };
    // ?tz= (an IANA or Windows zone) is kept on every link, so an invitation opened from a list shows that zone.
    const asked = typeof q.tz === 'string' && q.tz ? ianaZone(q.tz) : null;
    const nav = `<nav><a href="/_mailbox${asked ? `?tz=${encodeURIComponent(asked)}` : ''}">All mailboxes</a><a href="/_faults">Fault controls</a></nav>`;
    if (q.message) {
      const m = state.mail.message(q.message);
      if (!m) return reply.code(404).type('text/html').send(page('Message', `${nav}<h1>No such message</h1>`, { wide: true }));
      // The viewer's zone: ?tz=Asia/Tokyo, else the zone of the mailbox owner's language, else UTC.
      const zone = asked || (state.accountByUpn(m.mailbox)?.locale === 'ja-JP' ? 'Asia/Tokyo' : 'UTC');
      return reply.type('text/html').send(page(m.subject, messagePage(m, nav, zone), { wide: true }));
    }
    if (q.upn) {
      const upn = q.upn.toLowerCase();
      const account = state.accountByUpn(upn);
      const c = state.outbound.counters(upn);
      const section = (title: string, rows: string): string => `<h2>${esc(title)}</h2><table><tr><th>Time</th><th>From</th><th>To</th><th>Subject</th><th>Via</th></tr>${rows || '<tr><td colspan="5">empty</td></tr>'}</table>`;
      const counters = `<p class="hint">Sent: ${c.submissions} submitted, ${c.accepted} accepted, ${c.delayed} delayed, ${c.pending} waiting, ${c.rejected} refused, ${c.duplicates} duplicate Message-IDs, ${c.recipientsToday} recipients in the last day.</p>`;
      return reply.type('text/html').send(
        page(
          upn,
          `${nav}<h1>${esc(account?.displayName ?? upn)} <span class="hint">${esc(upn)}${account ? ` &middot; mailbox: ${esc(account.mailbox)}` : ' &middot; outside the tenant'}</span></h1>${counters}
${section('Inbox', state.mail.messagesOf(upn, 'inbox').reverse().map((m) => messageRow(m, asked)).join(''))}
${section('Sent Items', state.mail.messagesOf(upn, 'sentitems').reverse().map((m) => messageRow(m, asked)).join(''))}
<h2>Calendar</h2><table><tr><th>Start</th><th>End</th><th>Subject</th><th>Organizer</th><th>Rooms / location</th><th>Online meeting</th></tr>${state.mail.eventsOf(upn).map(eventRow).join('') || '<tr><td colspan="6">empty</td></tr>'}</table>`,
          { wide: true }
        )
      );
    }
    const inTenant = [...state.accounts.values()].map((a) => a.upn);
    const everyone = [...new Set([...inTenant, ...state.mail.mailboxesWithMail()])];
    const rows = everyone
      .map((upn) => {
        const a = state.accountByUpn(upn);
        const kind = a ? (a.isRoom ? 'room' : a.mailbox) : 'external';
        return `<tr><td><a href="/_mailbox?upn=${encodeURIComponent(upn)}${esc(tzParam(asked))}">${esc(upn)}</a></td><td>${esc(a?.displayName ?? '')}</td><td>${esc(kind)}</td><td>${state.mail.messagesOf(upn, 'inbox').length}</td><td>${state.mail.messagesOf(upn, 'sentitems').length}</td><td>${state.mail.eventsOf(upn).length}</td></tr>`;
      })
      .join('');
    return reply.type('text/html').send(page('Mailboxes', `${nav}<h1>Mailboxes</h1><table><tr><th>Address</th><th>Name</th><th>Mailbox</th><th>Inbox</th><th>Sent</th><th>Events</th></tr>${rows}</table>`, { wide: true }));
  });
}
