import * as React from 'react';
import '@testing-library/jest-dom';
import { act, render, screen, waitFor, within as inside } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import type { IConnectionSettingsStrings } from '../loc';
import { appError } from '../model/appError';
import { connectedView, delivery, FakeConnectionApi, FakeDeliveriesApi, FakeDirectory, FakeSettingsStore, PAGE_HOST } from '../test/fakes';
import { ConnectionSettings } from './ConnectionSettings';
import { themeFor } from './theme';

/**
 * Where the keyboard's focus goes, and what is said: only the admin's own action moves the focus
 * (results the page finds by itself are announced where they are), closing a message or reloading
 * leaves it on something, progress is said, and two web parts on one page share no ids.
 */

const LOST = { state: 'lost' as const, code: 'TOKEN_REVOKED', checkedAt: '2026-11-25T12:00:00Z' };

function page(options: { api?: FakeConnectionApi; store?: FakeSettingsStore; deliveries?: FakeDeliveriesApi; strings?: IConnectionSettingsStrings; blockPopup?: boolean } = {}): JSX.Element {
  return (
    <ConnectionSettings
      {...PAGE_HOST}
      services={{ settingsStore: options.store || new FakeSettingsStore({ enabled: true }), connectionApi: options.api || new FakeConnectionApi(connectedView()), directory: new FakeDirectory(), deliveries: options.deliveries || new FakeDeliveriesApi() }}
      strings={options.strings || en}
      retryFollowUpsMs={[50, 300, 1000]}
      openWindow={() => (options.blockPopup ? null : ({ closed: false, location: { href: '' }, close: () => undefined } as unknown as Window))}
    />
  );
}

/** The page beside an input of another part of the SharePoint page. */
function renderWithOutside(options: Parameters<typeof page>[0] = {}): HTMLInputElement {
  render(<div><input data-testid="outside" aria-label="outside" />{page(options)}</div>);
  return screen.getByTestId('outside') as HTMLInputElement;
}

function gate(): { promise: Promise<void>; open: () => Promise<void> } {
  let release: () => void = () => undefined;
  const promise = new Promise<void>((resolve) => { release = resolve; });
  return { promise, open: () => act(async () => { release(); await promise; }) };
}

async function ready(strings: IConnectionSettingsStrings = en): Promise<void> {
  await screen.findByRole('switch', { name: strings.masterSwitchLabel });
  await waitFor(() => expect(screen.queryAllByText(strings.loading)).toHaveLength(0));
}

const progress = (): HTMLElement => screen.getByTestId('summary-progress');

