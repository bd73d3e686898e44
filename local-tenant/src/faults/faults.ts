import { randomBytes } from 'node:crypto';
import { noFaults, SendingBlock, TenantState, type Account } from '../state/tenant-state';
import { SENDING_BLOCKS } from '../smtp/replies';
import { decideRoomRequests } from '../graph/calendar';

/** Result of a fault: what changed, or why nothing did. */
export type FaultResult = { ok: true; detail: string } | { ok: false; status: number; message: string };

type Body = Record<string, unknown>;

const fail = (message: string, status = 400): FaultResult => ({ ok: false, status, message });

/** The room mailbox a fault's body names (`room`), if it is one. */
const roomOf = (state: TenantState, body: Body): Account | undefined => {
  const room = typeof body.room === 'string' ? state.accountByUpn(body.room.toLowerCase()) : undefined;
  return room?.isRoom ? room : undefined;
};

function account(state: TenantState, body: Body): ReturnType<TenantState['accountByUpn']> {
  return typeof body.user === 'string' ? state.accountByUpn(body.user) : undefined;
}

/** The mailbox (a user's UPN, lower case) a body names in `mailbox`, if the tenant has that user. */
function mailboxOf(state: TenantState, body: Body): string | undefined {
  const mailbox = typeof body.mailbox === 'string' ? body.mailbox.toLowerCase() : '';
  return state.accountByUpn(mailbox) ? mailbox : undefined;
}

/**
 * Every fault the local tenant can inject, by name. Each mirrors something an admin (or
 * Microsoft) does to a real tenant; docs/local-tenant.md lists them with their effect.
 */
