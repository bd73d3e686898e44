import { LRUCache } from 'lru-cache';
import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import type { ConnectionRecord } from './model';

/**
 * A test email is sent as the catalog's account to an address the admin types, so unchecked it
 * lets a catalog admin mail anyone as that account. It may go to the tenant's own domains and to
 * the catalog's alert recipients, and at most `perCatalogPerDay` times per catalog and UTC day.
 * The count is kept per instance (docs/security.md).
 */
export function testEmailPolicy(config: ApiConfig['testEmail'], now: () => number = Date.now): (record: ConnectionRecord, to: string) => Promise<void> {
  const sent = new LRUCache<string, number>({ max: 100_000, ttl: 2 * 86_400_000 });
  return async (record, to) => {
    const address = to.trim().toLowerCase();
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (!config.domains.includes(domain) && !record.alertRecipients.includes(address)) {
      throw new ApiError('TEST_RECIPIENT_NOT_ALLOWED');
    }
    const today = new Date(now()).toISOString().slice(0, 10);
    const key = `${record.catalog.toLowerCase()}|${today}`;
    const count = sent.get(key) ?? 0;
    if (count >= config.perCatalogPerDay) {
      const midnight = Date.parse(`${today}T00:00:00Z`) + 86_400_000;
      throw new ApiError('TEST_EMAIL_QUOTA_EXCEEDED', { retryAfterSeconds: Math.ceil((midnight - now()) / 1000) });
    }
    sent.set(key, count + 1);
  };
}
