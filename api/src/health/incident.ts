import { randomUUID } from 'node:crypto';
import type { ErrorCode } from '@lms-m365/contracts';
import { isWorking, type ConnectionRecord } from '../connections/model';

/** A notice that one worker sends at a time: claimed (sending) until `claimedUntil`, then sent. */
export interface Notice {
  claimedUntil: string | null;
  sentAt: string | null;
  /** A reminder's number in its incident (1, 2 ...), kept by a retry: its message's id is unique per reminder. */
  seq?: number;
}

/**
 * One loss of a catalog's connection (R-LOSS-2): opened when the connection turns lost, resolved
 * when it works again (or is disconnected). Its notices go out once per incident, whichever API
 * instance, restart or failure sees it: the claim is an ETag-conditional write of the record.
 */
export interface Incident {
  id: string;
  code: ErrorCode;
  since: string;
  alert: Notice;
  /** The last reminder while still lost (ALERT_REMINDER_DAYS after the alert or the previous reminder). */
  reminder: Notice | null;
  resolvedAt: string | null;
  /**
   * The notice that closes it, owed once the alert went out: the connection works again (the
   * restored notice), or an admin disconnected the account (`disconnected` says so).
   */
  restored: Notice | null;
  /**
   * Ended by Disconnect: the account that was connected, the admin who had connected it (the record
   * keeps neither after a disconnect; the closing notice names the one and goes to the other) and
   * the admin who disconnected it (absent in incidents closed before it was kept).
   */
  disconnected?: { account: string | null; connectedBy: string | null; by?: string | null };
  /** The catalog's outbox counters when the connection came back: the restored notice reports what went out since. */
  atResolution: OutboxCounters | null;
}

export interface OutboxCounters {
  pending: number;
  sent: number;
  expired: number;
  failed: number;
  /** Cancelled by the LMS (absent in counters stored before it was kept: none). */
  cancelled?: number;
}

const NO_NOTICE: Notice = { claimedUntil: null, sentAt: null };

/**
 * Opens or resolves the incident as a record's health changes; every record write goes through it
 * (connections/connectionWriter.ts), so no path that changes health can forget it.
 */
export function followIncident(previous: ConnectionRecord, next: ConnectionRecord, now: string, newId: () => string = randomUUID): ConnectionRecord {
  const wasLost = previous.health.state === 'lost';
  const isLost = next.health.state === 'lost';
  const opened = (code: ErrorCode): ConnectionRecord => ({ ...next, incident: { id: newId(), code, since: now, alert: NO_NOTICE, reminder: null, resolvedAt: null, restored: null, atResolution: null } });
  if (isLost && !wasLost) {
    return opened(next.health.code ?? 'TOKEN_REVOKED');
  }
  // A sending block is an incident too (its notices say so): opened when neither it nor a loss was.
  if (next.blocked && !previous.blocked && !wasLost && !isLost) {
    return opened(next.blocked.code);
  }
  const open = next.incident && !next.incident.resolvedAt ? next.incident : null;
  if (!isLost && !next.blocked && open) {
    // An alert claimed may be on its way: its closing notice is owed once it went out (dueNotice).
    const alerted = Boolean(open.alert?.sentAt || open.alert?.claimedUntil);
    // Disconnected: those alerted are told the alert is closed, not left waiting for a reconnect.
    const disconnected = next.health.state === 'not-connected' && previous.account ? { disconnected: { account: previous.account.email, connectedBy: previous.connectedBy, by: next.disconnected?.by ?? null } } : {};
    // Working again: connected, or a check that could not tell ("error") - which never replaces a
    // loss (ConnectionWriter.recordHealth), but may be the health a lifted sending block leaves.
    const closingWanted = alerted && (isWorking(next) || 'disconnected' in disconnected);
    return { ...next, incident: { ...open, resolvedAt: now, restored: closingWanted ? NO_NOTICE : null, ...(closingWanted ? disconnected : {}) } };
  }
  return next;
}

export type NoticeKind = 'alert' | 'reminder' | 'restored';

/** Has `now` reached `at`? An unparsable date (a broken stored value) counts as reached, so no notice waits on it for ever. */
const reached = (at: string, now: number): boolean => !(Date.parse(at) > now);

const free = (notice: Notice | null, now: number): boolean => notice !== null && notice.sentAt === null && (notice.claimedUntil === null || reached(notice.claimedUntil, now));

/** Which notice of the incident is due now, if any. */
export function dueNotice(incident: Incident | null | undefined, now: number, reminderMs: number): NoticeKind | null {
  if (!incident) {
    return null;
  }
  if (incident.resolvedAt) {
    // Never before the alert: it may still be on its way (resolved while claimed), or never have gone.
    return incident.alert.sentAt && free(incident.restored, now) ? 'restored' : null;
  }
  if (free(incident.alert, now)) {
    return 'alert';
  }
  const last = incident.reminder?.sentAt ?? incident.alert.sentAt;
  // (A broken date counts as long ago: one reminder, and the next one counts from it.)
  // (No reminders at all with ALERT_REMINDER_DAYS=0.)
  if (reminderMs > 0 && incident.alert.sentAt && last && !(now - Date.parse(last) < reminderMs)) {
    const reminder = incident.reminder;
    if (!reminder || reminder.sentAt !== null || free(reminder, now)) {
      return 'reminder';
    }
  }
  return null;
}

function setNotice(incident: Incident, kind: NoticeKind, notice: Notice): Incident {
  return kind === 'alert' ? { ...incident, alert: notice } : kind === 'reminder' ? { ...incident, reminder: notice } : { ...incident, restored: notice };
}

export function noticeOf(incident: Incident, kind: NoticeKind): Notice | null {
  return kind === 'alert' ? incident.alert : kind === 'reminder' ? incident.reminder : incident.restored;
}

/**
 * The record with the notice claimed until `until` (the caller writes it conditionally). A reminder
 * claimed after the last one went out is the next one; one claimed again (its claim lapsed) keeps its number.
 */
export function claimNotice(incident: Incident, kind: NoticeKind, until: string): Incident {
  const previous = incident.reminder;
  const seq = kind !== 'reminder' ? undefined : !previous ? 1 : (previous.seq ?? 1) + (previous.sentAt !== null ? 1 : 0);
  return setNotice(incident, kind, { claimedUntil: until, sentAt: null, ...(seq === undefined ? {} : { seq }) });
}

export function noticeSent(incident: Incident, kind: NoticeKind, at: string): Incident {
  return setNotice(incident, kind, { ...noticeOf(incident, kind), claimedUntil: null, sentAt: at });
}
