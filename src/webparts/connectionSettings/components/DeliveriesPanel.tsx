import * as React from 'react';
import { ActionButton, DefaultButton } from '@fluentui/react/lib/Button';
import { Icon } from '@fluentui/react/lib/Icon';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Spinner, SpinnerSize } from '@fluentui/react/lib/Spinner';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { useTheme } from '@fluentui/react/lib/Theme';
import { format, type IConnectionSettingsStrings } from '../loc';
import { toAppError, type IAppError } from '../model/appError';
import type { AuthMethod } from '../model/connection';
import { messageForCode } from '../model/errorMessage';
import { countText, itemsText, type SummaryState } from '../model/summary';
import type { DeliveryStatus, IDeliveries, IDeliveriesApi, IDeliveriesPage, IDelivery } from '../services/interfaces';
import { ErrorBar } from './ErrorBar';
import { formatTime } from './formatTime';
import { useIds } from './ids';

/** Items a page: enough to see what just happened, small enough for a Teams side panel. */
export const DELIVERIES_PAGE_SIZE = 10;

export interface IDeliveriesPanelProps {
  strings: IConnectionSettingsStrings;
  api: IDeliveriesApi;
  /** The state the summary above shows: held items are called out while the connection is lost or sending is off. */
  state: SummaryState;
  /** The catalog's sending switch: what is held while no account is connected also waits for it. */
  enabled?: boolean;
  /** The connection's method, so a failure's remedy fits it. */
  method: AuthMethod | null;
  /** A code the summary above explains already (Exchange's sending block): not said again under each item. */
  saidAbove?: string | null;
  /** Changes whenever the connection changes (a reconnect, a check, a save): the panel reads its first page again. */
  refreshKey: string;
  /** While items are on their way the panel reads its first page again this often (ms); 0 turns it off. */
  pollMs?: number;
  /**
   * The counts of each first page read, and the newest send on it (for the status card, which the
   * page does not read again); `truncated`: they count only the newest deliveries of a longer outbox.
   */
  onCounts?: (counts: IDeliveries['counts'], lastSentAt: string | null, truncated: boolean) => void;
}

const ORDER: DeliveryStatus[] = ['sent', 'queued', 'sending', 'held', 'expired', 'failed', 'cancelled'];
const ICONS: Record<DeliveryStatus, string> = {
  sent: 'CompletedSolid', queued: 'Clock', sending: 'Send', held: 'CirclePause', expired: 'Blocked2', failed: 'ErrorBadge', cancelled: 'Cancel'
};

function isKnown(status: string): status is DeliveryStatus {
  return ORDER.indexOf(status as DeliveryStatus) >= 0;
}

function statusText(status: DeliveryStatus, strings: IConnectionSettingsStrings): string {
  switch (status) {
    case 'sent': return strings.deliveryStatusSent;
    case 'queued': return strings.deliveryStatusQueued;
    case 'sending': return strings.deliveryStatusSending;
    case 'held': return strings.deliveryStatusHeld;
    case 'expired': return strings.deliveryStatusExpired;
    case 'cancelled': return strings.deliveryStatusCancelled;
    default: return strings.deliveryStatusFailed;
  }
}

/** The sentence that calls held items out, or none (nothing held, or nothing that holds them). */
export function heldNotice(state: SummaryState, held: number, strings: IConnectionSettingsStrings, enabled: boolean = true): string | undefined {
  if (held === 0) {
    return undefined;
  }
  const count = itemsText(held, strings);
  if (state === 'lost') {
    return format(strings.deliveriesHeldWhileLost, count);
  }
  if (state === 'paused') {
    return format(strings.deliveriesHeldWhilePaused, count);
  }
  if (state === 'not-connected') {
    return format(enabled ? strings.deliveriesHeldWhileNotConnected : strings.deliveriesHeldWhileNotConnectedOff, count);
  }
  return undefined;
}

/**
 * `items` and then those of `more` not among them. The API's cursor goes on after the last item
 * listed; an API from before that (an offset cursor) would shift the next page onto items already
 * listed when deliveries were queued meanwhile.
 */
function withoutRepeats(items: IDelivery[], more: IDelivery[]): IDelivery[] {
  const listed = items.map((item) => item.id);
  return items.concat(more.filter((item) => listed.indexOf(item.id) < 0));
}

interface IPanelState {
  page: IDeliveries | undefined;
  loading: 'first' | 'more' | undefined;
  error: IAppError | undefined;
}

/**
 * Recent deliveries under the status summary (R-OPS-2): counts by status, then the newest items
 * with why each failed, expired or is held and what to do, paged with "Show older". Each count
 * is a toggle that lists that status only: a held or failed item older than a burst of sent ones
 * is one click away, not pages down. Loaded
 * lazily with its own chunk: a first visit to a catalog that has sent nothing does not need it.
 */
