import type { IConnectionView } from './connection';

/** The one state the top of the page shows (issue 14, point 1). */
export type SummaryState = 'sending' | 'paused' | 'lost' | 'not-connected';

export function summaryState(view: IConnectionView): SummaryState {
  if (view.account === null || view.method === null || view.health.state === 'not-connected') {
    return 'not-connected';
  }
  if (view.health.state === 'lost' || view.health.state === 'error') {
    return 'lost';
  }
  return view.enabled ? 'sending' : 'paused';
}

/**
 * The API counts a catalog's outbox up to this many (OUTBOX_COUNT_CAP in packages/contracts: a
 * count is a read of its queue rows); a count that reached it is "10,000+", never a total.
 */
export const OUTBOX_COUNT_CAP = 10000;

/** A count as the page shows it: with the language's digit grouping, "+" once it reached the API's cap. */
export function countText(count: number, locale: string): string {
  return count >= OUTBOX_COUNT_CAP ? `${OUTBOX_COUNT_CAP.toLocaleString(locale)}+` : count.toLocaleString(locale);
}
