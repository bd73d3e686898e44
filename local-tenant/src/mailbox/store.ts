import { randomUUID } from 'node:crypto';

export interface Recipient {
  address: string;
  name: string | null;
}

export type Folder = 'inbox' | 'sentitems';

/** Who a message is from and to, and what it says: as submitted, and as each copy is stored. */
export interface MessageParts {
  from: Recipient;
  to: Recipient[];
  cc: Recipient[];
  bcc: Recipient[];
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
}

/** One copy of a message in one mailbox folder (each recipient and the sender get their own). */
export interface StoredMessage extends MessageParts {
  id: string;
  mailbox: string;
  folder: Folder;
  internetMessageId: string;
  /** The header block as the recipient sees it, in order. */
  headers: { name: string; value: string }[];
  /** How it was submitted: Graph sendMail, an event invitation, or SMTP. */
  via: 'graph' | 'smtp' | 'calendar';
  /** text/calendar part, when the message is an invitation, update or cancellation. */
  calendar: { method: string; ics: string } | null;
  attachments: { name: string; contentType: string; size: number }[];
  sentDateTime: string;
  receivedDateTime: string;
}

export type NewMessage = Omit<StoredMessage, 'id' | 'mailbox' | 'folder' | 'receivedDateTime'>;

export interface Attendee {
  emailAddress: { address: string; name: string };
  type: 'required' | 'optional' | 'resource';
  status: { response: 'none' | 'accepted' | 'declined' | 'tentativelyAccepted' | 'organizer'; time: string };
}

export interface DateTimeTimeZone {
  dateTime: string;
  timeZone: string;
}

/** A calendar event as Graph returns it (the subset the product uses). */
export interface CalendarEvent {
  /** The event's id as Graph gives it by default: it changes when the item moves to another calendar or folder. */
  id: string;
  /** Its id under `Prefer: IdType="ImmutableId"`: it stays while the item stays in the mailbox. */
  immutableId: string;
  iCalUId: string;
  mailbox: string;
  createdDateTime: string;
  lastModifiedDateTime: string;
  changeKey: string;
  sequence: number;
  subject: string;
  body: { contentType: 'text' | 'html'; content: string };
  start: DateTimeTimeZone;
  end: DateTimeTimeZone;
  location: { displayName: string; locationEmailAddress?: string; locationType?: string };
  locations: { displayName: string; locationEmailAddress?: string; locationType?: string }[];
  attendees: Attendee[];
  organizer: { emailAddress: { address: string; name: string } };
  isOnlineMeeting: boolean;
  onlineMeetingProvider: 'unknown' | 'teamsForBusiness';
  onlineMeeting: { joinUrl: string } | null;
  isCancelled: boolean;
  transactionId: string | null;
  /** singleValueExtendedProperties set at creation (not part of the event's JSON unless expanded). */
  extendedProperties: { id: string; value: string }[];
  showAs: 'busy' | 'free';
}

/** The Exchange side of the tenant: every mailbox's messages and calendar. */
export class MailStore {
  private messages: StoredMessage[] = [];
  private events: CalendarEvent[] = [];

  clear(): void {
    this.messages = [];
    this.events = [];
  }

  /** Files one copy in `mailbox`'s folder and returns it. */
  file(mailbox: string, folder: Folder, message: NewMessage): StoredMessage {
    const stored: StoredMessage = { ...message, id: randomUUID(), mailbox: mailbox.toLowerCase(), folder, receivedDateTime: new Date().toISOString() };
    this.messages.push(stored);
    return stored;
  }

  messagesOf(mailbox: string, folder?: Folder): StoredMessage[] {
    const m = mailbox.toLowerCase();
    return this.messages.filter((x) => x.mailbox === m && (!folder || x.folder === folder));
  }

  message(id: string): StoredMessage | undefined {
    return this.messages.find((m) => m.id === id);
  }

  /** Mailboxes that hold anything, including addresses outside the tenant (kept so tests can read them). */
  mailboxesWithMail(): string[] {
    return [...new Set(this.messages.map((m) => m.mailbox))].sort();
  }

  addEvent(event: CalendarEvent): CalendarEvent {
    this.events.push(event);
    return event;
  }

  eventsOf(mailbox: string): CalendarEvent[] {
    const m = mailbox.toLowerCase();
    return this.events.filter((e) => e.mailbox === m);
  }

  event(mailbox: string, id: string): CalendarEvent | undefined {
    // Graph takes either kind of id in a request, whatever the Prefer header says (Obtain immutable identifiers for Outlook resources).
    return this.eventsOf(mailbox).find((e) => e.id === id || e.immutableId === id);
  }

  removeEvent(event: CalendarEvent): void {
    this.events = this.events.filter((e) => e !== event);
  }

  /** Removes a mailbox's content, as deleting the mailbox (licence removal) does. */
  dropMailbox(mailbox: string): void {
    const m = mailbox.toLowerCase();
    this.messages = this.messages.filter((x) => x.mailbox !== m);
    this.events = this.events.filter((e) => e.mailbox !== m);
  }
}
