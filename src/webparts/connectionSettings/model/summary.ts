import type { IConnectionSettingsStrings } from '../loc/IConnectionSettingsStrings';
import type { IConnectionView } from './connection';

/** The one state the top of the page shows (issue 14, point 1). */
export type SummaryState = 'sending' | 'paused' | 'lost' | 'not-connected';

export function summaryState(view: IConnectionView): SummaryState {
  if (view.account === null || view.method === null || view.health.state === 'not-connected') {
    return 'not-connected';
  }
  // "error" (a check that could not tell: Microsoft 365 or the service did not answer) is no loss:
  // sending goes on, and the card says so beside the state (StatusSummary).
  if (view.health.state === 'lost') {
    return 'lost';
  }
  return view.enabled ? 'sending' : 'paused';
}

/**
 * The API counts a catalog's outbox up to this many (OUTBOX_COUNT_CAP in packages/contracts: a
 * count is a read of its queue rows); a count that reached it is "10,000+", never a total.
 */
export const OUTBOX_COUNT_CAP = 10000;

/** A count alone (a table cell), with the language's digit grouping: "10,000+" (ja "10,000 以上") once it reached the API's cap. */
export function countText(count: number, strings: Pick<IConnectionSettingsStrings, 'locale' | 'countAtLeast'>): string {
  return count >= OUTBOX_COUNT_CAP ? strings.countAtLeast.replace('{0}', OUTBOX_COUNT_CAP.toLocaleString(strings.locale)) : count.toLocaleString(strings.locale);
}

/** A count of notifications in a sentence: as countText, with the unit Japanese counts in ("3 件", "10,000 件以上"). */
export function itemsText(count: number, strings: Pick<IConnectionSettingsStrings, 'locale' | 'countItems' | 'countItemsAtLeast'>): string {
  const capped = count >= OUTBOX_COUNT_CAP;
  return (capped ? strings.countItemsAtLeast : strings.countItems).replace('{0}', (capped ? OUTBOX_COUNT_CAP : count).toLocaleString(strings.locale));
}
