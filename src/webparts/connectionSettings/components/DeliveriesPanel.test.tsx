import * as React from 'react';
import '@testing-library/jest-dom';
import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { format } from '../loc';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { appError } from '../model/appError';
import type { SummaryState } from '../model/summary';
import { delivery, FakeDeliveriesApi } from '../test/fakes';
import { DELIVERIES_PAGE_SIZE, DeliveriesPanel, heldNotice } from './DeliveriesPanel';

function renderPanel(api: FakeDeliveriesApi, options: { state?: SummaryState; strings?: typeof en; refreshKey?: string; pollMs?: number } = {}): (next: { state?: SummaryState; refreshKey?: string }) => void {
  const element = (state: SummaryState, refreshKey: string): JSX.Element => (
    <DeliveriesPanel strings={options.strings || en} api={api} state={state} method="modern" refreshKey={refreshKey} pollMs={options.pollMs ?? 0} />
  );
  const { rerender } = render(element(options.state || 'sending', options.refreshKey || 'k1'));
  return (next) => rerender(element(next.state || options.state || 'sending', next.refreshKey || options.refreshKey || 'k1'));
}

const count = (status: string): HTMLElement => screen.getByTestId(`deliveries-count-${status}`);

describe('DeliveriesPanel', () => {
  it('DeliveriesPanel - counts by status and the newest items, each with its status, recipients and times', async () => {
    const api = new FakeDeliveriesApi([
      delivery({ id: 'a', subject: 'Welcome', recipients: 3 }),
      delivery({ id: 'b', subject: 'Reminder', status: 'queued', sentAt: null }),
      delivery({ id: 'c', subject: 'Moved', status: 'sent' })
    ]);
    renderPanel(api);
    expect(await screen.findAllByTestId('delivery-item')).toHaveLength(3);
    expect(within(count('sent')).getByText('2')).toBeInTheDocument();
    expect(within(count('sent')).getByText(en.deliveryStatusSent)).toBeInTheDocument();
    expect(within(count('queued')).getByText('1')).toBeInTheDocument();
    expect(within(count('failed')).getByText('0')).toBeInTheDocument();
    const first = screen.getAllByTestId('delivery-item')[0];
    expect(within(first).getByTestId('delivery-subject')).toHaveTextContent('Welcome');
    expect(within(first).getByTestId('delivery-meta')).toHaveTextContent(format(en.deliveriesRecipients, '3'));
    expect(within(first).getByTestId('delivery-status')).toHaveTextContent(en.deliveryStatusSent);
    expect(api.calls).toEqual([{ limit: DELIVERIES_PAGE_SIZE }]);
  });

  it('DeliveriesPanel - a waiting item not due yet says when it goes: the LMS\'s scheduled time, or its next try after a fault; a held one does not', async () => {
    const api = new FakeDeliveriesApi([
      delivery({ id: 'a', status: 'queued', sentAt: null, dueAt: '2026-12-24T09:00:00.000Z' }),
      delivery({ id: 'b', status: 'queued', sentAt: null, code: 'SERVICE_UNAVAILABLE', dueAt: '2026-12-01T10:05:00.000Z' }),
      delivery({ id: 'c', status: 'queued', sentAt: null }),
      delivery({ id: 'd', status: 'held', sentAt: null, code: 'TOKEN_REVOKED', dueAt: '2026-12-24T09:00:00.000Z' })
    ]);
    renderPanel(api, { strings: ja });
    const [scheduled, retry, due, held] = await screen.findAllByTestId('delivery-item');
    const at = (iso: string): string => new Intl.DateTimeFormat(ja.locale, { year: 'numeric', month: 'short', day: 'numeric', hour: 'numeric', minute: '2-digit' }).format(new Date(iso));
    expect(within(scheduled).getByTestId('delivery-due')).toHaveTextContent(format(ja.deliveriesScheduled, at('2026-12-24T09:00:00.000Z')));
    expect(within(retry).getByTestId('delivery-due')).toHaveTextContent(format(ja.deliveriesNextTry, at('2026-12-01T10:05:00.000Z')));
    expect(within(due).queryByTestId('delivery-due')).toBeNull();
    expect(within(held).queryByTestId('delivery-due')).toBeNull();
  });

  it('DeliveriesPanel - a reason the summary above explains already (Exchange\'s block) is not said again under each item', async () => {
    const api = new FakeDeliveriesApi([
      delivery({ id: 'a', status: 'queued', sentAt: null, code: 'SENDING_BLOCKED' }),
      delivery({ id: 'b', status: 'failed', sentAt: null, code: 'RECIPIENT_REJECTED' })
    ]);
    render(<DeliveriesPanel strings={en} api={api} state="sending" method="modern" saidAbove="SENDING_BLOCKED" refreshKey="k" pollMs={0} />);
    const [blocked, rejected] = await screen.findAllByTestId('delivery-item');
    expect(blocked).not.toHaveTextContent(ERROR_CATALOGUE.SENDING_BLOCKED.title.en);
    expect(rejected).toHaveTextContent(ERROR_CATALOGUE.RECIPIENT_REJECTED.title.en);
  });

  it('DeliveriesPanel - tells the page the counts and the newest send it read (for the status card)', async () => {
    const api = new FakeDeliveriesApi([
      delivery({ id: 'a', sentAt: '2026-12-01T10:01:00.000Z' }),
      delivery({ id: 'b', status: 'queued', sentAt: null }),
      delivery({ id: 'c', sentAt: '2026-12-01T10:07:00.000Z' }),
      delivery({ id: 'd', sentAt: '2026-12-01T10:03:00.000Z' })
    ]);
    const seen: Array<[number, string | null, boolean]> = [];
    render(<DeliveriesPanel strings={en} api={api} state="sending" method="modern" refreshKey="k" pollMs={0} onCounts={(counts, lastSentAt, truncated) => seen.push([counts.sent, lastSentAt, truncated])} />);
    await screen.findAllByTestId('delivery-item');
    expect(seen).toEqual([[3, '2026-12-01T10:07:00.000Z', false]]);
  });

  it('DeliveriesPanel - a failed or expired item says why and what to do, from the error catalogue; a sent or held one does not', async () => {
    renderPanel(new FakeDeliveriesApi([
      delivery({ id: 'f', status: 'failed', code: 'MAILBOX_NOT_FOUND', sentAt: null }),
      delivery({ id: 'e', status: 'expired', code: 'MESSAGE_EXPIRED', sentAt: null }),
      delivery({ id: 's' }),
      delivery({ id: 'h', status: 'held', code: 'TOKEN_REVOKED', sentAt: null })
    ]), { state: 'lost' });
    const [failed, expired, sent, held] = await screen.findAllByTestId('delivery-item');
    expect(within(held).queryByTestId('delivery-reason')).not.toBeInTheDocument();
    expect(within(failed).getByTestId('delivery-reason')).toHaveTextContent(ERROR_CATALOGUE.MAILBOX_NOT_FOUND.title.en);
    expect(within(failed).getByTestId('delivery-reason')).toHaveTextContent(ERROR_CATALOGUE.MAILBOX_NOT_FOUND.remedy.en);
    expect(failed).toHaveTextContent('MAILBOX_NOT_FOUND');
    expect(within(expired).getByTestId('delivery-reason')).toBeInTheDocument();
    expect(within(sent).queryByTestId('delivery-reason')).not.toBeInTheDocument();
  });

  it('DeliveriesPanel - a notification the LMS cancelled says so and why (en, ja); its count shows only when there is one', async () => {
    renderPanel(new FakeDeliveriesApi([delivery({ id: 's' })]));
    await screen.findAllByTestId('delivery-item');
    expect(screen.queryByTestId('deliveries-count-cancelled')).toBeNull();
    cleanup();
    renderPanel(new FakeDeliveriesApi([delivery({ id: 'c', status: 'cancelled', code: 'NOTIFICATION_CANCELLED', sentAt: null }), delivery({ id: 's' })]), { strings: ja });
    const [cancelled] = await screen.findAllByTestId('delivery-item');
    expect(within(cancelled).getByTestId('delivery-status')).toHaveTextContent(ja.deliveryStatusCancelled);
    expect(within(cancelled).getByTestId('delivery-reason')).toHaveTextContent(ERROR_CATALOGUE.NOTIFICATION_CANCELLED.title.ja);
    expect(within(count('cancelled')).getByText(ja.deliveryStatusCancelled)).toBeInTheDocument();
    expect(within(count('cancelled')).getByText('1')).toBeInTheDocument();
    // Listed alone, then back.
    fireEvent.click(count('cancelled'));
    await waitFor(() => expect(screen.getAllByTestId('delivery-item')).toHaveLength(1));
    expect(count('cancelled')).toHaveAttribute('aria-pressed', 'true');
  });

  it('DeliveriesPanel - a sent item some of whose recipients were refused says how many and why (en, ja); a sent one with a code but none refused says nothing', async () => {
    const items = [
      delivery({ id: 'r', recipients: 3, code: 'RECIPIENT_REJECTED', refusedRecipients: 2 }),
      delivery({ id: 'c', code: 'RECIPIENT_REJECTED' })
    ];
    renderPanel(new FakeDeliveriesApi(items));
    const [refused, clean] = await screen.findAllByTestId('delivery-item');
    expect(within(refused).getByTestId('delivery-refused')).toHaveTextContent(format(en.deliveriesRefused, '2', '3'));
    expect(within(refused).getByTestId('delivery-reason')).toHaveTextContent(ERROR_CATALOGUE.RECIPIENT_REJECTED.title.en);
    expect(within(clean).queryByTestId('delivery-refused')).not.toBeInTheDocument();
    expect(within(clean).queryByTestId('delivery-reason')).not.toBeInTheDocument();
    cleanup();
    renderPanel(new FakeDeliveriesApi(items), { strings: ja });
    const [refusedJa] = await screen.findAllByTestId('delivery-item');
    expect(within(refusedJa).getByTestId('delivery-refused')).toHaveTextContent(format(ja.deliveriesRefused, '2', '3'));
    expect(within(refusedJa).getByTestId('delivery-reason')).toHaveTextContent(ERROR_CATALOGUE.RECIPIENT_REJECTED.title.ja);
  });

  it('DeliveriesPanel - held items are called out while the connection is lost, and while sending is off, not while sending', async () => {
    const api = new FakeDeliveriesApi([delivery({ status: 'held', code: 'TOKEN_REVOKED', sentAt: null }), delivery({ id: 'h2', status: 'held', code: 'TOKEN_REVOKED', sentAt: null })]);
    const update = renderPanel(api, { state: 'lost' });
    // Fluent's MessageBar renders its text a moment later (for screen readers): wait for the text itself.
    expect(await screen.findByText(format(en.deliveriesHeldWhileLost, '2'))).toBeInTheDocument();
    update({ state: 'paused', refreshKey: 'k2' });
    expect(await screen.findByText(format(en.deliveriesHeldWhilePaused, '2'))).toBeInTheDocument();
    update({ state: 'sending', refreshKey: 'k3' });
    await act(async () => { await Promise.resolve(); });
    expect(screen.queryByTestId('deliveries-held')).not.toBeInTheDocument();
    expect(heldNotice('lost', 0, en)).toBeUndefined();
    // With no account and sending off, held items wait for both.
    expect([heldNotice('not-connected', 2, en, true), heldNotice('not-connected', 2, en, false), heldNotice('not-connected', 2, ja, false)])
      .toEqual([format(en.deliveriesHeldWhileNotConnected, '2'), format(en.deliveriesHeldWhileNotConnectedOff, '2'), format(ja.deliveriesHeldWhileNotConnectedOff, '2 件')]);
  });

  it('DeliveriesPanel - counts of only the newest deliveries say so, grouped as the language groups digits', async () => {
    const api = new FakeDeliveriesApi(Array.from({ length: 3 }, (_, i) => delivery({ id: `n${i}` })));
    api.truncated = true;
    renderPanel(api, { strings: ja });
    expect(await screen.findByTestId('deliveries-counts-truncated')).toHaveTextContent(format(ja.deliveriesCountsTruncated, '3'));
    cleanup();
    renderPanel(new FakeDeliveriesApi([delivery({ id: 'x' })]));
    await screen.findAllByTestId('delivery-item');
    expect(screen.queryByTestId('deliveries-counts-truncated')).toBeNull();
  });

  it('DeliveriesPanel - Show older reads the next page with the cursor and appends it; no button on the last page', async () => {
    const items = Array.from({ length: DELIVERIES_PAGE_SIZE + 3 }, (_, i) => delivery({ id: `n${i}`, subject: `Item ${i}` }));
    const api = new FakeDeliveriesApi(items);
    renderPanel(api);
    expect(await screen.findAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE);
    fireEvent.click(screen.getByRole('button', { name: en.deliveriesMore }));
    expect(await screen.findByText(`Item ${DELIVERIES_PAGE_SIZE + 2}`)).toBeInTheDocument();
    expect(screen.getAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE + 3);
    expect(api.calls[1]).toEqual({ limit: DELIVERIES_PAGE_SIZE, cursor: String(DELIVERIES_PAGE_SIZE) });
    expect(screen.queryByRole('button', { name: en.deliveriesMore })).not.toBeInTheDocument();
  });

  it('DeliveriesPanel - a count is a toggle that lists its status only (a held item older than a burst of sent ones is one click away), through its pages and polling; pressed again, or Show all, lists everything', async () => {
    const burst = Array.from({ length: DELIVERIES_PAGE_SIZE + 5 }, (_, i) => delivery({ id: `s${i}`, subject: `Sent ${i}` }));
    const api = new FakeDeliveriesApi([...burst, delivery({ id: 'h', subject: 'Survey', status: 'held', sentAt: null })]);
    renderPanel(api, { state: 'paused' });
    expect(await screen.findAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE);
    expect(screen.queryByText('Survey')).toBeNull();
    const held = screen.getByRole('button', { name: `${en.deliveryStatusHeld} 1` });
    expect(held).toHaveAttribute('aria-pressed', 'false');
    // Nothing to list: no toggle to press.
    expect(screen.getByRole('button', { name: `${en.deliveryStatusFailed} 0` })).toBeDisabled();
    expect(screen.getByRole('group', { name: en.deliveriesFilterLabel })).toBeInTheDocument();
    fireEvent.click(held);
    await waitFor(() => expect(screen.getAllByTestId('delivery-item')).toHaveLength(1));
    expect(screen.getByText('Survey')).toBeInTheDocument();
    expect(held).toHaveAttribute('aria-pressed', 'true');
    expect(screen.getByTestId('deliveries-only')).toHaveTextContent(format(en.deliveriesShowingOnly, en.deliveryStatusHeld));
    expect(api.calls[api.calls.length - 1]).toEqual({ limit: DELIVERIES_PAGE_SIZE, status: 'held' });
    // The counts stay those of all.
    expect(within(count('sent')).getByText(String(DELIVERIES_PAGE_SIZE + 5))).toBeInTheDocument();
    fireEvent.click(held);
    await waitFor(() => expect(screen.getAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE));
    expect(screen.queryByTestId('deliveries-only')).toBeNull();

    // Sent only: its older page is of sent ones too; Show all goes back to everything.
    fireEvent.click(screen.getByRole('button', { name: `${en.deliveryStatusSent} ${DELIVERIES_PAGE_SIZE + 5}` }));
    await waitFor(() => expect(api.calls[api.calls.length - 1]).toEqual({ limit: DELIVERIES_PAGE_SIZE, status: 'sent' }));
    fireEvent.click(await screen.findByRole('button', { name: en.deliveriesMore }));
    await waitFor(() => expect(screen.getAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE + 5));
    expect(api.calls[api.calls.length - 1]).toEqual({ limit: DELIVERIES_PAGE_SIZE, cursor: String(DELIVERIES_PAGE_SIZE), status: 'sent' });
    expect(screen.queryByText('Survey')).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: en.deliveriesShowAll }));
    await waitFor(() => expect(api.calls[api.calls.length - 1]).toEqual({ limit: DELIVERIES_PAGE_SIZE }));
    expect(screen.getByRole('button', { name: `${en.deliveryStatusSent} ${DELIVERIES_PAGE_SIZE + 5}` })).toHaveAttribute('aria-pressed', 'false');
  });

  it('DeliveriesPanel - while a status is listed alone, polling reads that status; a toggle pressed with nothing left stays pressable, to go back', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeDeliveriesApi([delivery({ id: 'q', subject: 'Waiting', status: 'queued', sentAt: null }), delivery({ id: 's', subject: 'Done' })]);
      renderPanel(api, { pollMs: 1000 });
      await act(async () => { await Promise.resolve(); });
      fireEvent.click(screen.getByRole('button', { name: `${en.deliveryStatusQueued} 1` }));
      await act(async () => { await Promise.resolve(); });
      api.items = [delivery({ id: 'q', subject: 'Waiting', status: 'sent' }), delivery({ id: 's', subject: 'Done' })];
      await act(async () => { jest.advanceTimersByTime(1000); await Promise.resolve(); });
      expect(api.calls[api.calls.length - 1]).toEqual({ limit: DELIVERIES_PAGE_SIZE, status: 'queued' });
      const queued = screen.getByRole('button', { name: `${en.deliveryStatusQueued} 0` });
      expect([queued.getAttribute('aria-pressed'), (queued as HTMLButtonElement).disabled]).toEqual(['true', false]);
      expect(screen.getByTestId('deliveries-empty')).toBeInTheDocument();
    } finally {
      jest.useRealTimers();
    }
  });

  it('DeliveriesPanel - reads the first page again when the connection changes, and on Refresh', async () => {
    const api = new FakeDeliveriesApi([delivery({ status: 'held', sentAt: null })]);
    const update = renderPanel(api, { state: 'lost' });
    expect(await screen.findByTestId('deliveries-held')).toBeInTheDocument();
    api.items = [delivery({ status: 'sent' })];
    update({ state: 'sending', refreshKey: 'reconnected' });
    expect(await screen.findByText(en.deliveryStatusSent, { selector: '[data-testid="delivery-status"]' })).toBeInTheDocument();
    expect(screen.queryByTestId('deliveries-held')).not.toBeInTheDocument();
    api.items = [delivery({ status: 'failed', code: 'MAILBOX_NOT_FOUND', sentAt: null })];
    fireEvent.click(screen.getByRole('button', { name: en.deliveriesRefresh }));
    expect(await screen.findByTestId('delivery-reason')).toBeInTheDocument();
    expect(api.calls).toHaveLength(3);
  });

  it('DeliveriesPanel - reads again by itself while items are on their way, and stops once none is', async () => {
    jest.useFakeTimers();
    try {
      const api = new FakeDeliveriesApi([delivery({ status: 'queued', sentAt: null })]);
      renderPanel(api, { pollMs: 1000 });
      await act(async () => { await Promise.resolve(); });
      expect(screen.getByTestId('delivery-status')).toHaveTextContent(en.deliveryStatusQueued);
      api.items = [delivery({ status: 'sent' })];
      await act(async () => { jest.advanceTimersByTime(1000); await Promise.resolve(); });
      expect(screen.getByTestId('delivery-status')).toHaveTextContent(en.deliveryStatusSent);
      const calls = api.calls.length;
      await act(async () => { jest.advanceTimersByTime(5000); await Promise.resolve(); });
      expect(api.calls.length).toBe(calls);
    } finally {
      jest.useRealTimers();
    }
  });

  it('DeliveriesPanel (race) - on a network slower than the polling, a read under way is not thrown away by the next tick: the newer state arrives, and reads do not pile up', async () => {
    const api = new FakeDeliveriesApi([delivery({ status: 'queued', sentAt: null })]);
    const list = api.list.bind(api);
    // Each answer takes three polling periods.
    api.list = (page) => new Promise((resolve) => { setTimeout(() => resolve(list(page)), 60); });
    renderPanel(api, { pollMs: 20 });
    expect(await screen.findByTestId('delivery-status')).toHaveTextContent(en.deliveryStatusQueued);
    api.items = [delivery({ status: 'sent' })];
    await waitFor(() => expect(screen.getByTestId('delivery-status')).toHaveTextContent(en.deliveryStatusSent), { timeout: 2000 });
    expect(api.calls.length).toBeLessThanOrEqual(4);
  });

  it('DeliveriesPanel (race) - Show older is not thrown away by a polling tick while its page is on its way', async () => {
    const items = Array.from({ length: DELIVERIES_PAGE_SIZE + 2 }, (_, i) => delivery({ id: `n${i}`, subject: `Item ${i}`, status: 'queued', sentAt: null }));
    const api = new FakeDeliveriesApi(items);
    const list = api.list.bind(api);
    api.list = (page) => page.cursor ? new Promise((resolve) => { setTimeout(() => resolve(list(page)), 60); }) : list(page);
    renderPanel(api, { pollMs: 20 });
    expect(await screen.findAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE);
    fireEvent.click(screen.getByRole('button', { name: en.deliveriesMore }));
    expect(await screen.findByText(`Item ${DELIVERIES_PAGE_SIZE + 1}`, {}, { timeout: 2000 })).toBeInTheDocument();
    // Nor folded away by the ticks after it: the admin asked for those items.
    await act(() => new Promise((resolve) => { setTimeout(resolve, 100); }));
    expect(screen.getAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE + 2);
  });

  it('DeliveriesPanel (race) - Show older after new deliveries arrived on top lists each item once', async () => {
    const items = Array.from({ length: DELIVERIES_PAGE_SIZE + 2 }, (_, i) => delivery({ id: `n${i}`, subject: `Item ${i}` }));
    const api = new FakeDeliveriesApi(items);
    renderPanel(api);
    expect(await screen.findAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE);
    // Three notifications queued since the first page was read: the API's next page starts three items earlier.
    api.items = ['x', 'y', 'z'].map((id) => delivery({ id, subject: `New ${id}` })).concat(items);
    fireEvent.click(screen.getByRole('button', { name: en.deliveriesMore }));
    expect(await screen.findByText(`Item ${DELIVERIES_PAGE_SIZE + 1}`)).toBeInTheDocument();
    const subjects = screen.getAllByTestId('delivery-subject').map((s) => s.textContent);
    expect(subjects).toEqual(items.map((item) => item.subject));
  });

  it('DeliveriesPanel - nothing queued yet says so; a failed read is explained with Try again', async () => {
    const api = new FakeDeliveriesApi([]);
    api.failure = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    renderPanel(api);
    expect(within(await screen.findByTestId('deliveries-error')).getByRole('button', { name: en.retry })).toBeInTheDocument();
    expect(await screen.findByText(ERROR_CATALOGUE.NOT_CATALOG_ADMIN.title.en)).toBeInTheDocument();
    api.failure = undefined;
    fireEvent.click(screen.getByRole('button', { name: en.retry }));
    expect(await screen.findByTestId('deliveries-empty')).toHaveTextContent(en.deliveriesEmpty);
    expect(screen.queryByTestId('deliveries-error')).not.toBeInTheDocument();
  });

  it('DeliveriesPanel - reads in Japanese', async () => {
    renderPanel(new FakeDeliveriesApi([delivery({ status: 'failed', code: 'MAILBOX_NOT_FOUND', sentAt: null })]), { strings: ja });
    expect(await screen.findByRole('heading', { name: ja.deliveriesHeading })).toBeInTheDocument();
    expect(screen.getByTestId('delivery-reason')).toHaveTextContent(ERROR_CATALOGUE.MAILBOX_NOT_FOUND.title.ja);
    expect(screen.getByTestId('delivery-status')).toHaveTextContent(ja.deliveryStatusFailed);
  });
});

