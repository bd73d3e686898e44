import { createHash } from 'node:crypto';
import type { AuthMethod, ConnectionView, ErrorCode, HealthState, SettingsChange, Transport } from '@lms-m365/contracts';
import type { Incident } from '../health/incident';
import type { RoomAccess } from './orgConsent';

/** The ETag of a catalog whose record was never stored. */
export const NEW_CONNECTION_ETAG = 'W/"new"';

/** What callers see (declared once, as a schema, in packages/contracts). */
export type { ConnectionView, HealthState, SettingsChange, Transport };
export type Method = AuthMethod;

/** A catalog's connection as stored: never a secret (those are in the secrets table). */
export interface ConnectionRecord {
  catalog: string;
  connectionId: string;
  /**
   * Counts connects and disconnects (issue 12 point 3): the secret row carries the generation it was
   * stored with, and a sign-in completes only on the generation it started from.
   */
  generation: number;
  enabled: boolean;
  method: Method | null;
  transport: Transport;
  account: { email: string; displayName: string } | null;
  /** MSAL's account key in the catalog's token cache. */
  homeAccountId: string | null;
  health: { state: HealthState; code: ErrorCode | null; checkedAt: string | null };
  alertRecipients: string[];
  /** When tokens were last refreshed or used; drives the keep-alive (R-LOSS-0). */
  lastTokenUseAt: string | null;
  connectedBy: string | null;
  connectedAt?: string | null;
  /** The current or last loss of the connection and its notices (R-LOSS-2). */
  incident?: Incident | null;
  /**
   * Exchange stopped the account from sending (SENDING_BLOCKED: 5.2.253-255, 5.1.8, 5.7.7xx; SEND_AS_DENIED: 5.7.60, 5.2.252;
   * MAILBOX_FULL: its mailbox is over quota, 5.2.2, 5.2.251): the
   * connection itself works (the probe, which sends nothing, cannot tell), so only a send that goes
   * through again clears it. It opens an incident like a loss, so the admins are told.
   */
  blocked?: { code: ErrorCode; since: string } | null;
  /**
   * The last Disconnect while nobody is connected: the account it disconnected, who (the admin's
   * sign-in name) and when. The page and the closing notice of an open alert name them; a connect
   * clears it.
   */
  disconnected?: { account: string | null; by: string; at: string } | null;
}

/**
 * A connection that works as far as anyone knows: connected, or its last check could not tell
 * ("error", R-PAGE-6: Microsoft 365 or the service did not answer) - not lost, so it keeps sending,
 * is probed and kept alive.
 */
export function isWorking(record: Pick<ConnectionRecord, 'health'>): boolean {
  return record.health.state === 'connected' || record.health.state === 'error';
}

export function emptyConnection(catalog: string, connectionId: string): ConnectionRecord {
  return {
    catalog,
    connectionId,
    generation: 0,
    enabled: false,
    method: null,
    transport: 'graph',
    account: null,
    homeAccountId: null,
    health: { state: 'not-connected', code: null, checkedAt: null },
    alertRecipients: [],
    lastTokenUseAt: null,
    connectedBy: null,
    connectedAt: null
  };
}

/** Applies a settings change (the transport is Modern's; Classic keeps it for a later switch). */
export function applySettings(record: ConnectionRecord, change: SettingsChange): ConnectionRecord {
  const next: ConnectionRecord = { ...record };
  if (change.enabled !== undefined) {
    next.enabled = change.enabled;
  }
  if (change.transport !== undefined) {
    next.transport = change.transport;
  }
  if (change.alertRecipients !== undefined) {
    const seen = new Set<string>();
    next.alertRecipients = change.alertRecipients.map((a) => a.trim().toLowerCase()).filter((a) => !seen.has(a) && Boolean(seen.add(a)));
  }
  return next;
}

/** After Disconnect by `by`: no account, no method, nothing to send with (R-DIS-1). Settings stay. */
export function disconnected(record: ConnectionRecord, now: string, by: string): ConnectionRecord {
  return {
    ...record,
    generation: record.generation + 1,
    method: null,
    account: null,
    homeAccountId: null,
    health: { state: 'not-connected', code: null, checkedAt: now },
    lastTokenUseAt: null,
    connectedBy: null,
    connectedAt: null,
    disconnected: { account: record.account?.email ?? null, by, at: now }
  };
}

/**
 * The view's ETag, what a settings change must name in If-Match: the connection (which account,
 * connected when, in which generation) and the settings an admin changes. Not the storage ETag:
 * the API itself writes the record too (health, token use, incidents), and an admin's change
 * made on a page read before such a write is still the change they meant.
 */
export function settingsEtag(record: ConnectionRecord, storageEtag: string): string {
  if (storageEtag === NEW_CONNECTION_ETAG) {
    // Never stored: the documented W/"new" (a PATCH with it creates the record).
    return NEW_CONNECTION_ETAG;
  }
  const what = [record.connectionId, record.generation, record.method, record.account?.email ?? null, record.connectedAt ?? null, record.enabled, record.transport, record.alertRecipients];
  return `"s1-${createHash('sha256').update(JSON.stringify(what), 'utf8').digest('base64url').slice(0, 27)}"`;
}

/** The record's non-internal fields plus the tenant's consent status, room access, the outbox at a glance and the ETag. */
export function toView(record: ConnectionRecord, etag: string, orgConsent: ConnectionView['orgConsent'], rooms: RoomAccess, settingsListFailure: { code: ErrorCode; failedAt: string } | null = null, outbox: ConnectionView['outbox'] = null): ConnectionView {
  return {
    catalog: record.catalog,
    connectionId: record.connectionId,
    enabled: record.enabled,
    method: record.method,
    transport: record.transport,
    account: record.account,
    // While lost, since when: the incident opened then (checkedAt moves with every later probe).
    health: record.health.state === 'lost' && record.incident && !record.incident.resolvedAt ? { ...record.health, since: record.incident.since } : record.health,
    orgConsent,
    rooms,
    ...(settingsListFailure ? { settingsListWarning: settingsListFailure } : {}),
    ...(record.blocked && record.method ? { sendingBlocked: record.blocked } : {}),
    alertRecipients: record.alertRecipients,
    connectedBy: record.connectedBy,
    connectedAt: record.connectedAt ?? null,
    disconnected: record.method ? null : record.disconnected ?? null,
    outbox,
    etag
  };
}