describe('ConnectionSettings - the focus moves only after the admin\'s own action', () => {
  it('ConnectionSettings - a background check that finds the connection lost leaves the focus where the admin types (in the page, and outside it); the reason is announced', async () => {
    const api = new FakeConnectionApi(connectedView());
    const check = gate();
    api.checkGate = check.promise;
    api.checkedView = connectedView({ health: LOST });
    const outside = renderWithOutside({ api });
    await ready();
    const picker = await screen.findByRole('combobox');
    await userEvent.type(picker, 'Ale');
    expect(picker).toHaveFocus();
    await check.open();
    const reason = await screen.findByTestId('lost-reason');
    expect(reason).toHaveAttribute('role', 'alert');
    expect(screen.getByRole('combobox')).toHaveFocus();
    // Outside the web part too.
    outside.focus();
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(outside).toHaveFocus();
  });

  it('ConnectionSettings - a page that loads lost does not take the focus from another part of the page', async () => {
    const outside = renderWithOutside({ api: new FakeConnectionApi(connectedView({ health: LOST })) });
    outside.focus();
    await ready();
    expect(await screen.findByTestId('lost-reason')).toHaveAttribute('role', 'alert');
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(outside).toHaveFocus();
  });

  it('ConnectionSettings - a background check that fails shows its error without taking the focus; the error is an alert', async () => {
    const api = new FakeConnectionApi(connectedView());
    const check = gate();
    api.checkGate = check.promise;
    api.failures.check = appError('network');
    const outside = renderWithOutside({ api });
    await ready();
    const to = await screen.findByLabelText(en.testEmailRecipient);
    await userEvent.type(to, 'x');
    await check.open();
    const error = await screen.findByTestId('summary-error');
    expect(await inside(error).findByRole('alert')).toHaveTextContent(en.networkError);
    expect(screen.getByLabelText(en.testEmailRecipient)).toHaveFocus();
    expect(error).not.toHaveFocus();
    outside.focus();
    expect(outside).toHaveFocus();
  });

  it('ConnectionSettings - the reads that follow "Try again now" do not take the focus when they find the connection lost', async () => {
    const blocked = { code: 'SEND_AS_DENIED', since: '2026-12-01T10:00:00Z', nextTryAt: new Date(Date.now() + 50 * 60_000).toISOString() };
    const api = new FakeConnectionApi(connectedView({ sendingBlocked: blocked }));
    api.retryNextTryAt = new Date().toISOString();
    const outside = renderWithOutside({ api });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.retrySending }));
    expect(await screen.findByText(en.retryStarted)).toBeInTheDocument();
    outside.focus();
    api.view = connectedView({ health: LOST });
    await screen.findByTestId('lost-reason');
    await act(() => new Promise((resolve) => setTimeout(resolve, 20)));
    expect(outside).toHaveFocus();
  });

  it('ConnectionSettings - Check now that finds the connection lost (the admin\'s action) takes the focus to the reason', async () => {
    const api = new FakeConnectionApi(connectedView());
    renderWithOutside({ api });
    await ready();
    await waitFor(() => expect(screen.queryByTestId('checking-connection')).not.toBeInTheDocument());
    api.checkedView = connectedView({ health: LOST });
    await userEvent.click(screen.getByRole('button', { name: en.checkNow }));
    await waitFor(() => expect(screen.getByTestId('lost-reason')).toHaveFocus());
    expect(screen.getByTestId('lost-reason')).not.toHaveAttribute('role');
  });
});

describe('ConnectionSettings - closing a message or reloading leaves the focus on something', () => {
  it('ConnectionSettings - closing Check now\'s notice, then its error, gives the focus back to Check now', async () => {
    const api = new FakeConnectionApi(connectedView());
    render(page({ api }));
    await ready();
    await waitFor(() => expect(screen.queryByTestId('checking-connection')).not.toBeInTheDocument());
    const check = screen.getByRole('button', { name: en.checkNow });
    check.focus();
    await userEvent.keyboard('{Enter}');
    const notice = await screen.findByTestId('page-notice');
    const close = await inside(notice).findByRole('button', { name: en.dismiss });
    close.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByTestId('page-notice')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole('button', { name: en.checkNow })).toHaveFocus());
    api.failures.check = appError('network');
    await userEvent.keyboard('{Enter}');
    const error = await screen.findByTestId('summary-error');
    await waitFor(() => expect(error).toHaveFocus());
    const closeError = await inside(error).findByRole('button', { name: en.dismiss });
    closeError.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByTestId('summary-error')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole('button', { name: en.checkNow })).toHaveFocus());
  });

  it('ConnectionSettings - closing the footer\'s error gives the focus back to Save; when Save went disabled (the settings were saved, the list not), to the page\'s title', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.failures.patch = appError('network');
    const store = new FakeSettingsStore({ enabled: true });
    render(page({ store, api }));
    await ready();
    const closeFooterError = async (): Promise<void> => {
      const error = await screen.findByTestId('page-error');
      const close = await inside(error).findByRole('button', { name: en.dismiss });
      close.focus();
      await userEvent.keyboard('{Enter}');
      await waitFor(() => expect(screen.queryByTestId('page-error')).not.toBeInTheDocument());
    };
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    screen.getByRole('button', { name: en.save }).focus();
    await userEvent.keyboard('{Enter}');
    await closeFooterError();
    await waitFor(() => expect(screen.getByRole('button', { name: en.save })).toHaveFocus());
    // The API took the change, the settings list did not: nothing left to save.
    delete api.failures.patch;
    store.failSave = appError('network');
    await userEvent.keyboard('{Enter}');
    await closeFooterError();
    expect(screen.getByRole('button', { name: en.save })).toBeDisabled();
    await waitFor(() => expect(screen.getByRole('heading', { level: 2, name: en.title })).toHaveFocus());
  });

  it('ConnectionSettings - closing the notice of a Disconnect (its button is gone) leaves the focus on the status card\'s heading', async () => {
    render(page());
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(inside(dialog).getByRole('button', { name: en.disconnectConfirm.replace('{0}', 'adele@contoso.test') }));
    const notice = await screen.findByTestId('page-notice');
    const close = await inside(notice).findByRole('button', { name: en.dismiss });
    close.focus();
    await userEvent.keyboard('{Enter}');
    await waitFor(() => expect(screen.queryByTestId('page-notice')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByTestId('status-state')).toHaveFocus());
  });

  it('ConnectionSettings - Try again after a failed load leaves the focus on the page\'s title once loaded', async () => {
    const store = new FakeSettingsStore({ enabled: true });
    store.failLoad = appError('network');
    render(page({ store }));
    const retry = await screen.findByRole('button', { name: en.retry });
    retry.focus();
    store.failLoad = undefined;
    await userEvent.keyboard('{Enter}');
    await ready();
    await waitFor(() => expect(screen.getByRole('heading', { level: 2, name: en.title })).toHaveFocus());
  });

  it('ConnectionSettings - Reload after a conflict leaves the focus on the page\'s title once loaded', async () => {
    const api = new FakeConnectionApi(connectedView());
    render(page({ api }));
    await ready();
    api.view = { ...api.view, alertRecipients: ['someone@contoso.test'], etag: 'W/"changed-by-someone-else"' };
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    const reload = await screen.findByRole('button', { name: en.conflictReload });
    reload.focus();
    await userEvent.keyboard('{Enter}');
    await ready();
    await waitFor(() => expect(screen.getByRole('heading', { level: 2, name: en.title })).toHaveFocus());
  });

  it('ConnectionSettings - "Change account" on a Classic connection starts at the address (Reconnect, at the password: ConnectionSettings.test)', async () => {
    const classic = { method: 'classic' as const, account: { email: 'christie@contoso.test', displayName: 'Christie Cline' } };
    render(page({ api: new FakeConnectionApi(connectedView(classic)), store: new FakeSettingsStore({ enabled: true, method: 'classic' }) }));
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.changeAccount }));
    await waitFor(() => expect(screen.getByRole('textbox', { name: en.classicEmailLabel })).toHaveFocus());
  });
});

