import { randomUUID } from 'node:crypto';
import type { TenantState } from '../state/tenant-state';
import type { MessageParts, NewMessage, Recipient, StoredMessage } from './store';

export interface Submission extends MessageParts {
  sender: string;
  calendar?: { method: string; ics: string } | null;
  attachments?: { name: string; contentType: string; size: number }[];
  via: StoredMessage['via'];
  saveToSentItems: boolean;
  internetMessageId?: string;
  /** The header block as submitted (SMTP), or the custom x- headers given to Graph. */
  headers?: { name: string; value: string }[];
  /** SMTP: the recipients the server accepted at RCPT TO (lower case) - those it delivers to, whatever the headers say. */
  envelope?: string[];
}

/** Who a submission goes to: SMTP's accepted envelope, else its To, Cc and Bcc. Each once. */
export function targetsOf(s: Submission): string[] {
  return [...new Set(s.envelope ?? [...s.to, ...s.cc, ...s.bcc].map((r) => r.address.toLowerCase()))];
}

const who = (r: Recipient): string => (r.name ? `"${r.name.replace(/["\\]/g, '')}" <${r.address}>` : `<${r.address}>`);

/**
 * The header block a recipient sees for a message submitted without one (Graph, invitations):
 * what Exchange writes when it turns the item into MIME, plus the custom headers given.
 */
export function headersFor(s: Submission, internetMessageId: string, date: Date): { name: string; value: string }[] {
  const list = (rs: Recipient[]): string => rs.map(who).join(', ');
  const out = [
    { name: 'From', value: who(s.from) },
    ...(s.to.length ? [{ name: 'To', value: list(s.to) }] : []),
    ...(s.cc.length ? [{ name: 'CC', value: list(s.cc) }] : []),
    { name: 'Subject', value: s.subject },
    { name: 'Date', value: date.toUTCString().replace('GMT', '+0000') },
    { name: 'Message-ID', value: internetMessageId },
    { name: 'Content-Type', value: s.calendar ? 'multipart/alternative' : s.body.contentType === 'html' ? 'text/html; charset="utf-8"' : 'text/plain; charset="utf-8"' },
    { name: 'MIME-Version', value: '1.0' }
  ];
  return [...out, ...(s.headers ?? [])];
}

/**
 * Files a submitted message as Exchange would: a copy in the sender's Sent Items, one in each
 * recipient's Inbox. Addresses outside the tenant keep their copy too (under that address),
 * so tests can read what left the tenant. A tenant account without a mailbox bounces.
 */
export function deliver(state: TenantState, s: Submission): StoredMessage[] {
  const internetMessageId = s.internetMessageId ?? `<${randomUUID()}@${state.fixture.tenant.domain}>`;
  const now = new Date();
  // Bcc never reaches a recipient's header block; a submission without a Message-ID gets the one
  // Exchange assigns.
  const submitted = s.via === 'smtp' && s.headers ? s.headers : headersFor(s, internetMessageId, now);
  const named = (name: string): boolean => submitted.some((h) => h.name.toLowerCase() === name);
  const headers = [...submitted, ...(named('message-id') ? [] : [{ name: 'Message-ID', value: internetMessageId }])].filter((h) => h.name.toLowerCase() !== 'bcc');
  const base: NewMessage = {
    internetMessageId,
    headers,
    via: s.via,
    from: s.from,
    to: s.to,
    cc: s.cc,
    bcc: [],
    subject: s.subject,
    body: s.body,
    calendar: s.calendar ?? null,
    attachments: s.attachments ?? [],
    sentDateTime: now.toISOString()
  };
  const filed: StoredMessage[] = [];
  if (s.saveToSentItems) filed.push(state.mail.file(s.sender, 'sentitems', { ...base, bcc: s.bcc }));
  for (const address of targetsOf(s)) {
    const account = state.accountByUpn(address);
    if (account && account.mailbox === 'none') {
      filed.push(state.mail.file(s.sender, 'inbox', bounce(state, s, address)));
      continue;
    }
    filed.push(state.mail.file(address, 'inbox', base));
  }
  return filed;
}

function bounce(state: TenantState, s: Submission, address: string): NewMessage {
  return ndr(state, s, `Your message to ${address} couldn't be delivered.\n\nRemote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'`);
}

/** A non-delivery report from the tenant's postmaster to the sender. */
function ndr(state: TenantState, s: Submission, content: string): NewMessage {
  const internetMessageId = `<${randomUUID()}@${state.fixture.tenant.domain}>`;
  const from = { address: `postmaster@${state.fixture.tenant.domain}`, name: 'Microsoft Outlook' };
  const subject = `Undeliverable: ${s.subject}`;
  const now = new Date();
  return {
    internetMessageId,
    headers: headersFor({ ...s, from, to: [s.from], cc: [], bcc: [], subject, body: { contentType: 'text', content }, calendar: null, headers: [] }, internetMessageId, now),
    via: s.via,
    from,
    to: [s.from],
    cc: [],
    bcc: [],
    subject,
    body: { contentType: 'text', content },
    calendar: null,
    attachments: [],
    sentDateTime: now.toISOString()
  };
}

/**
 * Exchange accepts a message with more recipients than the mailbox may address and then
 * delivers it to no one: the sender gets an NDR with 550 5.5.3 (Exchange Online limits,
 * "Recipient limit"; NDR text as Exchange Online words it).
 */
export function rejectForRecipientLimit(state: TenantState, s: Submission, recipients: number, limit: number): void {
  state.mail.file(s.sender, 'inbox', ndr(state, s, `This message wasn't delivered to anyone because there are too many recipients. The limit is ${limit}. This message has ${recipients} recipients.\n\nRemote server returned '550 5.5.3 RESOLVER.ADR.RecipLimit; too many recipients'`));
}

/**
 * The NDR for a message refused past the daily recipient limit (an event's invitation: nobody is
 * there to read a reply). Its code is the bounce's, 550 5.1.90 ("Email non-delivery reports and
 * SMTP errors in Exchange Online"); 554 5.2.0 is what an SMTP AUTH client is answered instead.
 */
export function rejectForQuota(state: TenantState, s: Submission): void {
  state.mail.file(s.sender, 'inbox', ndr(state, s, "Your message can't be sent because you've reached your daily limit for message recipients.\n\nRemote server returned '550 5.1.90 Your message can't be sent because you've reached your daily limit for message recipients'"));
}
