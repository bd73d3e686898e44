import type { ErrorCode } from '../../../src/shared/errors';
import { ApiError } from '../errors/apiError';

export type Method = 'modern' | 'classic';
/** graph and smtp-oauth are Modern's choices (R-MOD-8); classic always sends with smtp. */
export type Transport = 'graph' | 'smtp-oauth' | 'smtp';
export type HealthState = 'not-connected' | 'connected' | 'lost' | 'error';

/** A catalog's connection as stored: never a secret (those are in the secrets table). */
export interface ConnectionRecord {
  catalog: string;
  connectionId: string;
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
}

export function emptyConnection(catalog: string, connectionId: string): ConnectionRecord {
  return {
    catalog,
    connectionId,
    enabled: false,
    method: null,
    transport: 'graph',
    account: null,
    homeAccountId: null,
    health: { state: 'not-connected', code: null, checkedAt: null },
    alertRecipients: [],
    lastTokenUseAt: null,
    connectedBy: null
  };
}

export interface SettingsChange {
  enabled?: boolean;
  transport?: 'graph' | 'smtp-oauth';
  alertRecipients?: string[];
}

/** Applies a settings change; a transport choice only means something for Modern. */
export function applySettings(record: ConnectionRecord, change: SettingsChange): ConnectionRecord {
  const next: ConnectionRecord = { ...record };
  if (change.enabled !== undefined) {
    next.enabled = change.enabled;
  }
  if (change.transport !== undefined) {
    if (record.method === 'classic') {
      throw new ApiError('VALIDATION_FAILED', { detail: 'transport: a Classic connection always sends through SMTP; choose Modern to pick a transport.' });
    }
    next.transport = change.transport;
  }
  if (change.alertRecipients !== undefined) {
    const seen = new Set<string>();
    next.alertRecipients = change.alertRecipients.map((a) => a.trim().toLowerCase()).filter((a) => !seen.has(a) && Boolean(seen.add(a)));
  }
  return next;
}

/** After Disconnect: no account, no method, nothing to send with (R-DIS-1). Settings stay. */
export function disconnected(record: ConnectionRecord, now: string): ConnectionRecord {
  return {
    ...record,
    method: null,
    transport: record.transport === 'smtp' ? 'graph' : record.transport,
    account: null,
    homeAccountId: null,
    health: { state: 'not-connected', code: null, checkedAt: now },
    lastTokenUseAt: null,
    connectedBy: null
  };
}

export interface ConnectionView {
  catalog: string;
  connectionId: string;
  enabled: boolean;
  method: Method | null;
  transport: Transport;
  account: { email: string; displayName: string } | null;
  health: { state: HealthState; code: ErrorCode | null; checkedAt: string | null };
  orgConsent: { granted: boolean; canGrant: boolean };
  alertRecipients: string[];
  etag: string;
}

export function toView(record: ConnectionRecord, etag: string, orgConsent: { granted: boolean; canGrant: boolean }): ConnectionView {
  return {
    catalog: record.catalog,
    connectionId: record.connectionId,
    enabled: record.enabled,
    method: record.method,
    transport: record.transport,
    account: record.account,
    health: record.health,
    orgConsent,
    alertRecipients: record.alertRecipients,
    etag
  };
}
