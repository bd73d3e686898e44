import { type Static, Type } from '@sinclair/typebox';
import { ERROR_CODES } from './errors/catalogue';

/**
 * Request and response shapes of every endpoint, declared once: the API's validation,
 * serialisation and /openapi.json, and (as Static<> types) the web part's client.
 */

const Email = Type.String({ format: 'email', maxLength: 254 });

export const AuthMethod = Type.Union([Type.Literal('modern'), Type.Literal('classic')]);
/** How Modern sends (R-MOD-8); a Classic connection always sends over SMTP with its password. */
export const Transport = Type.Union([Type.Literal('graph'), Type.Literal('smtp-oauth')]);
export const HealthState = Type.Union([Type.Literal('not-connected'), Type.Literal('connected'), Type.Literal('lost'), Type.Literal('error')]);
export const Account = Type.Object({ email: Type.String(), displayName: Type.String() });

export const CatalogParams = Type.Object({
  catalog: Type.String({ minLength: 1, maxLength: 400, description: 'The catalog site\'s absolute URL, percent-encoded as one path segment.' })
}, { additionalProperties: false });

/** The connection view counts a catalog's outbox up to this many (a count is a read of queue rows). */
export const OUTBOX_COUNT_CAP = 10_000;

export const ConnectionView = Type.Object({
  catalog: Type.String(),
  connectionId: Type.String(),
  enabled: Type.Boolean(),
  method: Type.Union([AuthMethod, Type.Null()]),
  transport: Type.Union(Transport.anyOf, { description: 'How Modern sends; a Classic connection always sends over SMTP with its password.' }),
  account: Type.Union([Account, Type.Null()]),
  health: Type.Object({
    state: HealthState,
    code: Type.Union([Type.String(), Type.Null()]),
    checkedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    since: Type.Optional(Type.String({ format: 'date-time', description: 'While lost: when the loss was found (checkedAt moves with every later check).' }))
  }),
  orgConsent: Type.Object({
    granted: Type.Boolean({ description: 'A tenant admin consented for the whole organisation to what a Modern connection needs (Mail.Send, Calendars.ReadWrite, User.Read): nobody is shown a consent page for them.' }),
    smtpGranted: Type.Optional(Type.Boolean({ description: 'The same for SMTP.Send, which the SMTP transport needs besides (always sent; a page reads its absence as not granted).' })),
    canGrant: Type.Boolean()
  }),
  rooms: Type.Object({
    available: Type.Boolean({ description: 'The connected account\'s next token carries Place.Read.All (rooms). Mail and invitations never need it.' }),
    adminApproval: Type.Union([Type.Object({
      tenantAdmins: Type.Array(Type.Object({ displayName: Type.String(), email: Type.String() })),
      requestWorkflow: Type.Boolean({ description: 'The tenant\'s admin consent request workflow is on.' }),
      requestPending: Type.Boolean({ description: 'A request for this app\'s admin-only permissions waits for a reviewer.' }),
      adminConsentUrl: Type.String({ description: 'Entra\'s admin consent link for the API; a tenant admin opens it.' }),
      requestUrl: Type.Union([Type.String(), Type.Null()], { description: 'With the workflow on: a sign-in that ends on Entra\'s request page.' })
    }), Type.Null()], { description: 'Set while rooms wait for a tenant admin\'s approval (R-MOD-5).' })
  }),
  settingsListWarning: Type.Optional(Type.Object({
    code: Type.String(),
    failedAt: Type.String({ format: 'date-time' })
  }, { description: 'Present only when the API\'s last write to the catalog\'s settings list failed; the next write tries again.' })),
  sendingBlocked: Type.Optional(Type.Object({
    code: Type.String(),
    since: Type.String({ format: 'date-time' }),
    nextTryAt: Type.Optional(Type.String({ format: 'date-time', description: 'When the account\'s mailbox asks Exchange again (an hour after its last refusal, or sooner after POST .../connection/retry-sending); absent when no try is planned now (nothing waits, or a try is under way).' }))
  }, { description: 'Present while Exchange Online stops the connected account from sending (SENDING_BLOCKED; SEND_AS_DENIED when it refuses the address it sends from; MAILBOX_FULL when its mailbox is over quota): the connection works, notifications wait, the API tries again every hour and clears this when a send - a notification or a test email - goes through.' })),
  alertRecipients: Type.Array(Type.String()),
  connectedBy: Type.Union([Type.String(), Type.Null()], { description: 'Who connected the account (the catalog admin\'s sign-in name).' }),
  connectedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  disconnected: Type.Union([Type.Object({
    account: Type.Union([Type.String(), Type.Null()], { description: 'The account that was disconnected (null when only its stored secret was left).' }),
    by: Type.String({ description: 'The catalog admin\'s sign-in name.' }),
    at: Type.String({ format: 'date-time' })
  }), Type.Null()], { description: 'While no account is connected: which account was disconnected last, by whom, and when (null once an account is connected, and for a catalog never disconnected).' }),
  outbox: Type.Union([Type.Object({
    waiting: Type.Integer({ minimum: 0, maximum: OUTBOX_COUNT_CAP, description: `Notifications queued or being sent, counted up to ${OUTBOX_COUNT_CAP}: a larger backlog reads ${OUTBOX_COUNT_CAP}.` }),
    held: Type.Integer({ minimum: 0, maximum: OUTBOX_COUNT_CAP, description: 'Of those, held because the connection is lost or sending is switched off.' }),
    lastSentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    pacing: Type.Optional(Type.Object({
      reason: Type.Union([Type.Literal('daily-limit'), Type.Literal('sending-quota')], { description: 'daily-limit: the account sent to its daily number of recipients (SEND_RECIPIENTS_PER_DAY) in the last 24 hours; sending-quota: Exchange Online answered that the account reached its daily sending limit (SENDING_QUOTA_EXCEEDED; it also counts mail the account sent by other means).' }),
      resumesAt: Type.String({ format: 'date-time', description: 'The earliest time the next notification may go (a small one: a larger one may wait longer); for sending-quota, when the API asks Exchange again.' }),
      recipientsPerDay: Type.Integer({ minimum: 1, description: 'The daily number of recipients the API keeps each account to.' })
    }, { description: 'Present while waiting notifications are held back for a minute or more by the account\'s daily limit: nothing is wrong with the connection, and they go out by themselves.' }))
  }), Type.Null()], { description: 'The catalog\'s outbox at a glance; null when no account is connected.' }),
  etag: Type.String()
}, { $id: 'ConnectionView' });

