import { Static, Type } from '@sinclair/typebox';

/** The LMS-facing shapes (R-OPS-4) and the deliveries list (R-OPS-2): validation, serialisation, /openapi.json and the typed client. */

const Email = Type.String({ format: 'email', maxLength: 254 });
/** A notification's priority, as asked and as its status says it. */
const PRIORITIES = [Type.Literal('urgent'), Type.Literal('normal'), Type.Literal('bulk')];

/**
 * One line of text - a subject, a title, a display name: no control characters. A line break
 * would be folded away by the mail libraries at best; refusing it tells the LMS what it sent.
 */
const NOT_CONTROL = '[^\\u0000-\\u001f\\u007f-\\u009f]';
export const ONE_LINE = `^${NOT_CONTROL}*$`;
/** ONE_LINE with something to read in it (not only spaces): a subject, a title. */
export const ONE_LINE_TEXT = `^(?=${NOT_CONTROL}*\\S)${NOT_CONTROL}*$`;

/**
 * An idempotency key: no control characters, no white space at either end - what a header can
 * carry once its surrounding spaces are dropped, so a key is one key in the header and in a batch.
 */
export const IDEMPOTENCY_KEY = '^[^\\s\\u0000-\\u001f\\u007f]([^\\u0000-\\u001f\\u007f]*[^\\s\\u0000-\\u001f\\u007f])?$';

const Recipients = Type.Array(Email, { maxItems: 5000 });

export const MAX_RECIPIENTS = 5000;

const NotificationFields = {
  to: Type.Optional(Recipients),
  cc: Type.Optional(Recipients),
  bcc: Type.Optional(Recipients),
  subject: Type.String({ minLength: 1, maxLength: 255, pattern: ONE_LINE_TEXT, description: 'One line: no control characters, not only spaces.' }),
  html: Type.Optional(Type.String({ minLength: 1, maxLength: 200_000, description: 'HTML body; with text, the message has both parts (SMTP) or HTML wins (Graph).' })),
  text: Type.Optional(Type.String({ minLength: 1, maxLength: 100_000 })),
  priority: Type.Optional(Type.Union(PRIORITIES, { default: 'normal', description: 'Urgent goes before normal, normal before bulk; within a priority, oldest first.' })),
  notBefore: Type.Optional(Type.String({ format: 'date-time', description: 'Not sent before this time; at most 366 days ahead.' })),
  expiresAt: Type.Optional(Type.String({ format: 'date-time', description: 'Not sent after this time: recorded as expired instead (R-LOSS-3).' }))
};

export const Notification = Type.Object(NotificationFields, { additionalProperties: false, $id: 'Notification' });

export const NotificationBatch = Type.Object({
  items: Type.Array(Type.Object({
    key: Type.String({ minLength: 1, maxLength: 200, pattern: IDEMPOTENCY_KEY, description: 'Idempotency key of this item: the same rule as the Idempotency-Key header (no control characters, no white space at either end).' }),
    ...NotificationFields
  }, { additionalProperties: false }), { minItems: 1, maxItems: 1000 })
}, { additionalProperties: false });

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ maxLength: 802, description: 'Required: the same key returns the same notification and never sends twice. The key as sent (1-200 characters; UTF-8 bytes are read as UTF-8), or an RFC 8941 string ("abc" is the key abc).' }))
});

export const NotificationParams = Type.Object({
  catalog: Type.String({ minLength: 1, maxLength: 400 }),
  id: Type.String({ minLength: 1, maxLength: 64 })
}, { additionalProperties: false });

const NotificationStatusValue = Type.Union(['queued', 'sending', 'sent', 'held', 'expired', 'failed', 'cancelled'].map((s) => Type.Literal(s)), {
  description: 'held: queued while the catalog\'s connection is lost or its sending is switched off; it goes out when that ends. cancelled: the LMS cancelled it before it was sent (POST .../notifications/{id}/cancel).'
});

export const NotificationAccepted = Type.Object({
  id: Type.String(),
  status: NotificationStatusValue,
  duplicate: Type.Boolean({ description: 'true when the key was seen before: this is the notification it made.' })
}, { $id: 'NotificationAccepted' });

export const NotificationBatchAccepted = Type.Object({
  items: Type.Array(Type.Union([
    Type.Object({ key: Type.String(), id: Type.String(), status: NotificationStatusValue, duplicate: Type.Boolean() }),
    Type.Object({ key: Type.String(), existingId: Type.Optional(Type.String({ description: 'IDEMPOTENCY_KEY_REUSED: the notification the key made with another body.' })), error: Type.Object({ code: Type.String(), title: Type.String(), detail: Type.Optional(Type.String({ description: 'What this item met: another item of this batch with the same key, or a key used before.' })) }) })
  ]))
});