describe('ConnectionSettings - progress is said as it starts', () => {
  it('ConnectionSettings - Check now, Try again now and Disconnect each say what is under way in a status region that is always there', async () => {
    const blocked = { code: 'SEND_AS_DENIED', since: '2026-12-01T10:00:00Z', nextTryAt: new Date(Date.now() + 50 * 60_000).toISOString() };
    const api = new FakeConnectionApi(connectedView({ sendingBlocked: blocked }));
    render(page({ api }));
    await ready();
    await waitFor(() => expect(screen.queryByTestId('checking-connection')).not.toBeInTheDocument());
    const region = progress();
    expect(region).toHaveAttribute('role', 'status');
    expect(region).toHaveTextContent('');

    const check = gate();
    api.checkGate = check.promise;
    await userEvent.click(screen.getByRole('button', { name: en.checkNow }));
    expect(progress()).toBe(region);
    expect(region).toHaveTextContent(en.checkingConnection);
    expect(screen.getAllByText(en.checkingConnection)).toHaveLength(1);
    await check.open();
    await waitFor(() => expect(region).toHaveTextContent(''));

    const retry = gate();
    api.gates['retry-sending'] = retry.promise;
    await userEvent.click(await screen.findByRole('button', { name: en.retrySending }));
    expect(region).toHaveTextContent(en.retryingSending);
    await retry.open();
    await waitFor(() => expect(region).toHaveTextContent(''));

    const disconnect = gate();
    api.gates.disconnect = disconnect.promise;
    await userEvent.click(screen.getByRole('button', { name: en.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    await userEvent.click(inside(dialog).getByRole('button', { name: en.disconnectConfirm.replace('{0}', 'adele@contoso.test') }));
    expect(region).toHaveTextContent(en.disconnecting);
    await disconnect.open();
    await waitFor(() => expect(region).toHaveTextContent(''));
    expect(progress()).toBe(region);
  });

  it('ConnectionSettings - the progress reads in Japanese', async () => {
    const api = new FakeConnectionApi(connectedView());
    render(page({ api, strings: ja }));
    await ready(ja);
    const disconnect = gate();
    api.gates.disconnect = disconnect.promise;
    await userEvent.click(screen.getByRole('button', { name: ja.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    // The dialog's title names the account; its button is the verb alone, which no width cuts off.
    await userEvent.click(inside(dialog).getByRole('button', { name: ja.disconnectConfirm }));
    expect(progress()).toHaveTextContent(ja.disconnecting);
    await disconnect.open();
  });
});

describe('ConnectionSettings - two web parts on one page', () => {
  it('ConnectionSettings - two connected web parts (Advanced open) share no element id; each "Send to" field and alerts picker is labelled by its own label', async () => {
    const one = (): JSX.Element => page({ api: new FakeConnectionApi(connectedView()), deliveries: new FakeDeliveriesApi([delivery()]) });
    render(<div>{one()}{one()}</div>);
    await waitFor(() => expect(screen.getAllByRole('combobox')).toHaveLength(2));
    await waitFor(() => expect(screen.getAllByTestId('deliveries-panel')).toHaveLength(2));
    await waitFor(() => expect(screen.getAllByLabelText(en.testEmailRecipient)).toHaveLength(2));
    await act(() => new Promise((resolve) => setTimeout(resolve, 50)));
    // The Modern options' descriptions and the transport (Advanced) too.
    for (const advanced of screen.getAllByRole('button', { name: en.advancedLabel })) {
      await userEvent.click(advanced);
    }
    const ids = Array.from(document.querySelectorAll('[id]')).map((element) => element.id);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    const [first, second] = screen.getAllByTestId('connection-settings');
    const secondField = inside(second).getByLabelText(en.testEmailRecipient);
    expect(secondField).toHaveValue('adele@contoso.test');
    expect(inside(first).getByLabelText(en.testEmailRecipient)).not.toBe(secondField);
    const secondPicker = inside(second).getByRole('combobox');
    const label = document.getElementById(secondPicker.getAttribute('aria-labelledby') || '');
    expect(second).toContainElement(label);
    expect(inside(second).getByRole('radio', { name: en.transportGraph })).toHaveAccessibleDescription(en.transportGraphDescription);
    expect(inside(second).getByRole('switch', { name: en.masterSwitchLabel })).toBeInTheDocument();
  });
});

describe('ConnectionSettings - what is read with a control, and colours', () => {
  it('ConnectionSettings - the master switch, off, is described by the hint under it', async () => {
    render(page({ store: new FakeSettingsStore({ enabled: false }), api: new FakeConnectionApi(connectedView({ enabled: false })) }));
    await ready();
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toHaveAccessibleDescription(en.masterSwitchOffHint);
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toHaveAttribute('aria-describedby');
  });

  it('ConnectionSettings - the blocked sign-in\'s link has the message bar\'s link colour (the plain link colour is under 4.5:1 on the warning background)', async () => {
    render(page({ api: new FakeConnectionApi(connectedView({ health: LOST })), blockPopup: true }));
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.reconnect }));
    const blocked = await screen.findByTestId('popup-blocked');
    const link = await inside(blocked).findByRole('link', { name: en.popupBlockedLink });
    const theme = themeFor('sharepoint');
    expect(theme.semanticColors.messageLink).not.toBe(theme.semanticColors.link);
    // The colour as the browser writes it (rgb), from the theme's.
    const expected = document.createElement('i');
    expected.style.color = theme.semanticColors.messageLink;
    expect(link.style.color).toBe(expected.style.color);
  });

  it('ConnectionSettings - the account\'s name and address read in the language\'s form', async () => {
    render(page({ strings: ja, api: new FakeConnectionApi(connectedView({ account: { email: 'alex@contoso.test', displayName: 'Alex Wilber' } })) }));
    await ready(ja);
    expect(screen.getByTestId('connected-account')).toHaveTextContent('Alex Wilber（alex@contoso.test）');
    expect(screen.getByTestId('connected-method')).toHaveTextContent(`${ja.methodModernShort}・${ja.transportGraphShort}`);
  });
});
