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