describe('DeliveriesPanel - where the focus goes', () => {
  const focused = (): Element | null => document.activeElement;

  it('DeliveriesPanel - "Show all" goes as it is pressed: the focus goes back to the count toggle that listed one status', async () => {
    const api = new FakeDeliveriesApi([delivery({ id: 'f', status: 'failed' }), delivery({ id: 's', status: 'sent' })]);
    renderPanel(api);
    await screen.findAllByTestId('delivery-item');
    fireEvent.click(count('failed'));
    const showAll = await screen.findByRole('button', { name: en.deliveriesShowAll });
    showAll.focus();
    fireEvent.click(showAll);
    await waitFor(() => expect(screen.queryByTestId('deliveries-only')).not.toBeInTheDocument());
    expect(focused()).toBe(count('failed'));
    await waitFor(() => expect(screen.getAllByTestId('delivery-item')).toHaveLength(2));
  });

  it('DeliveriesPanel - "Show all" after the listed status\'s count fell to 0 (its toggle is then disabled) leaves the focus on the heading', async () => {
    const api = new FakeDeliveriesApi([delivery({ id: 'f', status: 'failed' }), delivery({ id: 's', status: 'sent' })]);
    renderPanel(api);
    await screen.findAllByTestId('delivery-item');
    fireEvent.click(count('failed'));
    await screen.findByTestId('deliveries-only');
    await waitFor(() => expect(screen.getByRole('button', { name: en.deliveriesRefresh })).toBeEnabled());
    api.items = [delivery({ id: 's', status: 'sent' })];
    fireEvent.click(screen.getByRole('button', { name: en.deliveriesRefresh }));
    await waitFor(() => expect(count('failed')).toHaveTextContent('0'));
    const showAll = await screen.findByRole('button', { name: en.deliveriesShowAll });
    showAll.focus();
    fireEvent.click(showAll);
    await waitFor(() => expect(screen.queryByTestId('deliveries-only')).not.toBeInTheDocument());
    expect(count('failed')).toBeDisabled();
    expect(focused()).toBe(screen.getByRole('heading', { name: en.deliveriesHeading }));
  });

  it('DeliveriesPanel - "Show older" leaves the focus on the first item it added (its button goes after the last page)', async () => {
    const items = Array.from({ length: DELIVERIES_PAGE_SIZE + 2 }, (_, i) => delivery({ id: `n-${i}`, subject: `Item ${i}` }));
    renderPanel(new FakeDeliveriesApi(items));
    const more = await screen.findByRole('button', { name: en.deliveriesMore });
    more.focus();
    fireEvent.click(more);
    await waitFor(() => expect(screen.getAllByTestId('delivery-item')).toHaveLength(DELIVERIES_PAGE_SIZE + 2));
    expect(screen.queryByRole('button', { name: en.deliveriesMore })).not.toBeInTheDocument();
    const added = screen.getAllByTestId('delivery-item')[DELIVERIES_PAGE_SIZE];
    await waitFor(() => expect(focused()).toBe(added));
    expect(added).toHaveAttribute('tabindex', '-1');
    expect(within(added).getByTestId('delivery-subject')).toHaveTextContent(`Item ${DELIVERIES_PAGE_SIZE}`);
  });

  it('DeliveriesPanel - the error bar\'s Try again goes with the bar: the focus goes to the Recent deliveries heading', async () => {
    const api = new FakeDeliveriesApi([delivery()]);
    api.failure = appError('network');
    renderPanel(api);
    const retry = await screen.findByRole('button', { name: en.retry });
    retry.focus();
    api.failure = undefined;
    fireEvent.click(retry);
    await screen.findAllByTestId('delivery-item');
    expect(focused()).toBe(screen.getByRole('heading', { name: en.deliveriesHeading }));
  });

  it('DeliveriesPanel - the items are a list for every browser (role=list: Safari drops it from a list without bullets)', async () => {
    renderPanel(new FakeDeliveriesApi([delivery()]));
    await screen.findAllByTestId('delivery-item');
    expect(screen.getByRole('list', { name: en.deliveriesHeading })).toHaveAttribute('role', 'list');
  });

  it('DeliveriesPanel - two panels on one page do not share ids: each section is named by its own heading', async () => {
    render(<>
      <DeliveriesPanel strings={en} api={new FakeDeliveriesApi([delivery()])} state="sending" method="modern" refreshKey="a" pollMs={0} />
      <DeliveriesPanel strings={en} api={new FakeDeliveriesApi([delivery()])} state="sending" method="modern" refreshKey="b" pollMs={0} />
    </>);
    const panels = await screen.findAllByTestId('deliveries-panel');
    const headings = panels.map((panel) => panel.getAttribute('aria-labelledby'));
    expect(new Set(headings).size).toBe(2);
    panels.forEach((panel, i) => expect(within(panel).getByRole('heading')).toHaveAttribute('id', headings[i]));
  });

  it('DeliveriesPanel - a notification to one recipient, refused, says so in the singular; the parts of a line use the language\'s separator', async () => {
    renderPanel(new FakeDeliveriesApi([delivery({ id: 'r', recipients: 1, refusedRecipients: 1, code: 'RECIPIENT_REJECTED' })]));
    expect(await screen.findByTestId('delivery-refused')).toHaveTextContent(en.deliveriesRefusedOnly);
    expect(screen.getByTestId('delivery-refused')).not.toHaveTextContent('of its 1 recipients');
    cleanup();
    renderPanel(new FakeDeliveriesApi([delivery({ id: 'j', recipients: 3 })]), { strings: ja });
    expect(await screen.findByTestId('delivery-meta')).toHaveTextContent(`${ja.deliveryStatusSent}・${format(ja.deliveriesRecipients, '3')}・`);
  });
});