export function DeliveriesPanel(props: IDeliveriesPanelProps): JSX.Element {
  const { strings, api, state } = props;
  const theme = useTheme();
  const id = useIds();
  // Where the focus goes when what the admin pressed goes away: the section's heading, the count
  // toggle pressed before "Show all", the first item "Show older" added.
  const section = React.useRef<HTMLElement>(null);
  const focusItem = React.useRef<string | undefined>(undefined);
  const pollMs = props.pollMs === undefined ? 10000 : props.pollMs;
  const [panel, setPanel] = React.useState<IPanelState>({ page: undefined, loading: 'first', error: undefined });
  // The one status listed, or all.
  const [only, setOnly] = React.useState<DeliveryStatus | undefined>(undefined);
  const mounted = React.useRef<boolean>(true);
  React.useEffect(() => () => { mounted.current = false; }, []);
  // Only the newest read may land: a slow first page must not replace a later refresh.
  const generation = React.useRef<number>(0);
  // Reads under way: polling waits for them rather than replacing them (on a network slower than
  // the polling, no answer would ever land, and "Show older" would be thrown away).
  const reading = React.useRef<number>(0);
  const list = React.useCallback((page: IDeliveriesPage): Promise<IDeliveries> => {
    reading.current++;
    const done = (): void => { reading.current--; };
    const answer = api.list(page);
    answer.then(done, done);
    return answer;
  }, [api]);

  const onCounts = React.useRef(props.onCounts);
  onCounts.current = props.onCounts;

  const readFirst = React.useCallback((quiet: boolean): void => {
    const mine = ++generation.current;
    if (!quiet) {
      setPanel((p) => ({ ...p, loading: 'first', error: undefined }));
    }
    list(only ? { limit: DELIVERIES_PAGE_SIZE, status: only } : { limit: DELIVERIES_PAGE_SIZE }).then(
      (page: IDeliveries) => {
        if (mounted.current && mine === generation.current) {
          // Polling keeps the older items the admin asked for under the first page it read again.
          setPanel((p) => ({
            page: quiet && p.page && p.page.items.length > DELIVERIES_PAGE_SIZE ? { ...page, items: withoutRepeats(page.items, p.page.items), nextCursor: p.page.nextCursor } : page,
            loading: undefined,
            error: undefined
          }));
          if (onCounts.current) {
            const sent = page.items.map((item) => item.sentAt).filter((at): at is string => !!at).sort();
            onCounts.current(page.counts, sent.length > 0 ? sent[sent.length - 1] : null, page.truncated);
          }
        }
      },
      (error: unknown) => {
        if (mounted.current && mine === generation.current) {
          setPanel((p) => ({ ...p, loading: undefined, error: toAppError(error) }));
        }
      }
    );
  }, [list, only]);

  React.useEffect(() => { readFirst(false); }, [readFirst, props.refreshKey]);

  const page = panel.page;
  const inFlight = !!page && (page.counts.queued + page.counts.sending > 0 || (state === 'sending' && page.counts.held > 0));
  React.useEffect(() => {
    if (!inFlight || pollMs <= 0) {
      return undefined;
    }
    const timer = setInterval(() => {
      if (reading.current === 0 && (typeof document === 'undefined' || !document.hidden)) {
        readFirst(true);
      }
    }, pollMs);
    return () => clearInterval(timer);
  }, [inFlight, pollMs, readFirst]);

  const more = (): void => {
    if (!page || !page.nextCursor) {
      return;
    }
    const mine = ++generation.current;
    setPanel((p) => ({ ...p, loading: 'more', error: undefined }));
    list({ limit: DELIVERIES_PAGE_SIZE, cursor: page.nextCursor, ...(only ? { status: only } : {}) }).then(
      (next: IDeliveries) => {
        if (mounted.current && mine === generation.current) {
          const items = withoutRepeats(page.items, next.items);
          // The button may go with the last page: the focus goes to the first item it added.
          focusItem.current = items.length > page.items.length ? items[page.items.length].id : undefined;
          setPanel({ page: { ...next, items }, loading: undefined, error: undefined });
        }
      },
      (error: unknown) => {
        if (mounted.current && mine === generation.current) {
          setPanel((p) => ({ ...p, loading: undefined, error: toAppError(error) }));
        }
      }
    );
  };

  const time = (iso: string | null): string => formatTime(iso, strings);
  const colours: Record<DeliveryStatus, string> = {
    sent: theme.semanticColors.successIcon,
    queued: theme.semanticColors.bodySubtext,
    sending: theme.semanticColors.bodySubtext,
    held: theme.semanticColors.warningIcon,
    expired: theme.semanticColors.bodySubtext,
    failed: theme.semanticColors.errorIcon,
    cancelled: theme.semanticColors.bodySubtext
  };
  const held = page ? heldNotice(state, page.counts.held, strings, props.enabled !== false) : undefined;

  React.useEffect(() => {
    const first = focusItem.current;
    if (first !== undefined && section.current) {
      focusItem.current = undefined;
      const items = Array.from(section.current.querySelectorAll<HTMLElement>('[data-testid="delivery-item"]'));
      items.filter((element) => element.dataset.id === first).forEach((element) => element.focus());
    }
  }, [page]);

  const focusHeading = (): void => document.getElementById(id('deliveries-heading'))?.focus();
  /** "Show all" goes away as it is pressed: the focus goes back to the count toggle that listed one status. */
  const showAll = (): void => {
    const pressed = section.current?.querySelector<HTMLElement>(`[data-testid="deliveries-count-${only}"]`);
    // A count that fell to 0 meanwhile is disabled once no longer pressed: the heading then.
    const stays = only !== undefined && (page?.counts[only] ?? 0) > 0;
    setOnly(undefined);
    if (pressed && stays) {
      pressed.focus();
    } else {
      focusHeading();
    }
  };

  const item = (delivery: IDelivery): JSX.Element => {
    const status: DeliveryStatus = isKnown(delivery.status) ? delivery.status : 'queued';
    // Held items share the connection's reason, said once above them; the others each have their own.
    // A sent one has a reason only when some of its recipients were refused (they did not get it).
    const refused = status === 'sent' ? delivery.refusedRecipients ?? 0 : 0;
    const reason = delivery.code && (status !== 'sent' || refused > 0) && status !== 'held' && delivery.code !== props.saidAbove ? messageForCode(delivery.code, strings, props.method) : undefined;
    return (
      // Focusable by the page (tabIndex -1): "Show older" leaves the focus on the first item it added.
      <li key={delivery.id} className="lms-delivery" tabIndex={-1} data-testid="delivery-item" data-id={delivery.id} data-status={status}>
        <Stack horizontal={true} tokens={{ childrenGap: 8 }} verticalAlign="start">
          <Icon iconName={ICONS[status]} aria-hidden={true} styles={{ root: { color: colours[status], fontSize: 16, lineHeight: 20 } }} />
          <Stack grow={true} styles={{ root: { minWidth: 0 } }}>
            <Text block={true} styles={{ root: { fontWeight: 600 } }} data-testid="delivery-subject">{delivery.subject}</Text>
            <Text block={true} variant="small" className="lms-hint" data-testid="delivery-meta">
              <span data-testid="delivery-status">{statusText(status, strings)}</span>
              {strings.inlineSeparator}{format(strings.deliveriesRecipients, String(delivery.recipients))}
              {strings.inlineSeparator}{format(strings.deliveriesQueuedAt, time(delivery.createdAt))}
              {delivery.sentAt ? <>{strings.inlineSeparator}{format(strings.deliveriesSentAt, time(delivery.sentAt))}</> : null}
              {status === 'queued' && delivery.dueAt ? <span data-testid="delivery-due">{strings.inlineSeparator}{format(delivery.code ? strings.deliveriesNextTry : strings.deliveriesScheduled, time(delivery.dueAt))}</span> : null}
            </Text>
            {refused > 0 ? (
              <Text block={true} variant="small" data-testid="delivery-refused" styles={{ root: { fontWeight: 600 } }}>
                {delivery.recipients === 1 ? strings.deliveriesRefusedOnly : format(strings.deliveriesRefused, String(refused), String(delivery.recipients))}
              </Text>
            ) : null}
            {reason ? (
              <dl className="lms-grid lms-delivery-reason" data-testid="delivery-reason">
                <div className="lms-grid-row">
                  <dt className="lms-grid-label">{strings.lostWhyLabel}</dt>
                  <dd className="lms-grid-value">{reason.title}</dd>
                </div>
                {reason.remedy ? (
                  <div className="lms-grid-row">
                    <dt className="lms-grid-label">{strings.lostWhatToDoLabel}</dt>
                    <dd className="lms-grid-value">{reason.remedy}</dd>
                  </div>
                ) : null}
              </dl>
            ) : null}
            {reason && reason.codeLine ? <Text block={true} variant="small" className="lms-hint">{reason.codeLine}</Text> : null}
          </Stack>
        </Stack>
      </li>
    );
  };

  return (
    <section ref={section} aria-labelledby={id('deliveries-heading')} className="lms-card" data-testid="deliveries-panel" aria-busy={panel.loading !== undefined}>
      <Stack tokens={{ childrenGap: 8 }}>
        <Stack horizontal={true} horizontalAlign="space-between" verticalAlign="center" wrap={true}>
          <Text as="h3" id={id('deliveries-heading')} tabIndex={-1} variant="mediumPlus" block={true} styles={{ root: { fontWeight: 600 } }}>{strings.deliveriesHeading}</Text>
          <ActionButton
            iconProps={{ iconName: 'Refresh' }}
            text={strings.deliveriesRefresh}
            disabled={panel.loading !== undefined}
            // Focusable while it reads (aria-disabled): the keyboard's focus stays here, not on the page's body.
            allowDisabledFocus={true}
            onClick={() => readFirst(false)}
            styles={{ root: { flexShrink: 0 }, label: { whiteSpace: 'nowrap' } }}
          />
        </Stack>
        {page ? (
          <div className="lms-delivery-counts" role="group" aria-label={strings.deliveriesFilterLabel} data-testid="deliveries-counts">
            {/* Cancelled is the LMS's own doing and rare: its toggle shows only when there is one (or it is pressed). */}
            {ORDER.filter((status) => status !== 'cancelled' || page.counts.cancelled > 0 || only === status).map((status) => {
              const pressed = only === status;
              return (
                // A toggle: pressed, the list shows this status only. One with nothing to list is off (unless pressed: the way back).
                <button
                  key={status}
                  type="button"
                  className="lms-delivery-count"
                  data-testid={`deliveries-count-${status}`}
                  aria-pressed={pressed}
                  disabled={page.counts[status] === 0 && !pressed}
                  onClick={() => setOnly(pressed ? undefined : status)}
                >
                  <span className="lms-delivery-count-label">{statusText(status, strings)}</span>{' '}
                  {/* Failed in the error colour; the theme's warning icon colour is a grey that reads as disabled, so held stays in the text colour (its notice below calls it out). */}
                  <span className={page.counts[status] > 0 && status === 'failed' ? 'lms-delivery-count-value lms-delivery-count-failed' : 'lms-delivery-count-value'}>{countText(page.counts[status], strings)}</span>
                </button>
              );
            })}
          </div>
        ) : null}
        {only ? (
          <Stack horizontal={true} verticalAlign="center" wrap={true} tokens={{ childrenGap: 8 }} data-testid="deliveries-only">
            <Text variant="small">{format(strings.deliveriesShowingOnly, statusText(only, strings))}</Text>
            <ActionButton text={strings.deliveriesShowAll} onClick={showAll} styles={{ root: { height: 24 }, label: { whiteSpace: 'nowrap' } }} />
          </Stack>
        ) : null}
        {page && page.truncated ? (
          <Text block={true} variant="small" className="lms-hint" data-testid="deliveries-counts-truncated">
            {format(strings.deliveriesCountsTruncated, countText(ORDER.reduce((sum, status) => sum + page.counts[status], 0), strings))}
          </Text>
        ) : null}
        {held ? (
          <div data-testid="deliveries-held">
            <MessageBar messageBarType={MessageBarType.warning} isMultiline={true}>{held}</MessageBar>
          </div>
        ) : null}
        {panel.error ? (
          <div data-testid="deliveries-error">
            <ErrorBar error={panel.error} strings={strings} method={props.method} onReload={() => {
              // The bar and its button go as the read starts: the focus goes to the section's heading.
              focusHeading();
              readFirst(false);
            }} />
          </div>
        ) : null}
        {panel.loading === 'first' && !page ? <Spinner size={SpinnerSize.small} label={strings.loading} ariaLive="polite" /> : null}
        {page && page.items.length === 0 ? <Text block={true} className="lms-hint" data-testid="deliveries-empty">{strings.deliveriesEmpty}</Text> : null}
        {page && page.items.length > 0 ? (
          // role=list: Safari drops a list's role when its bullets are styled away.
          <ul className="lms-delivery-list" role="list" aria-label={strings.deliveriesHeading}>{page.items.map(item)}</ul>
        ) : null}
        {page && page.nextCursor ? (
          <div>
            <DefaultButton
              text={strings.deliveriesMore}
              onClick={more}
              disabled={panel.loading !== undefined}
              allowDisabledFocus={true}
              styles={{ label: { whiteSpace: 'nowrap' } }}
            />
            {panel.loading === 'more' ? <Spinner size={SpinnerSize.xSmall} label={strings.loading} labelPosition="right" ariaLive="polite" styles={{ root: { display: 'inline-flex', marginLeft: 8 } }} /> : null}
          </div>
        ) : null}
        {page && !page.nextCursor && page.truncated ? <Text block={true} variant="small" className="lms-hint">{strings.deliveriesTruncated}</Text> : null}
      </Stack>
    </section>
  );
}

export default DeliveriesPanel;