export const FAULTS: Record<string, { description: string; fields: string[]; apply: (state: TenantState, body: Body) => FaultResult }> = {
  'revoke-refresh-tokens': {
    description: "Revoke a user's refresh tokens and sessions (Revoke-MgUserSignInSession): next refresh answers AADSTS50173.",
    fields: ['user'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      state.revokeSessions(a);
      return { ok: true, detail: `refresh tokens of ${a.upn} revoked` };
    }
  },
  'expire-refresh-tokens': {
    description: "Age a user's refresh tokens past 90 days of inactivity: next refresh answers AADSTS700082.",
    fields: ['user'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      for (const r of state.refreshTokens.values()) if (r.userId === a.id) r.expired = true;
      return { ok: true, detail: `refresh tokens of ${a.upn} expired` };
    }
  },
  password: {
    description: "Change a user's password: basic SMTP AUTH with the old one fails (535 5.7.3) and refresh tokens are revoked (AADSTS50173).",
    fields: ['user', 'password'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      if (typeof body.password !== 'string' || body.password.length < 1) return fail('password must be a non-empty string');
      a.password = body.password;
      state.revokeSessions(a);
      return { ok: true, detail: `password of ${a.upn} changed` };
    }
  },
  'disable-account': {
    description: "Block a user's sign-in (accountEnabled false), or allow it again with enabled: true. Sign-in (a session cookie signs it in no more), redeeming a code, refresh, on-behalf-of and page tokens answer AADSTS50057; SMTP AUTH answers 535 5.7.3; access tokens already issued keep working until they expire, as Entra's do.",
    fields: ['user', 'enabled'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      if (body.enabled !== undefined && typeof body.enabled !== 'boolean') return fail('enabled must be true or false');
      a.disabled = body.enabled !== true;
      return { ok: true, detail: `sign-in of ${a.upn} ${a.disabled ? 'blocked' : 'allowed'}` };
    }
  },
  'restore-mailbox': {
    description: "Give a user whose mailbox was removed or turned shared a user mailbox again (a licence assigned, or converted back to a regular mailbox).",
    fields: ['user'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      a.mailbox = 'user';
      return { ok: true, detail: `${a.upn} has a user mailbox` };
    }
  },
  'remove-mailbox': {
    description: "Remove a user's mailbox (licence removed): Graph answers 404 MailboxNotEnabledForRESTAPI, SMTP 535 5.7.3, mail to it bounces.",
    fields: ['user'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      a.mailbox = 'none';
      state.mail.dropMailbox(a.upn);
      return { ok: true, detail: `mailbox of ${a.upn} removed` };
    }
  },
  'rename-upn': {
    description: "Change a user's user principal name (Entra: the object id stays; Exchange's primary SMTP address, Graph's mail, stays the old one): Graph finds the user by id or the new UPN only, not by the address.",
    fields: ['user', 'upn'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      const upn = typeof body.upn === 'string' ? body.upn.trim().toLowerCase() : '';
      if (!/^[^@\s]+@[^@\s]+$/.test(upn) || state.accountByUpn(upn)) return fail('upn must be a new user principal name');
      a.mail ??= a.upn;
      a.upn = upn;
      return { ok: true, detail: `${a.mail} signs in as ${upn} now` };
    }
  },
  'make-shared': {
    description: "Convert a user's mailbox to a shared mailbox: mailboxSettings.userPurpose becomes 'shared'.",
    fields: ['user'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      if (a.mailbox === 'none') return fail(`${a.upn} has no mailbox to convert`);
      a.mailbox = 'shared';
      return { ok: true, detail: `${a.upn} is now a shared mailbox` };
    }
  },
  'smtp-auth': {
    description: 'Turn SMTP AUTH off or on for one mailbox (Set-CASMailbox -SmtpClientAuthenticationDisabled): off answers 535 5.7.139.',
    fields: ['user', 'enabled'],
    apply: (state, body) => {
      const a = account(state, body);
      if (!a) return fail('unknown user');
      if (typeof body.enabled !== 'boolean') return fail('enabled must be true or false');
      a.smtpAuthEnabled = body.enabled;
      return { ok: true, detail: `SMTP AUTH ${body.enabled ? 'enabled' : 'disabled'} for ${a.upn}` };
    }
  },
  'smtp-basic-auth': {
    description:
      "Turn basic authentication (password) for SMTP off or on for the whole tenant. Off answers a password login with 550 5.7.30 'Basic authentication is not supported for Client Submission' (the retirement, reply: retired - the default) or 535 5.7.139: 'basic authentication is disabled' (an authentication policy, reply: policy), 'user is locked by your organization's security defaults policy' (reply: security-defaults) or 'the request did not meet the criteria to be authenticated successfully' (a Conditional Access policy, MFA: reply: conditional-access).",
    fields: ['enabled', 'reply'],
    apply: (state, body) => {
      if (typeof body.enabled !== 'boolean') return fail('enabled must be true or false');
      const replies = ['retired', 'policy', 'security-defaults', 'conditional-access'];
      if (body.reply !== undefined && !replies.includes(body.reply as string)) return fail(`reply must be one of ${replies.join(', ')}`);
      state.smtpBasicAuthEnabled = body.enabled;
      state.smtpBasicAuthOffReply = (body.reply as TenantState['smtpBasicAuthOffReply'] | undefined) ?? 'retired';
      return { ok: true, detail: body.enabled ? 'SMTP basic authentication enabled for the tenant' : `SMTP basic authentication disabled for the tenant (${state.smtpBasicAuthOffReply === 'retired' ? '550 5.7.30' : `535 5.7.139, ${state.smtpBasicAuthOffReply}`})` };
    }
  },
  'sending-block': {
    description: `Throttle one mailbox's SMTP submissions as Exchange's continuous-error throttling does: every MAIL FROM answers 550 5.2.251-5.2.255 (cause: ${Object.keys(SENDING_BLOCKS).join(', ')}). clear: true lifts it.`,
    fields: ['mailbox', 'cause', 'clear'],
    apply: (state, body) => {
      const mailbox = mailboxOf(state, body);
      if (!mailbox) return fail('unknown mailbox');
      if (body.clear === true) {
        state.faults.sendingBlocks.delete(mailbox);
        return { ok: true, detail: `sending block of ${mailbox} lifted` };
      }
      if (typeof body.cause !== 'string' || !(body.cause in SENDING_BLOCKS)) return fail(`cause must be one of ${Object.keys(SENDING_BLOCKS).join(', ')}`);
      state.faults.sendingBlocks.set(mailbox, body.cause as SendingBlock);
      return { ok: true, detail: `${mailbox} answers 550 ${SENDING_BLOCKS[body.cause as SendingBlock].split(' ')[0]}` };
    }
  },
  'mailbox-full': {
    description: "Fill one mailbox past its quota: what it sends is refused - Graph 403 ErrorQuotaExceeded, SMTP 554 5.2.2 mailbox full at submission. clear: true frees it.",
    fields: ['mailbox', 'clear'],
    apply: (state, body) => {
      const mailbox = mailboxOf(state, body);
      if (!mailbox) return fail('unknown mailbox');
      if (body.clear === true) {
        state.faults.fullMailboxes.delete(mailbox);
        return { ok: true, detail: `${mailbox} has room again` };
      }
      state.faults.fullMailboxes.add(mailbox);
      return { ok: true, detail: `${mailbox} is over its quota: its submissions are refused` };
    }
  },
  'refuse-recipient': {
    description: "Refuse one recipient address at RCPT TO on the SMTP endpoint, as a server other than Exchange Online may (Classic works against any server that accepts it): the message goes to the other recipients. reply: unknown (550 5.1.1, the default) or greylisted (450 4.2.0, try later). Exchange Online accepts and bounces instead (an NDR, 5.1.10). clear: true lifts it.",
    fields: ['address', 'reply', 'clear'],
    apply: (state, body) => {
      const address = typeof body.address === 'string' ? body.address.trim().toLowerCase() : '';
      if (!/^[^@\s]+@[^@\s]+$/.test(address)) return fail('address must be an email address');
      if (body.clear === true) {
        state.faults.refusedRecipients.delete(address);
        return { ok: true, detail: `${address} is accepted again` };
      }
      const reply = body.reply ?? 'unknown';
      if (reply !== 'unknown' && reply !== 'greylisted') return fail('reply must be unknown or greylisted');
      state.faults.refusedRecipients.set(address, reply);
      return { ok: true, detail: `${address} is refused at RCPT TO (${reply === 'unknown' ? '550 5.1.1' : '450 4.2.0'})` };
    }
  },
  'smtp-recipient-limit': {
    description: "Take at most `limit` recipients in one SMTP transaction and answer the next RCPT TO with 452 4.5.3 (RFC 5321 4.5.3.1.10: the client sends the rest in another transaction), as a server other than Exchange Online may. clear: true lifts it.",
    fields: ['limit', 'clear'],
    apply: (state, body) => {
      if (body.clear === true) {
        state.faults.smtpRecipientLimit = null;
        return { ok: true, detail: 'no recipient limit of its own' };
      }
      if (typeof body.limit !== 'number' || !Number.isInteger(body.limit) || body.limit < 1) return fail('limit must be a whole number of at least 1');
      state.faults.smtpRecipientLimit = body.limit;
      return { ok: true, detail: `at most ${body.limit} recipients a transaction (452 4.5.3 beyond)` };
    }
  },
  'withdraw-consent': {
    description: "Withdraw consent of an app (default: the connection API) to a resource (default: Microsoft Graph): organisation-wide, or one user's - next refresh answers AADSTS65001; or, with role, one application permission (its app role assignment removed, as Remove-MgServicePrincipalAppRoleAssignment does): app-only tokens issued from then on lack it, so Graph answers 403.",
    fields: ['client', 'resource', 'user', 'role'],
    apply: (state, body) => {
      const client = typeof body.client === 'string' ? state.appById(body.client) ?? state.apps.get(body.client) : state.appByKey('connectionApi');
      const resource = typeof body.resource === 'string' ? state.resourceByIdentifier(body.resource) ?? state.apps.get(body.resource) : state.appByKey('graph');
      if (!client || !resource) return fail('unknown client or resource');
      if (body.role !== undefined) {
        if (typeof body.role !== 'string' || body.user !== undefined) return fail('role must be an application permission\'s value (such as MailboxSettings.Read), without user');
        const held = state.appRoleAssignments.length;
        state.appRoleAssignments = state.appRoleAssignments.filter((a) => !(a.principalId === client.servicePrincipalId && a.resourceId === resource.servicePrincipalId && a.role === body.role));
        if (held === state.appRoleAssignments.length) return fail(`${client.displayName} holds no application permission ${body.role} of ${resource.displayName}`);
        return { ok: true, detail: `application permission ${body.role} of ${client.displayName} to ${resource.displayName} withdrawn` };
      }
      const user = body.user === undefined ? null : account(state, body);
      if (body.user !== undefined && !user) return fail('unknown user');
      const before = state.grants.length;
      state.grants = state.grants.filter(
        (g) => !(g.clientId === client.servicePrincipalId && g.resourceId === resource.servicePrincipalId && (user ? g.consentType === 'Principal' && g.principalId === user.id : g.consentType === 'AllPrincipals'))
      );
      return { ok: true, detail: `${before - state.grants.length} grant(s) of ${client.displayName} to ${resource.displayName} withdrawn${user ? ` for ${user.upn}` : ' organisation-wide'}` };
    }
  },
  'admin-consent-workflow': {
    description: "Turn Entra's admin consent request workflow on or off: with it on, a user asked for a permission that needs an admin gets \"Approval required\" and can send a request instead of AADSTS90094.",
    fields: ['enabled'],
    apply: (state, body) => {
      if (typeof body.enabled !== 'boolean') return fail('enabled must be true or false');
      state.adminConsentPolicy.isEnabled = body.enabled;
      return { ok: true, detail: `admin consent request workflow ${body.enabled ? 'on' : 'off'}` };
    }
  },
  throttle: {
    description: 'Throttle one mailbox: retryAfterSeconds answers every Graph mail/calendar request with 429 (SMTP: 432 4.3.2); or lower its messagesPerMinute (the excess is delayed) / concurrentRequests (Graph requests per app, SMTP connections sending at once). clear: true removes it.',
    fields: ['mailbox', 'retryAfterSeconds', 'messagesPerMinute', 'concurrentRequests', 'clear'],
    apply: (state, body) => {
      const mailbox = mailboxOf(state, body);
      if (!mailbox) return fail('unknown mailbox');
      if (body.clear === true) {
        state.faults.mailboxLimits.delete(mailbox);
        return { ok: true, detail: `throttling of ${mailbox} cleared` };
      }
      const positive = (v: unknown): number | undefined => (typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined);
      const override = { throttledForSeconds: positive(body.retryAfterSeconds), messagesPerMinute: positive(body.messagesPerMinute), concurrentRequests: positive(body.concurrentRequests) };
      if (!override.throttledForSeconds && !override.messagesPerMinute && !override.concurrentRequests) return fail('give retryAfterSeconds, messagesPerMinute or concurrentRequests (positive integers), or clear: true');
      state.faults.mailboxLimits.set(mailbox, override);
      return { ok: true, detail: `${mailbox} throttled` };
    }
  },
  'sending-limits': {
    description:
      'Change the sending limits of every mailbox (Exchange Online defaults: 30 messages a minute, 10,000 recipients a day, 500 recipients a message, 4 concurrent Graph requests per app, 3 SMTP connections sending at once), turn them off (enabled false), or run their windows timeScale times faster (60: a minute lasts a second, a day 24 minutes). Only the fields given change; PUT /_admin/limits does the same.',
    fields: ['enabled', 'messagesPerMinute', 'recipientsPerDay', 'recipientsPerMessage', 'concurrentRequests', 'smtpConnections', 'timeScale'],
    apply: (state, body) => applyLimits(state, body)
  },
  'graph-failure': {
    description: "Make Microsoft Graph answer 500/502/503/504 to the next count requests (or all until cleared: count omitted). status 0 clears. With accepted: true only sendMail answers it, after the message was taken and sent - as Graph's gateway timing out while Exchange goes on (Microsoft Q&A: 'fails with 504, but messages get queued and sent').",
    fields: ['status', 'count', 'accepted'],
    apply: (state, body) => {
      if (body.status === 0) {
        state.faults.graphFailure = null;
        return { ok: true, detail: 'Graph answers normally' };
      }
      if (![500, 502, 503, 504].includes(body.status as number)) return fail('status must be 500, 502, 503 or 504 (or 0 to clear)');
      const count = body.count === undefined || body.count === null ? null : Number(body.count);
      if (count !== null && (!Number.isInteger(count) || count < 1)) return fail('count must be a positive integer');
      if (body.accepted !== undefined && typeof body.accepted !== 'boolean') return fail('accepted must be true or false');
      const accepted = body.accepted === true;
      state.faults.graphFailure = { status: body.status as number, remaining: count, ...(accepted ? { accepted } : {}) };
      return { ok: true, detail: `Graph answers ${String(body.status)} ${count === null ? 'until cleared' : `to the next ${count} ${accepted ? 'sendMail request(s), after sending the message' : 'request(s)'}`}` };
    }
  },
  latency: {
    description: 'Delay every identity, Graph and SharePoint response by ms milliseconds (0 clears).',
    fields: ['ms'],
    apply: (state, body) => {
      const ms = Number(body.ms);
      if (!Number.isInteger(ms) || ms < 0 || ms > 60000) return fail('ms must be an integer from 0 to 60000');
      state.faults.latencyMs = ms;
      return { ok: true, detail: `latency ${ms} ms` };
    }
  },
  'client-secret': {
    description: "Let an app registration's client secret pass its end date (expired, the default), or renew it (expired: false - as an operator adding a new secret and restarting the app would). Token requests with it answer invalid_client AADSTS7000222; a wrong secret still answers AADSTS7000215.",
    fields: ['app', 'expired'],
    apply: (state, body) => {
      const app = typeof body.app === 'string' ? state.appById(body.app) : undefined;
      if (!app || !app.clientSecret) return fail('app must be the application (client) id of an app registration with a client secret');
      if (body.expired !== undefined && typeof body.expired !== 'boolean') return fail('expired must be true or false');
      app.secretExpired = body.expired !== false;
      return { ok: true, detail: `client secret of ${app.displayName} ${app.secretExpired ? 'expired' : 'renewed'}` };
    }
  },
  'conditional-access': {
    description:
      "Let a Conditional Access policy block a user's token requests (user: a UPN) or an app's client-credentials tokens (app: an application (client) id - a policy for workload identities), or lift it (blocked: false). Redeeming a code, refresh, on-behalf-of and client credentials answer invalid_grant AADSTS53003; SMTP AUTH with a password is not refused: the fault is a policy scoped to modern-authentication clients (one that also covers legacy-authentication clients, 'Other clients', would refuse it too). Entra stops an interactive sign-in on its own page; here the code is refused at its redemption instead.",
    fields: ['user', 'app', 'blocked'],
    apply: (state, body) => {
      if ((body.user === undefined) === (body.app === undefined)) return fail('give either user or app');
      if (body.blocked !== undefined && typeof body.blocked !== 'boolean') return fail('blocked must be true or false');
      const target = body.user !== undefined ? account(state, body) : typeof body.app === 'string' ? state.appById(body.app) : undefined;
      if (!target) return fail(body.user !== undefined ? 'unknown user' : 'app must be the application (client) id of an app registration');
      target.blockedByPolicy = body.blocked !== false;
      const name = 'upn' in target ? target.upn : target.displayName;
      return { ok: true, detail: `Conditional Access ${target.blockedByPolicy ? 'blocks' : 'no longer blocks'} ${name}` };
    }
  },
  'move-event': {
    description:
      "The organiser moves an event to another calendar of their mailbox (Outlook: drag it to another calendar): its regular id changes, its immutable id (Prefer: IdType=\"ImmutableId\") and iCalUId stay. A client that kept the regular id finds it no more (404 ErrorItemNotFound).",
    fields: ['mailbox', 'iCalUId'],
    apply: (state, body) => {
      const mailbox = mailboxOf(state, body);
      if (!mailbox) return fail('unknown mailbox');
      const ev = state.mail.eventsOf(mailbox).find((e) => typeof body.iCalUId === 'string' && e.iCalUId === body.iCalUId);
      if (!ev) return fail('no event of that mailbox has this iCalUId');
      ev.id = randomBytes(32).toString('base64url');
      return { ok: true, detail: `the event of ${mailbox} moved: its regular id changed` };
    }
  },
  'teams-unavailable': {
    description:
      "Take Teams meetings away from a mailbox's calendar (no Teams licence: its allowedOnlineMeetingProviders lack teamsForBusiness). An event created or updated with isOnlineMeeting true is answered all the same, without an online meeting (isOnlineMeeting false, onlineMeeting null), as Graph answers. clear: true gives them back.",
    fields: ['mailbox', 'clear'],
    apply: (state, body) => {
      const mailbox = mailboxOf(state, body);
      if (!mailbox) return fail('unknown mailbox');
      if (body.clear === true) {
        state.faults.noTeams.delete(mailbox);
        return { ok: true, detail: `${mailbox} can make Teams meetings again` };
      }
      state.faults.noTeams.add(mailbox);
      return { ok: true, detail: `${mailbox} cannot make Teams meetings` };
    }
  },
  'room-approval': {
    description:
      "Let a delegate approve a room's booking requests (Set-CalendarProcessing -AllBookInPolicy $false with ResourceDelegates): the booking assistant answers a free slot tentatively ('awaiting approval') and holds it; decide: accepted or declined is the delegate's decision on every request it answered so; clear: true lets the room accept by itself again.",
    fields: ['room', 'decide', 'clear'],
    apply: (state, body) => {
      const room = roomOf(state, body);
      if (!room) return fail('room must be the address of a room mailbox');
      if (body.decide !== undefined) {
        if (body.decide !== 'accepted' && body.decide !== 'declined') return fail('decide must be accepted or declined');
        return { ok: true, detail: `${decideRoomRequests(state, room, body.decide)} request(s) to ${room.upn} ${body.decide}` };
      }
      if (body.clear === true) {
        state.faults.roomsNeedingApproval.delete(room.upn);
        return { ok: true, detail: `${room.upn} accepts by itself again` };
      }
      state.faults.roomsNeedingApproval.add(room.upn);
      return { ok: true, detail: `${room.upn} answers tentatively until a delegate decides` };
    }
  },
  'room-policy': {
    description:
      "Change a room's booking policy (Set-CalendarProcessing): bookingWindowInDays, how far ahead it takes bookings (0-1080; Exchange's default 180, the fixture's rooms 1080), and maximumDurationInMinutes, the longest booking (0: any; default 1440). The booking assistant declines what is out of policy, free or not.",
    fields: ['room', 'bookingWindowInDays', 'maximumDurationInMinutes'],
    apply: (state, body) => {
      const room = roomOf(state, body);
      if (!room?.room) return fail('room must be the address of a room mailbox');
      // A field left empty (the fault page's form) keeps the room's value.
      const given = (value: unknown, kept: number): number => (value === undefined || value === '' ? kept : Number(value));
      const window = given(body.bookingWindowInDays, room.room.bookingWindowInDays);
      const longest = given(body.maximumDurationInMinutes, room.room.maximumDurationInMinutes);
      if (!Number.isInteger(window) || window < 0 || window > 1080) return fail('bookingWindowInDays must be an integer from 0 to 1080');
      if (!Number.isInteger(longest) || longest < 0 || longest > 35_791_394) return fail('maximumDurationInMinutes must be an integer from 0 to 35791394');
      room.room.bookingWindowInDays = window;
      room.room.maximumDurationInMinutes = longest;
      return { ok: true, detail: `${room.upn} takes bookings up to ${window} days ahead, ${longest === 0 ? 'of any length' : `at most ${longest} minutes long`}` };
    }
  },
  clear: {
    description: 'Clear Graph failures, latency, mailbox throttling, sending blocks, full mailboxes, refused recipients, rooms awaiting a delegate and mailboxes without Teams (accounts and grants stay as they are; /_admin/reset restores everything).',
    fields: [],
    apply: (state) => {
      state.faults = noFaults();
      return { ok: true, detail: 'transient faults cleared' };
    }
  }
};

