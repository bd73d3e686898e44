import { randomUUID } from 'node:crypto';
import type { TenantState } from '../state/tenant-state';
import type { NewMessage, Recipient, StoredMessage } from './store';

export interface Submission {
  sender: string;
  from: Recipient;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  calendar?: { method: string; ics: string } | null;
  attachments?: { name: string; contentType: string; size: number }[];
  via: StoredMessage['via'];
  saveToSentItems: boolean;
  internetMessageId?: string;
}

/**
 * Files a submitted message as Exchange would: a copy in the sender's Sent Items, one in each
 * recipient's Inbox. Addresses outside the tenant keep their copy too (under that address),
 * so tests can read what left the tenant. A tenant account without a mailbox bounces.
 */
export function deliver(state: TenantState, s: Submission): StoredMessage[] {
  const base: NewMessage = {
    internetMessageId: s.internetMessageId ?? `<${randomUUID()}@${state.fixture.tenant.domain}>`,
    via: s.via,
    from: s.from,
    to: s.to,
    cc: s.cc,
    bcc: [],
    subject: s.subject,
    body: s.body,
    calendar: s.calendar ?? null,
    attachments: s.attachments ?? [],
    sentDateTime: new Date().toISOString()
  };
  const filed: StoredMessage[] = [];
  if (s.saveToSentItems) filed.push(state.mail.file(s.sender, 'sentitems', { ...base, bcc: s.bcc }));
  const seen = new Set<string>();
  for (const r of [...s.to, ...s.cc, ...s.bcc]) {
    const address = r.address.toLowerCase();
    if (seen.has(address)) continue;
    seen.add(address);
    const account = state.accountByUpn(address);
    if (account && account.mailbox === 'none') {
      filed.push(state.mail.file(s.sender, 'inbox', bounce(state, s, r)));
      continue;
    }
    filed.push(state.mail.file(address, 'inbox', base));
  }
  return filed;
}

function bounce(state: TenantState, s: Submission, r: Recipient): NewMessage {
  return {
    internetMessageId: `<${randomUUID()}@${state.fixture.tenant.domain}>`,
    via: s.via,
    from: { address: `postmaster@${state.fixture.tenant.domain}`, name: 'Microsoft Outlook' },
    to: [s.from],
    cc: [],
    bcc: [],
    subject: `Undeliverable: ${s.subject}`,
    body: { contentType: 'text', content: `Your message to ${r.address} couldn't be delivered.\n\nRemote server returned '550 5.1.10 RESOLVER.ADR.RecipientNotFound; Recipient not found by SMTP address lookup'` },
    calendar: null,
    attachments: [],
    sentDateTime: new Date().toISOString()
  };
}
