import type { AttemptCounter } from '../auth/classicAttempts';
import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import type { ConnectionRecord } from './model';

/** A day: the test-email counters' window (each UTC day has its own key, so a new day starts a new count). */
export const TEST_EMAIL_WINDOW_SECONDS = 86_400;

/**
 * A test email is sent as the catalog's account to an address the admin types, so unchecked it
 * lets a catalog admin mail anyone as that account. It may go to the tenant's own domains and to
 * the catalog's alert recipients, and at most `perCatalogPerDay` times per catalog and UTC day,
 * counted before it is sent in `counter` - the `limits` table, which every instance shares
 * (docs/security.md), so more instances do not mean more test emails.
 */
export function testEmailPolicy(config: ApiConfig['testEmail'], counter: AttemptCounter, now: () => number = Date.now): (record: ConnectionRecord, to: string) => Promise<void> {
  return async (record, to) => {
    const address = to.trim().toLowerCase();
    const domain = address.slice(address.lastIndexOf('@') + 1);
    if (!config.domains.includes(domain) && !record.alertRecipients.includes(address)) {
      throw new ApiError('TEST_RECIPIENT_NOT_ALLOWED');
    }
    const today = new Date(now()).toISOString().slice(0, 10);
    const refused = await counter.take([{ key: `test-email:${record.catalog.toLowerCase()}|${today}`, limit: config.perCatalogPerDay }]);
    if (refused > 0) {
      const midnight = Date.parse(`${today}T00:00:00Z`) + TEST_EMAIL_WINDOW_SECONDS * 1000;
      throw new ApiError('TEST_EMAIL_QUOTA_EXCEEDED', { retryAfterSeconds: Math.max(1, Math.ceil((midnight - now()) / 1000)) });
    }
  };
}