const LIMIT_FIELDS = ['messagesPerMinute', 'recipientsPerDay', 'recipientsPerMessage', 'concurrentRequests', 'smtpConnections'] as const;

/** The tenant's sending limits as GET /_admin/limits shows them. */
export function limitsView(state: TenantState): Record<string, unknown> {
  return { ...state.sendingLimits(), timeScale: state.timeScale, minuteMs: state.outbound.minuteMs, dayMs: state.outbound.dayMs };
}

/** Checks every given field first, then changes them together (nothing changes on a bad value). */
export function applyLimits(state: TenantState, body: Body): FaultResult {
  const known = new Set<string>(['enabled', 'timeScale', ...LIMIT_FIELDS]);
  const unknown = Object.keys(body).filter((k) => !known.has(k));
  if (unknown.length) return fail(`unknown limit ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  if (body.enabled !== undefined && typeof body.enabled !== 'boolean') return fail('enabled must be true or false');
  for (const f of LIMIT_FIELDS) {
    const v = body[f];
    if (v !== undefined && (!Number.isInteger(v) || (v as number) < 1 || (v as number) > 1_000_000)) return fail(`${f} must be an integer from 1 to 1000000`);
  }
  if (body.timeScale !== undefined && (typeof body.timeScale !== 'number' || !(body.timeScale >= 1 && body.timeScale <= 10_000))) return fail('timeScale must be a number from 1 to 10000');
  if (typeof body.enabled === 'boolean') state.limits.sendingLimitsEnabled = body.enabled;
  for (const f of LIMIT_FIELDS) if (body[f] !== undefined) state.limits[f] = body[f] as number;
  if (body.timeScale !== undefined) state.timeScale = body.timeScale as number;
  const l = state.sendingLimits();
  return { ok: true, detail: `sending limits ${l.enabled ? 'on' : 'off'}: ${l.messagesPerMinute}/min, ${l.recipientsPerDay} recipients/day, ${l.recipientsPerMessage} recipients/message, ${l.concurrentRequests} Graph requests, ${l.smtpConnections} SMTP connections; time x${state.timeScale}` };
}
