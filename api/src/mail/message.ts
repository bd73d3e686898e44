/** What a message says: its recipients, subject and bodies (a notification keeps this in the outbox). */
export interface MessageContent {
  to: string[];
  cc: string[];
  bcc: string[];
  subject: string;
  html?: string;
  text?: string;
}

/** One submission to a mailbox service: what every MailTransport sends. */
export interface OutboundMessage extends MessageContent {
  /** RFC 5322 Message-ID with its angle brackets, stable for a notification (and part), so a resubmission is recognisable. */
  messageId: string;
  /** The connected account: the sender (R-USE-1). */
  from: string;
  /** An iCalendar invitation or cancellation (RFC 5546 iTIP over iMIP): the text/calendar part mail clients show Accept/Decline for. */
  calendar?: { method: 'REQUEST' | 'CANCEL'; content: string };
}

/** The Message-ID of a notification's part: the same on every attempt (Graph internetMessageId, SMTP Message-ID). */
export function messageIdFor(notificationId: string, part: number, domain: string): string {
  return `<${notificationId}.${part}@${domain}>`;
}

export interface RecipientPart {
  to: string[];
  cc: string[];
  bcc: string[];
}

/**
 * Exchange Online takes at most `max` recipients per message (500): a larger list is sent as
 * several messages. To and Cc stay together in the first part when they fit (every recipient of
 * that part sees the others); Bcc recipients fill the rest; parts after the first are Bcc-only
 * copies so nobody learns of recipients they were not shown.
 */
export function splitRecipients(recipients: RecipientPart, max: number): RecipientPart[] {
  const visible = [...recipients.to, ...recipients.cc];
  const parts: RecipientPart[] = [];
  if (visible.length <= max) {
    const room = max - visible.length;
    parts.push({ to: recipients.to, cc: recipients.cc, bcc: recipients.bcc.slice(0, room) });
    for (let i = room; i < recipients.bcc.length; i += max) {
      parts.push({ to: [], cc: [], bcc: recipients.bcc.slice(i, i + max) });
    }
    return parts;
  }
  // More visible recipients than one message holds: each part shows its own slice as To.
  for (let i = 0; i < visible.length; i += max) {
    parts.push({ to: visible.slice(i, i + max), cc: [], bcc: [] });
  }
  for (let i = 0; i < recipients.bcc.length; i += max) {
    parts.push({ to: [], cc: [], bcc: recipients.bcc.slice(i, i + max) });
  }
  return parts;
}

export function recipientCount(part: RecipientPart): number {
  return part.to.length + part.cc.length + part.bcc.length;
}
