import * as React from 'react';
import '@testing-library/jest-dom';
import { act, cleanup, render, screen, waitFor } from '@testing-library/react';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import type { IConnectionView } from '../model/connection';
import { connectedView, notConnectedView, shownTime } from '../test/fakes';
import { StatusSummary } from './StatusSummary';

function renderStatus(view: IConnectionView, strings = en, deliveryCounts?: { queued: number; sending: number; held: number; lastSentAt?: string | null }, switchOn?: boolean, onRetrySending: () => void = () => undefined): void {
  render(
    <StatusSummary strings={strings} view={view} disabled={false} checking={false} error={undefined} onDismissError={() => undefined}
      onReconnect={() => undefined} onCheck={() => undefined} onRetrySending={onRetrySending}
      accountFormShown={false} accountFormId="form" onChangeAccount={() => undefined} onDisconnect={() => undefined} deliveryCounts={deliveryCounts} switchOn={switchOn} />
  );
}

describe('StatusSummary', () => {
  it('StatusSummary - a failed settings list write is shown as a warning with its code', async () => {
    renderStatus(connectedView({ settingsListWarning: { code: 'SERVICE_UNAVAILABLE', failedAt: '2026-12-01T10:00:00Z' } }));
    const warning = await screen.findByText(/SERVICE_UNAVAILABLE/);
    expect(warning.textContent).toContain(en.settingsListWarning.split('(')[0].trim());
  });

  it('StatusSummary - the warning reads in Japanese too', async () => {
    renderStatus(connectedView({ settingsListWarning: { code: 'PERMISSION_DENIED', failedAt: '2026-12-01T10:00:00Z' } }), ja);
    expect((await screen.findByText(/PERMISSION_DENIED/)).textContent).toContain(ja.settingsListWarning.split('（')[0].trim());
  });

  it('StatusSummary - a check that could not tell (health "error") is no loss: the state stays Sending or Paused, and a warning says when, why and what to do (en, ja)', async () => {
    const checkedAt = '2026-12-01T10:00:00Z';
    renderStatus(connectedView({ enabled: true, health: { state: 'error', code: 'SERVICE_UNAVAILABLE', checkedAt } }));
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    expect(screen.queryByTestId('lost-reason')).not.toBeInTheDocument();
    // Why, from the catalogue (loaded with the error texts).
    expect(await screen.findByText(en.lostWhyLabel)).toBeInTheDocument();
    const bar = screen.getByTestId('check-failed');
    expect(bar).toHaveTextContent(en.checkFailedTitle.replace('{0}', shownTime(checkedAt, en)));
    expect(bar).toHaveTextContent(en.checkFailedGoesOn);
    expect(bar.textContent).toMatch(/Microsoft 365|service/i);
    cleanup();
    renderStatus(connectedView({ enabled: false, health: { state: 'error', code: 'SERVICE_UNAVAILABLE', checkedAt } }), ja);
    expect(screen.getByTestId('status-state')).toHaveTextContent(ja.statePaused);
    expect(await screen.findByText(ja.lostWhatToDoLabel)).toBeInTheDocument();
    expect(screen.getByTestId('check-failed')).toHaveTextContent(ja.checkFailedAgain);
    cleanup();
    // A working connection shows no such warning.
    renderStatus(connectedView({ enabled: true }));
    expect(screen.queryByTestId('check-failed')).not.toBeInTheDocument();
  });

  it('StatusSummary - a Classic connection that works still says at the top that basic authentication is retiring, with a way to switch to Modern (en, ja; before and after the date)', async () => {
    const switched: string[] = [];
    render(
      <StatusSummary strings={en} view={connectedView({ method: 'classic', enabled: true })} disabled={false} checking={false} error={undefined} onDismissError={() => undefined}
        onReconnect={() => undefined} onCheck={() => undefined} onRetrySending={() => undefined} onSwitchToModern={() => switched.push('modern')} today={new Date('2026-12-06T00:00:00Z')}
        accountFormShown={false} accountFormId="form" onChangeAccount={() => undefined} onDisconnect={() => undefined} />
    );
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    const bar = screen.getByTestId('classic-retiring');
    // There at once, as part of the card: Fluent UI delays a MessageBar's text so screen readers
    // announce it, and this one, static, would be said at every load beside the Classic option's own.
    expect(bar).toHaveTextContent(en.classicRetirementTitle);
    expect(bar).toHaveTextContent(en.classicRetirementText);
    screen.getByRole('button', { name: en.switchToModern }).click();
    expect(switched).toEqual(['modern']);
    cleanup();
    render(
      <StatusSummary strings={ja} view={connectedView({ method: 'classic', enabled: false })} disabled={false} checking={false} error={undefined} onDismissError={() => undefined}
        onReconnect={() => undefined} onCheck={() => undefined} onRetrySending={() => undefined} onSwitchToModern={() => undefined} today={new Date('2027-01-04T00:00:00Z')}
        accountFormShown={false} accountFormId="form" onChangeAccount={() => undefined} onDisconnect={() => undefined} />
    );
    await waitFor(() => expect(screen.getByTestId('classic-retiring')).toHaveTextContent(ja.classicRetiredText));
    expect(screen.getByRole('button', { name: ja.switchToModern })).toBeInTheDocument();
    cleanup();
    // Modern, or a lost Classic connection (its reason says what to do), shows no such warning.
    renderStatus(connectedView({ method: 'modern' }));
    expect(screen.queryByTestId('classic-retiring')).not.toBeInTheDocument();
    cleanup();
    renderStatus(connectedView({ method: 'classic', health: { state: 'lost', code: 'BASIC_AUTH_RETIRED', checkedAt: '2026-12-01T10:00:00Z' } }));
    expect(screen.queryByTestId('classic-retiring')).not.toBeInTheDocument();
  });

  it('StatusSummary - not connected asks to turn sending on only while it is off', () => {
    renderStatus(notConnectedView({ enabled: false }));
    expect(screen.getByTestId('status-text')).toHaveTextContent(en.stateNotConnectedText);
    cleanup();
    renderStatus(notConnectedView({ enabled: true }), ja);
    expect(screen.getByTestId('status-text')).toHaveTextContent(ja.stateNotConnectedOnText);
    // The form's switch as it is now, saved or not: turned on (unsaved) it is not asked for again; turned off, it is.
    cleanup();
    renderStatus(notConnectedView({ enabled: false }), en, undefined, true);
    expect(screen.getByTestId('status-text')).toHaveTextContent(en.stateNotConnectedOnText);
    cleanup();
    renderStatus(notConnectedView({ enabled: true }), en, undefined, false);
    expect(screen.getByTestId('status-text')).toHaveTextContent(en.stateNotConnectedText);
  });

  it('StatusSummary - not connected after a Disconnect says which account, who disconnected it and when (en, ja); never before one, nor once connected', () => {
    const disconnected = { account: 'lynne@contoso.test', by: 'megan@contoso.test', at: '2026-12-02T08:30:00Z' };
    renderStatus(notConnectedView({ disconnected }));
    expect(screen.getByTestId('disconnected-by')).toHaveTextContent(`lynne@contoso.test was disconnected by megan@contoso.test on ${shownTime(disconnected.at, en)}.`);
    cleanup();
    renderStatus(notConnectedView({ disconnected }), ja);
    expect(screen.getByTestId('disconnected-by')).toHaveTextContent(`megan@contoso.test が ${shownTime(disconnected.at, ja)} に lynne@contoso.test の接続を解除しました。`);
    cleanup();
    // Only its secret was left (no account known): who and when.
    renderStatus(notConnectedView({ disconnected: { ...disconnected, account: null } }));
    expect(screen.getByTestId('disconnected-by')).toHaveTextContent(`The last account was disconnected by megan@contoso.test on ${shownTime(disconnected.at, en)}.`);
    cleanup();
    renderStatus(notConnectedView());
    expect(screen.queryByTestId('disconnected-by')).not.toBeInTheDocument();
    cleanup();
    // The API answers null once connected; a stale value would still not be shown beside an account.
    renderStatus(connectedView({ disconnected }));
    expect(screen.queryByTestId('disconnected-by')).not.toBeInTheDocument();
  });

  it('StatusSummary - an account without a display name of its own (Classic) is shown by its address once', () => {
    renderStatus(connectedView({ method: 'classic', account: { email: 'alex@contoso.test', displayName: 'alex@contoso.test' } }));
    expect(screen.getByTestId('connected-account')).toHaveTextContent(/^alex@contoso\.test$/);
    cleanup();
    renderStatus(connectedView({ account: { email: 'adele@contoso.test', displayName: 'Adele Vance' } }));
    expect(screen.getByTestId('connected-account')).toHaveTextContent('Adele Vance <adele@contoso.test>');
  });

  it('StatusSummary - held items are a part of the API\'s waiting ones: each is counted once', () => {
    renderStatus(connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-12-01T10:00:00Z' }, outbox: { waiting: 5, held: 3, lastSentAt: null } }));
    expect(screen.getByTestId('queue')).toHaveTextContent('2 waiting, 3 held');
  });

  it('StatusSummary - counts use the language\'s digit grouping, and one that reached the API\'s cap is not read as a total (en, ja)', () => {
    renderStatus(connectedView({ outbox: { waiting: 10000, held: 0, lastSentAt: null } }));
    expect(screen.getByTestId('queue')).toHaveTextContent('10,000+ waiting, 0 held');
    cleanup();
    renderStatus(connectedView({ outbox: { waiting: 9999, held: 0, lastSentAt: null } }), ja);
    expect(screen.getByTestId('queue')).toHaveTextContent('送信待ち 9,999 件、保留 0 件');
    cleanup();
    renderStatus(connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-12-01T10:00:00Z' }, outbox: { waiting: 10000, held: 10000, lastSentAt: null } }), ja);
    expect(screen.getByTestId('queue')).toHaveTextContent('送信待ち 0 件、保留 10,000 件以上');
  });

  it('StatusSummary - waiting notifications held back by the account\'s daily limit say why and from when (en, ja); none when nothing waits', () => {
    const resumesAt = new Date(Date.now() + 3_600_000).toISOString();
    const pacing = { reason: 'daily-limit' as const, resumesAt, recipientsPerDay: 10_000 };
    renderStatus(connectedView({ outbox: { waiting: 120, held: 0, lastSentAt: '2026-12-01T10:00:00Z', pacing } }));
    const line = screen.getByTestId('pacing');
    expect(line).toHaveTextContent('The LMS sends to at most 10,000 recipients a day from this account');
    expect(line).toHaveTextContent(shownTime(pacing.resumesAt, en));
    expect(screen.getByTestId('queue')).toHaveTextContent('120 waiting, 0 held');
    cleanup();
    renderStatus(connectedView({ outbox: { waiting: 120, held: 0, lastSentAt: null, pacing } }), ja);
    expect(screen.getByTestId('pacing')).toHaveTextContent(ja.pacingDailyLimit.replace('{0}', (10_000).toLocaleString('ja-JP')).replace('{1}', shownTime(resumesAt, ja)));
    cleanup();
    // Past its time, the line (read with the view) no longer says what is over.
    renderStatus(connectedView({ outbox: { waiting: 120, held: 0, lastSentAt: null, pacing: { ...pacing, resumesAt: new Date(Date.now() - 1000).toISOString() } } }));
    expect(screen.queryByTestId('pacing')).toBeNull();
    cleanup();
    renderStatus(connectedView({ outbox: { waiting: 120, held: 0, lastSentAt: null, pacing: { ...pacing, reason: 'sending-quota' } } }), ja);
    expect(screen.getByTestId('pacing')).toHaveTextContent(ja.pacingSendingQuota.split('{0}')[0]);
    expect(screen.getByTestId('pacing')).toHaveTextContent(shownTime(resumesAt, ja));
    cleanup();
    // Recent deliveries read since the view: nothing waits any more.
    renderStatus(connectedView({ outbox: { waiting: 120, held: 0, lastSentAt: null, pacing } }), en, { queued: 0, sending: 0, held: 0 });
    expect(screen.queryByTestId('pacing')).toBeNull();
  });

  it('StatusSummary - the pacing line goes by itself once its time has come (the card is not drawn again by anything else)', () => {
    jest.useFakeTimers();
    try {
      const pacing = { reason: 'sending-quota' as const, resumesAt: new Date(Date.now() + 90_000).toISOString(), recipientsPerDay: 10_000 };
      renderStatus(connectedView({ outbox: { waiting: 3, held: 0, lastSentAt: null, pacing } }));
      expect(screen.getByTestId('pacing')).toBeInTheDocument();
      act(() => { jest.advanceTimersByTime(60_000); });
      expect(screen.getByTestId('pacing')).toBeInTheDocument();
      act(() => { jest.advanceTimersByTime(31_000); });
      expect(screen.queryByTestId('pacing')).toBeNull();
      expect(screen.getByTestId('queue')).toHaveTextContent('3 waiting, 0 held');
    } finally {
      jest.useRealTimers();
    }
  });

  it('StatusSummary - the last send is the newer of the view\'s and what recent deliveries read since (the card did not move while the list did)', () => {
    renderStatus(connectedView({ outbox: { waiting: 0, held: 0, lastSentAt: '2026-12-01T10:00:00Z' } }), en, { queued: 0, sending: 0, held: 0, lastSentAt: '2026-12-01T10:05:00Z' });
    const newer = screen.getByTestId('last-sent').textContent;
    cleanup();
    renderStatus(connectedView({ outbox: { waiting: 0, held: 0, lastSentAt: '2026-12-01T10:05:00Z' } }), en, { queued: 0, sending: 0, held: 0, lastSentAt: '2026-12-01T10:00:00Z' });
    expect(screen.getByTestId('last-sent').textContent).toBe(newer);
    cleanup();
    renderStatus(connectedView({ outbox: { waiting: 0, held: 0, lastSentAt: '2026-12-01T10:00:00Z' } }));
    expect(screen.getByTestId('last-sent').textContent).not.toBe(newer);
  });

  it('StatusSummary - no warning when the last write worked', () => {
    renderStatus(connectedView());
    expect(screen.queryByTestId('settings-list-warning')).not.toBeInTheDocument();
    expect(screen.queryByTestId('sending-blocked')).not.toBeInTheDocument();
  });

  it('StatusSummary - Exchange stopping the account from sending is a severe warning with its reason and remedy, in English and Japanese', async () => {
    renderStatus(connectedView({ sendingBlocked: { code: 'SENDING_BLOCKED', since: '2026-12-01T10:00:00Z' } }));
    // The reason comes with the error catalogue, loaded when first needed.
    expect(await screen.findByText(/Restricted entities/)).toBeInTheDocument();
    expect(screen.getByTestId('sending-blocked')).toHaveTextContent(en.sendingBlockedWarning.split('{0}')[0].trim());
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateBlocked);
    // A warning to act on, not the pause of a catalog switched off.
    expect(screen.getByTestId('status-summary').querySelector('[data-icon-name]')?.getAttribute('data-icon-name')).toBe('Warning');
    cleanup();
    renderStatus(connectedView({ sendingBlocked: { code: 'SENDING_BLOCKED', since: '2026-12-01T10:00:00Z' } }), ja);
    expect(await screen.findByText(/制限付きエンティティ/)).toBeInTheDocument();
    expect(screen.getByTestId('sending-blocked')).toHaveTextContent(ja.sendingBlockedWarning.split('{0}')[0].trim());
  });

  it('StatusSummary - a block on a catalog whose sending is off offers no Try again now and says the switch holds it too', async () => {
    const next = new Date(Date.now() + 40 * 60_000).toISOString();
    renderStatus(connectedView({ enabled: false, sendingBlocked: { code: 'SENDING_BLOCKED', since: '2026-12-01T10:00:00Z', nextTryAt: next } }), ja);
    expect(await screen.findByTestId('sending-blocked-next')).toHaveTextContent(ja.sendingBlockedSwitchedOff);
    expect(screen.queryByRole('button', { name: ja.retrySending })).toBeNull();
  });

  it('StatusSummary - a lost connection says since when it is lost, not when it was last checked (en, ja)', () => {
    renderStatus(connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-12-05T10:00:00Z', since: '2026-12-02T08:30:00Z' } }));
    expect(screen.getByTestId('status-text')).toHaveTextContent(en.stateLostText.replace('{0}', shownTime('2026-12-02T08:30:00Z', en)));
    expect(screen.getByTestId('connected-checked')).toHaveTextContent(shownTime('2026-12-05T10:00:00Z', en));
    cleanup();
    renderStatus(connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-12-05T10:00:00Z', since: '2026-12-02T08:30:00Z' } }), ja);
    expect(screen.getByTestId('status-text')).toHaveTextContent(ja.stateLostText.replace('{0}', shownTime('2026-12-02T08:30:00Z', ja)));
  });

  it('StatusSummary - the block says when the LMS tries again and offers to try now; with no try planned it says what will, and offers nothing', async () => {
    const next = new Date(Date.now() + 40 * 60_000).toISOString();
    const retried: string[] = [];
    renderStatus(connectedView({ sendingBlocked: { code: 'SEND_AS_DENIED', since: '2026-12-01T10:00:00Z', nextTryAt: next } }), en, undefined, undefined, () => retried.push('retry'));
    await screen.findByText(/primary email address/);
    expect(screen.getByTestId('sending-blocked-next')).toHaveTextContent(en.sendingBlockedNextTry.replace('{0}', shownTime(next, en)));
    screen.getByRole('button', { name: en.retrySending }).click();
    expect(retried).toEqual(['retry']);
    cleanup();
    renderStatus(connectedView({ sendingBlocked: { code: 'SEND_AS_DENIED', since: '2026-12-01T10:00:00Z', nextTryAt: next } }), ja);
    await screen.findByText(/プライマリ メール アドレス/);
    expect(screen.getByTestId('sending-blocked-next')).toHaveTextContent(ja.sendingBlockedNextTry.replace('{0}', shownTime(next, ja)));
    expect(screen.getByRole('button', { name: ja.retrySending })).toBeInTheDocument();
    // No try planned (nothing waits), or its time has come (a drain is trying): nothing to bring forward.
    for (const nextTryAt of [undefined, new Date(Date.now() - 1000).toISOString()]) {
      cleanup();
      renderStatus(connectedView({ sendingBlocked: { code: 'SEND_AS_DENIED', since: '2026-12-01T10:00:00Z', ...(nextTryAt ? { nextTryAt } : {}) } }));
      await screen.findByText(/primary email address/);
      expect(screen.getByTestId('sending-blocked-next')).toHaveTextContent(en.sendingBlockedNoTry);
      expect(screen.queryByRole('button', { name: en.retrySending })).not.toBeInTheDocument();
    }
  });

  it('StatusSummary - a full mailbox is the same warning with its own reason: free space, a retention policy for Sent Items', async () => {
    renderStatus(connectedView({ sendingBlocked: { code: 'MAILBOX_FULL', since: '2026-12-01T10:00:00Z' } }));
    expect(await screen.findByText(/retention policy that empties it/)).toBeInTheDocument();
    expect(screen.getByTestId('sending-blocked')).toHaveTextContent("The account's mailbox is full");
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateBlocked);
    cleanup();
    renderStatus(connectedView({ sendingBlocked: { code: 'MAILBOX_FULL', since: '2026-12-01T10:00:00Z' } }), ja);
    expect(await screen.findByText(/アイテム保持ポリシー/)).toBeInTheDocument();
  });
});