export const NotificationStatus = Type.Object({
  id: Type.String(),
  catalog: Type.String(),
  status: NotificationStatusValue,
  code: Type.Union([Type.String(), Type.Null()], { description: 'Why it failed, expired, was cancelled, is held or waits for a retry; once sent, why some recipients were refused (see refusedRecipients): a code of the error catalogue.' }),
  priority: Type.Union(PRIORITIES),
  recipients: Type.Integer(),
  createdAt: Type.String({ format: 'date-time' }),
  notBefore: Type.String({ format: 'date-time' }),
  expiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  dueAt: Type.Optional(Type.String({ format: 'date-time', description: 'Present while it is queued and waits for a later time: its notBefore, or its next try after a passing fault. It goes then, or soon after if the mailbox\'s pacing holds it.' })),
  attempts: Type.Integer({ description: 'Times a worker took it to send it: a retry after a passing fault, or going on after a pause (a long list sent as several messages, waiting for the mailbox\'s pacing between them), counts again. Not failures.' }),
  resubmissions: Type.Integer({ description: 'Submissions repeated with the same Message-ID after a crash, or after the mail service answered with a server error or not at all (at-least-once; an upper bound of the duplicates).' }),
  pacing: Type.Optional(Type.Object({
    reason: Type.Union([Type.Literal('daily-limit'), Type.Literal('sending-quota')], { description: 'daily-limit: the connected account sent to its daily number of recipients in the last 24 hours; sending-quota: Exchange Online answered that the account reached its daily sending limit.' }),
    resumesAt: Type.String({ format: 'date-time', description: 'The earliest time it may go (sending-quota: when the API asks Exchange again).' })
  }, { description: 'Present while this queued notification is due but held back for a minute or more by the connected account\'s daily limit; it goes by itself.' })),
  refusedRecipients: Type.Optional(Type.Integer({ minimum: 1, description: 'Sent, but the mail service refused this many recipients while it took the message for the others (SMTP RCPT TO; a server other than Exchange Online - which accepts and bounces to the account instead): they did not get it and it is not sent to them again. `code` says why.' })),
  messageId: Type.String({ description: 'The Message-ID of the first message (one per 500 recipients).' }),
  history: Type.Array(Type.Object({ at: Type.String({ format: 'date-time' }), status: NotificationStatusValue, code: Type.Optional(Type.String()), resubmission: Type.Optional(Type.Boolean()) }))
}, { $id: 'NotificationStatus' });

export const DeliveriesQuery = Type.Object({
  limit: Type.Optional(Type.String({ pattern: '^(100|[1-9][0-9]?)$', description: 'Items a page, 1 to 100 (default 25).' })),
  cursor: Type.Optional(Type.String({ maxLength: 60, pattern: '^([0-9]{1,15}|[0-9]{1,15}\\.[0-9a-f-]{36})$', description: 'From the previous page\'s nextCursor (opaque: the page goes on after the last item of the previous one, so deliveries queued meanwhile do not shift it).' })),
  status: Type.Optional(NotificationStatusValue)
}, { additionalProperties: false });

const Count = Type.Integer({ minimum: 0 });
const Counts = Type.Object({ queued: Count, sending: Count, sent: Count, held: Count, expired: Count, failed: Count, cancelled: Count });

export const Deliveries = Type.Object({
  counts: Counts,
  items: Type.Array(Type.Object({
    id: Type.String(),
    kind: Type.Union([Type.Literal('notification'), Type.Literal('invitation')], { description: 'invitation: a session\'s invitation, update or cancellation.' }),
    subject: Type.String(),
    recipients: Type.Integer(),
    status: NotificationStatusValue,
    code: Type.Union([Type.String(), Type.Null()]),
    refusedRecipients: Type.Optional(Type.Integer({ minimum: 1, description: 'Sent, but this many recipients were refused by the mail service (`code` says why).' })),
    createdAt: Type.String({ format: 'date-time' }),
    sentAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    dueAt: Type.Optional(Type.String({ format: 'date-time', description: 'Present while it is queued and waits for a later time: its notBefore, or its next try after a passing fault. It goes then, or soon after if the mailbox\'s pacing holds it.' })),
    updatedAt: Type.String({ format: 'date-time' })
  })),
  nextCursor: Type.Union([Type.String(), Type.Null()]),
  truncated: Type.Boolean({ description: 'true when the catalog has more notifications than the list reads (the oldest are left out).' })
}, { $id: 'Deliveries' });

export type NotificationBody = Static<typeof Notification>;
export type DeliveriesBody = Static<typeof Deliveries>;
export type DeliveriesQueryType = Static<typeof DeliveriesQuery>;
export type NotificationBatchBody = Static<typeof NotificationBatch>;
export type NotificationStatusBody = Static<typeof NotificationStatus>;