export const SettingsChange = Type.Object({
  enabled: Type.Optional(Type.Boolean()),
  transport: Type.Optional(Transport),
  alertRecipients: Type.Optional(Type.Array(Email, { maxItems: 20 }))
}, { additionalProperties: false, minProperties: 1 });

export const IfMatchHeaders = Type.Object({
  'if-match': Type.Optional(Type.String({ maxLength: 200 }))
});

export const StartModern = Type.Object({
  orgConsent: Type.Boolean(),
  transport: Type.Optional(Transport),
  origin: Type.String({ minLength: 1, maxLength: 200, description: 'Origin of the page that opens the sign-in popup; the callback posts its result there.' }),
  nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{32,128}$', description: 'A random value the page keeps for this sign-in and shows again to complete it (binds the sign-in to the browser window that started it; only its hash is stored).' })
}, { additionalProperties: false });

export const CompleteModern = Type.Object({
  completion: Type.String({ pattern: '^[A-Za-z0-9_-]{43}$', description: 'The one-time completion code the callback page posted to the page (or handed Teams).' }),
  nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{32,128}$', description: 'The nonce the page sent when it started this sign-in.' })
}, { additionalProperties: false });

/** The page asks how its sign-in ended: Microsoft's sign-in page cuts the popup's opener (COOP), so the callback cannot always tell it. */
export const ModernResultRequest = Type.Object({
  nonce: Type.String({ pattern: '^[A-Za-z0-9_-]{32,128}$', description: 'The nonce the page sent when it started this sign-in.' })
}, { additionalProperties: false });

export const ModernResult = Type.Object({
  status: Type.Union([Type.Literal('pending'), Type.Literal('signed-in'), Type.Literal('failed')], { description: 'pending: the sign-in window has not come back yet; signed-in: complete it with `completion`; failed: `code` says why.' }),
  completion: Type.Optional(Type.String({ description: 'The one-time completion code (signed-in), as the callback page would have posted it.' })),
  code: Type.Optional(Type.String({ description: 'Why the sign-in failed (failed): a code of the error catalogue.' })),
  upstream: Type.Optional(Type.String({ description: 'What Microsoft 365 answered, when it said (failed): an AADSTS number, a Graph or SMTP code - for the Microsoft 365 admin.' }))
});

export const StartModernResult = Type.Object({
  authorizeUrl: Type.String(),
  expiresAt: Type.String({ format: 'date-time' })
});

export const ConnectClassic = Type.Object({
  email: Email,
  password: Type.String({ minLength: 1, maxLength: 256 })
}, { additionalProperties: false });

export const TestEmail = Type.Object({
  to: Email
}, { additionalProperties: false });

export const TestEmailResult = Type.Object({
  status: Type.Literal('accepted', { description: 'The mail service accepted the message; the recipient\'s mailbox confirms delivery.' }),
  messageId: Type.String()
});

export const CallbackQuery = Type.Object({
  code: Type.Optional(Type.String({ maxLength: 4096 })),
  state: Type.Optional(Type.String({ maxLength: 200 })),
  error: Type.Optional(Type.String({ maxLength: 200 })),
  error_description: Type.Optional(Type.String({ maxLength: 2000 })),
  error_uri: Type.Optional(Type.String({ maxLength: 2000 })),
  error_subcode: Type.Optional(Type.String({ maxLength: 200 })),
  session_state: Type.Optional(Type.String({ maxLength: 200 })),
  admin_consent: Type.Optional(Type.String({ maxLength: 20 })),
  tenant: Type.Optional(Type.String({ maxLength: 200 })),
  scope: Type.Optional(Type.String({ maxLength: 2000 })),
  client_info: Type.Optional(Type.String({ maxLength: 4096 }))
});

/** The callback page's confirmation form (another account than the admin's signed in): its one-time token and the answer. */
export const ConfirmForm = Type.Object({
  token: Type.String({ maxLength: 200 }),
  decision: Type.Union([Type.Literal('connect'), Type.Literal('cancel')])
});

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  code: Type.Union(ERROR_CODES.map((c) => Type.Literal(c))),
  detail: Type.String(),
  remedy: Type.String(),
  upstream: Type.Optional(Type.String()),
  instance: Type.Optional(Type.String())
}, { $id: 'Problem' });

export const Health = Type.Object({ status: Type.String(), checks: Type.Optional(Type.Record(Type.String(), Type.String())) });

export type AuthMethod = Static<typeof AuthMethod>;
export type Transport = Static<typeof Transport>;
export type HealthState = Static<typeof HealthState>;
export type Account = Static<typeof Account>;
export type CatalogParams = Static<typeof CatalogParams>;
export type ConnectionView = Static<typeof ConnectionView>;
export type SettingsChange = Static<typeof SettingsChange>;
export type IfMatchHeaders = Static<typeof IfMatchHeaders>;
export type StartModern = Static<typeof StartModern>;
export type StartModernResult = Static<typeof StartModernResult>;
export type CompleteModern = Static<typeof CompleteModern>;
export type ModernResultRequest = Static<typeof ModernResultRequest>;
export type ModernResult = Static<typeof ModernResult>;
export type ConnectClassic = Static<typeof ConnectClassic>;
export type TestEmail = Static<typeof TestEmail>;
export type TestEmailResult = Static<typeof TestEmailResult>;
export type CallbackQuery = Static<typeof CallbackQuery>;
export type Problem = Static<typeof Problem>;
export type Health = Static<typeof Health>;
