import * as React from 'react';
import '@testing-library/jest-dom';
import { act, render, screen, waitFor, within as inside } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import type { IConnectionSettingsStrings } from '../loc';
import { appError } from '../model/appError';
import { CATALOG, connectedView, FakeConnectionApi, FakeDirectory, FakeSettingsStore, notConnectedView } from '../test/fakes';
import { ConnectionSettings } from './ConnectionSettings';
import { themeFor } from './theme';
import { teamsLauncher, type ISignInLauncher } from '../services/signInLauncher';

interface IHarness {
  api: FakeConnectionApi;
  store: FakeSettingsStore;
  opened: string[];
  popup: { closed: boolean; location: { href: string }; close: () => void };
}

function renderPage(options: { api?: FakeConnectionApi; store?: FakeSettingsStore; strings?: IConnectionSettingsStrings; blockPopup?: boolean | (() => boolean); signIn?: ISignInLauncher } = {}): IHarness {
  const api = options.api || new FakeConnectionApi();
  const store = options.store || new FakeSettingsStore();
  const opened: string[] = [];
  const popup = { closed: false, location: { href: '' }, close() { this.closed = true; } };
  render(
    <ConnectionSettings
      services={{ settingsStore: store, connectionApi: api, directory: new FakeDirectory() }}
      strings={options.strings || en}
      theme={themeFor('sharepoint')}
      userEmail="adele@contoso.test"
      pageOrigin="http://page.test"
      popupPollMs={20}
      openWindow={(url: string) => {
        opened.push(url);
        const blocked = typeof options.blockPopup === 'function' ? options.blockPopup() : options.blockPopup;
        return blocked ? null : popup as unknown as Window;
      }}
      signIn={options.signIn}
    />
  );
  return { api, store, opened, popup };
}

async function ready(): Promise<void> {
  await screen.findByRole('switch', { name: en.masterSwitchLabel });
}

/** A check answer the test releases when it has looked at the page in between. */
function holdChecks(api: FakeConnectionApi): () => Promise<void> {
  let release: () => void = () => undefined;
  api.checkGate = new Promise<void>((resolve) => { release = resolve; });
  return () => act(async () => { release(); await api.checkGate; });
}

const LOST = { state: 'lost' as const, code: 'TOKEN_REVOKED', checkedAt: '2026-11-25T12:00:00Z' };

function signInMessage(data: object, origin: string = 'http://api.test'): void {
  act(() => {
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'lms-m365-connection', catalog: CATALOG, ...data }, origin }));
  });
}

describe('ConnectionSettings', () => {
  it('ConnectionSettings - first visit: switch off, Modern pre-selected, permissions and requirements shown', async () => {
    renderPage();
    await ready();
    // Nothing is connected: the sign-in part is simply there, with no Change account to fold it.
    expect(screen.queryByRole('button', { name: en.changeAccount })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.connect })).toBeEnabled();
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.getByRole('radio', { name: en.methodModern })).toBeChecked();
    expect(screen.getByText(en.methodModernDescription, { exact: false })).toBeInTheDocument();
    expect(screen.getByText(en.methodClassicDescription, { exact: false })).toBeInTheDocument();
    expect(screen.getByText(en.permissionMailSend)).toBeInTheDocument();
    expect(screen.getByText(en.requirementNotShared)).toBeInTheDocument();
    expect(screen.queryByText(en.requirementSmtpAuth)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.save })).toBeEnabled();
    expect(screen.getByRole('button', { name: en.cancel })).toBeDisabled();
    expect(screen.getByText(en.orgConsentNotGranted)).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - the SMTP transport adds the SMTP AUTH requirement', async () => {
    renderPage();
    await ready();
    await userEvent.click(screen.getByRole('radio', { name: en.transportSmtp }));
    expect(screen.getByText(en.requirementSmtpAuth)).toBeInTheDocument();
    expect(screen.getByText(en.permissionSmtpSend)).toBeInTheDocument();
  });

  it('ConnectionSettings - consent for the organisation is offered to a tenant admin only', async () => {
    renderPage({ api: new FakeConnectionApi(notConnectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    expect(screen.getByRole('checkbox', { name: en.orgConsentLabel })).not.toBeChecked();
  });

  it('ConnectionSettings - says when consent for the organisation was already granted', async () => {
    renderPage({ api: new FakeConnectionApi(notConnectedView({ orgConsent: { granted: true, canGrant: true } })) });
    await ready();
    expect(screen.getByText(en.orgConsentGranted)).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - unsaved changes are marked and Cancel restores the stored state', async () => {
    renderPage();
    await ready();
    const toggle = screen.getByRole('switch', { name: en.masterSwitchLabel });
    await userEvent.click(toggle);
    expect(toggle).toBeChecked();
    expect(screen.getByText(en.unsavedChanges)).toBeInTheDocument();
    expect(screen.getAllByText(en.changedMark)).toHaveLength(1);
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    expect(await screen.findByText(en.classicRetirementTitle)).toBeInTheDocument();
    expect(screen.getAllByText(en.changedMark)).toHaveLength(2);
    await userEvent.click(screen.getByRole('button', { name: en.cancel }));
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.queryByText(en.unsavedChanges)).not.toBeInTheDocument();
    expect(screen.queryByText(en.classicRetirementTitle)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Classic shows the retirement warning, app-password hint and what it cannot do', async () => {
    renderPage();
    await ready();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    expect(await screen.findByText(en.classicRetirementTitle)).toBeInTheDocument();
    expect(screen.getByText(en.classicAppPasswordHint)).toBeInTheDocument();
    expect(screen.getByText(en.classicLimitRooms)).toBeInTheDocument();
    expect(screen.getByText(en.classicLimitTeams)).toBeInTheDocument();
    expect(screen.getByText(en.classicLimitFallback)).toBeInTheDocument();
  });

  it('ConnectionSettings - Classic validation shows precise messages and sends nothing', async () => {
    const { api, store } = renderPage();
    await ready();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    await screen.findByText(en.classicRetirementTitle);
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.validationEmailRequired)).toBeInTheDocument();
    expect(screen.getByText(en.validationPasswordRequired)).toBeInTheDocument();
    await userEvent.type(screen.getByRole('textbox', { name: en.classicEmailLabel }), 'not-an-address');
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.validationEmailInvalid)).toBeInTheDocument();
    expect(api.calls.filter((c) => c !== 'get')).toEqual([]);
    expect(store.saves).toEqual([]);
  });

  it('ConnectionSettings - Classic success connects, folds the fields away and clears the password', async () => {
    const { api, store } = renderPage();
    await ready();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    await userEvent.type(await screen.findByRole('textbox', { name: en.classicEmailLabel }), 'christie@contoso.test');
    await userEvent.type(screen.getByLabelText(en.classicPasswordLabel, { selector: 'input' }), 'dev-password');
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('christie@contoso.test');
    expect(screen.getByTestId('connected-method')).toHaveTextContent(en.methodClassicShort);
    expect(api.calls).toContain('classic christie@contoso.test');
    expect(store.saves[0]).toMatchObject({ method: 'classic' });
    expect(screen.queryByLabelText(en.classicPasswordLabel, { selector: 'input' })).not.toBeInTheDocument();
    expect(screen.getByText(en.classicRetirementTitle)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.changeAccount }));
    expect(screen.getByLabelText(en.classicPasswordLabel, { selector: 'input' })).toHaveValue('');
    expect(screen.getByRole('textbox', { name: en.classicEmailLabel })).toHaveValue('christie@contoso.test');
  });

  it('ConnectionSettings - a wrong Classic password shows the catalogue message and remedy', async () => {
    const api = new FakeConnectionApi();
    api.failures.classic = appError('problem', { status: 422, code: 'BAD_CREDENTIALS' });
    renderPage({ api });
    await ready();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    await userEvent.type(await screen.findByRole('textbox', { name: en.classicEmailLabel }), 'christie@contoso.test');
    await userEvent.type(screen.getByLabelText(en.classicPasswordLabel, { selector: 'input' }), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    const alert = await screen.findByTestId('page-error');
    expect(await inside(alert).findByText(ERROR_CATALOGUE.BAD_CREDENTIALS.title.en)).toBeInTheDocument();
    expect(await inside(alert).findByText(ERROR_CATALOGUE.BAD_CREDENTIALS.remedy.en)).toBeInTheDocument();
  });

  it('ConnectionSettings - Connect opens the sign-in window and a success message shows the connected view', async () => {
    const { api, opened, popup } = renderPage();
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await waitFor(() => expect(popup.location.href).toBe(api.authorizeUrl));
    expect(opened).toEqual(['about:blank']);
    expect(api.calls).toContain('modern false graph http://page.test');
    expect(screen.getByText(en.connecting)).toBeInTheDocument();
    api.view = connectedView();
    signInMessage({ ok: true }, 'http://evil.test');
    expect(screen.queryByTestId('connected-view')).not.toBeInTheDocument();
    signInMessage({ ok: true });
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(screen.getByTestId('connected-health')).toHaveTextContent(en.healthConnected);
    // A message bar renders its text a moment after the bar itself (Fluent's DelayedRender).
    expect(await screen.findByText(en.connectedNotice)).toBeInTheDocument();
  });

  it.each(['SHARED_MAILBOX', 'MAILBOX_NOT_FOUND', 'SMTP_AUTH_DISABLED', 'CONSENT_DECLINED'] as const)(
    'ConnectionSettings - a sign-in that ends in %s explains it in Japanese', async (code) => {
      renderPage({ strings: ja });
      await screen.findByRole('switch', { name: ja.masterSwitchLabel });
      await userEvent.click(screen.getByRole('button', { name: ja.connect }));
      await screen.findByText(ja.connecting);
      signInMessage({ ok: false, code });
      const alert = await screen.findByTestId('page-error');
      expect(await inside(alert).findByText(ERROR_CATALOGUE[code].title.ja)).toBeInTheDocument();
      expect(await inside(alert).findByText(ERROR_CATALOGUE[code].remedy.ja)).toBeInTheDocument();
    });

  it('ConnectionSettings - a blocked pop-up gets a link instead', async () => {
    const { api } = renderPage({ blockPopup: true });
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    const link = await screen.findByRole('link', { name: en.popupBlockedLink });
    expect(link).toHaveAttribute('href', api.authorizeUrl);
    expect(link).toHaveAttribute('rel', 'opener');
  });

  it('ConnectionSettings - the blocked pop-up\'s link opens the window in its click; closing it ends the wait (no endless spinner)', async () => {
    let blocks = 1;
    const { api, opened, popup } = renderPage({ blockPopup: () => blocks-- > 0 });
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    const link = await screen.findByRole('link', { name: en.popupBlockedLink });
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
    await userEvent.click(link);
    expect(opened).toEqual(['about:blank', api.authorizeUrl]);
    expect(await screen.findByText(en.connecting)).toBeInTheDocument();
    expect(screen.queryByTestId('popup-blocked')).not.toBeInTheDocument();
    popup.closed = true;
    expect(await screen.findByText(en.popupClosed, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - in Teams the sign-in goes through authentication.authenticate and its answer connects the page', async () => {
    const asked: Array<{ url: string }> = [];
    let answer: (result: string) => void = () => undefined;
    const signIn = teamsLauncher({ authenticate: (params) => { asked.push(params); return new Promise<string>((resolve) => { answer = resolve; }); } }, 'http://api.test');
    const { api, opened } = renderPage({ signIn });
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    expect(await screen.findByText(en.connecting)).toBeInTheDocument();
    expect(opened).toEqual([]);
    expect(asked).toEqual([expect.objectContaining({ url: `http://api.test/v1/auth/teams-start?authorize=${encodeURIComponent(api.authorizeUrl)}` })]);
    api.view = connectedView();
    await act(async () => { answer(JSON.stringify({ type: 'lms-m365-connection', catalog: CATALOG, ok: true })); });
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(await screen.findByText(en.connectedNotice)).toBeInTheDocument();
  });

  it('ConnectionSettings - in Teams a failed sign-in explains its code, and a closed window ends the wait', async () => {
    const answers: Array<{ resolve: (r: string) => void; reject: (e: Error) => void }> = [];
    const signIn = teamsLauncher({ authenticate: () => new Promise<string>((resolve, reject) => { answers.push({ resolve, reject }); }) }, 'http://api.test');
    renderPage({ signIn });
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    await act(async () => { answers[0].reject(new Error('SHARED_MAILBOX')); });
    const alert = await screen.findByTestId('page-error');
    expect(await inside(alert).findByText(ERROR_CATALOGUE.SHARED_MAILBOX.title.en)).toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();

    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    await act(async () => { answers[1].reject(new Error('CancelledByUser')); });
    expect(await screen.findByText(en.popupClosed)).toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a sign-in window closed without an answer stops waiting and says so', async () => {
    const { popup } = renderPage();
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    popup.closed = true;
    expect(await screen.findByText(en.popupClosed, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a settings conflict says someone else changed them and offers to reload', async () => {
    const store = new FakeSettingsStore();
    renderPage({ store });
    await ready();
    store.stored = { ...store.stored, transport: 'smtp-oauth', etag: '"changed-by-someone-else"' };
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.conflictTitle)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.conflictReload }));
    await ready();
    expect(screen.queryByText(en.conflictTitle)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - an item changed only by the API (health, account) is not a conflict', async () => {
    const store = new FakeSettingsStore();
    renderPage({ store, api: new FakeConnectionApi(connectedView({ enabled: false })) });
    await ready();
    store.stored = { ...store.stored, etag: '"health-written-by-the-api"' };
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves).toEqual([{ enabled: true, method: 'modern', transport: 'graph', alertRecipients: [] }]);
  });

  it('ConnectionSettings - Save stores the switch in the list and tells the API', async () => {
    const { api, store } = renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })) });
    await ready();
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves[0]).toMatchObject({ enabled: true, method: 'modern' });
    expect(api.calls).toContain('patch {"enabled":true,"alertRecipients":[]}');
    expect(screen.queryByText(en.unsavedChanges)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Disconnect asks first; Cancel keeps the connection, OK removes it', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(connectedView()) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    expect(inside(dialog).getByText(en.disconnectDialogText)).toBeInTheDocument();
    expect(inside(dialog).getByText(en.disconnectRevokeHelp)).toBeInTheDocument();
    await userEvent.click(inside(dialog).getByRole('button', { name: en.disconnectKeep }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    expect(api.calls).not.toContain('disconnect');
    await userEvent.click(screen.getByRole('button', { name: en.disconnect }));
    await userEvent.click(inside(await screen.findByRole('alertdialog')).getByRole('button', { name: en.disconnectConfirm }));
    expect(await screen.findByText(en.disconnected)).toBeInTheDocument();
    expect(api.calls).toContain('disconnect');
    expect(screen.queryByTestId('connected-view')).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a healthy connection folds the sign-in part away behind Change account', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    expect(change).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(en.permissionsHeading)).not.toBeInTheDocument();
    expect(screen.queryByText(en.requirementNotShared)).not.toBeInTheDocument();
    expect(screen.queryByTestId('org-consent-status')).not.toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: en.connect })).not.toBeInTheDocument();
    // What stays: the switch, the method and the transport.
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeEnabled();
    expect(screen.getByRole('radio', { name: en.methodModern })).toBeChecked();
    expect(screen.getByRole('radio', { name: en.transportGraph })).toBeChecked();
  });

  it('ConnectionSettings - Change account reveals the sign-in part and its Connect signs in another account', async () => {
    const { api, popup } = renderPage({ api: new FakeConnectionApi(connectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    await userEvent.click(change);
    expect(change).toHaveAttribute('aria-expanded', 'true');
    const form = document.getElementById(change.getAttribute('aria-controls') as string) as HTMLElement;
    expect(inside(form).getByText(en.permissionMailSend)).toBeInTheDocument();
    expect(inside(form).getByText(en.requirementNotShared)).toBeInTheDocument();
    expect(inside(form).getByText(en.orgConsentNotGranted)).toBeInTheDocument();
    expect(await inside(form).findByRole('checkbox', { name: en.orgConsentLabel })).not.toBeChecked();
    await userEvent.click(inside(form).getByRole('button', { name: en.connect }));
    await waitFor(() => expect(popup.location.href).toBe(api.authorizeUrl));
    expect(api.calls).toContain('modern false graph http://page.test');
    api.view = connectedView({ account: { email: 'megan@contoso.test', displayName: 'Megan Bowen' } });
    signInMessage({ ok: true });
    await waitFor(() => expect(screen.getByTestId('connected-account')).toHaveTextContent('megan@contoso.test'));
    // The new account is connected: the part folds away again.
    expect(screen.getByRole('button', { name: en.changeAccount })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(en.permissionMailSend)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Change account pressed again hides the part and drops what was ticked in it', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    await userEvent.click(change);
    await userEvent.click(await screen.findByRole('checkbox', { name: en.orgConsentLabel }));
    expect(screen.getByText(en.unsavedChanges)).toBeInTheDocument();
    await userEvent.click(change);
    expect(change).toHaveAttribute('aria-expanded', 'false');
    expect(change).not.toHaveAttribute('aria-controls');
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    expect(screen.queryByText(en.unsavedChanges)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Change account works from the keyboard and is labelled in Japanese', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView()), strings: ja });
    await screen.findByRole('switch', { name: ja.masterSwitchLabel });
    const change = await screen.findByRole('button', { name: ja.changeAccount });
    change.focus();
    await userEvent.keyboard('{Enter}');
    expect(change).toHaveAttribute('aria-expanded', 'true');
    expect(screen.getByText(ja.permissionMailSend)).toBeInTheDocument();
    await userEvent.keyboard(' ');
    expect(change).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(ja.permissionMailSend)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - changing the transport of a connection shows what the new sign-in asks for', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView()) });
    await ready();
    await screen.findByRole('button', { name: en.changeAccount });
    await userEvent.click(screen.getByRole('radio', { name: en.transportSmtp }));
    expect(screen.getByText(en.requirementSmtpAuth)).toBeInTheDocument();
    expect(screen.getByText(en.permissionSmtpSend)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.connect })).toBeEnabled();
  });

  it('ConnectionSettings - a lost connection offers only the banner\'s Reconnect; the sign-in part stays folded', async () => {
    const { api, popup } = renderPage({ api: new FakeConnectionApi(connectedView({ health: LOST })) });
    await ready();
    const banner = await screen.findByTestId('lost-banner');
    expect(screen.queryByRole('button', { name: en.connect })).not.toBeInTheDocument();
    expect(screen.queryByText(en.permissionMailSend)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.changeAccount })).toHaveAttribute('aria-expanded', 'false');
    await userEvent.click(inside(banner).getByRole('button', { name: en.reconnect }));
    await waitFor(() => expect(popup.location.href).toBe(api.authorizeUrl));
    expect(api.calls).toContain('modern false graph http://page.test');
    api.view = connectedView();
    signInMessage({ ok: true });
    await waitFor(() => expect(screen.queryByTestId('lost-banner')).not.toBeInTheDocument());
    expect(screen.getByTestId('connected-health')).toHaveTextContent(en.healthConnected);
  });

  it('ConnectionSettings - a lost connection still lets Change account reveal the sign-in part', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ health: LOST })) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.changeAccount }));
    expect(screen.getByText(en.permissionMailSend)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.connect })).toBeEnabled();
    expect(inside(screen.getByTestId('lost-banner')).getByRole('button', { name: en.reconnect })).toBeEnabled();
  });

  it('ConnectionSettings - a Classic connection keeps its warning and limits in view but folds the address and password away', async () => {
    renderPage({
      api: new FakeConnectionApi(connectedView({ method: 'classic', account: { email: 'christie@contoso.test', displayName: 'Christie Cline' } })),
      store: new FakeSettingsStore({ method: 'classic' })
    });
    await ready();
    expect(await screen.findByText(en.classicRetirementTitle)).toBeInTheDocument();
    expect(screen.getByText(en.classicLimitRooms)).toBeInTheDocument();
    expect(screen.queryByRole('textbox', { name: en.classicEmailLabel })).not.toBeInTheDocument();
    expect(screen.queryByLabelText(en.classicPasswordLabel, { selector: 'input' })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.changeAccount }));
    expect(screen.getByRole('textbox', { name: en.classicEmailLabel })).toHaveValue('christie@contoso.test');
  });

  it('ConnectionSettings - a lost Classic connection\'s Reconnect shows the fields its password goes in', async () => {
    const { api } = renderPage({
      api: new FakeConnectionApi(connectedView({ method: 'classic', health: LOST, account: { email: 'christie@contoso.test', displayName: 'Christie Cline' } })),
      store: new FakeSettingsStore({ method: 'classic' })
    });
    await ready();
    const banner = await screen.findByTestId('lost-banner');
    expect(screen.queryByLabelText(en.classicPasswordLabel, { selector: 'input' })).not.toBeInTheDocument();
    await userEvent.click(inside(banner).getByRole('button', { name: en.reconnect }));
    expect(await screen.findByText(en.validationPasswordRequired)).toBeInTheDocument();
    await userEvent.type(screen.getByLabelText(en.classicPasswordLabel, { selector: 'input' }), 'dev-password');
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(api.calls).toContain('classic christie@contoso.test');
    expect(screen.queryByLabelText(en.classicPasswordLabel, { selector: 'input' })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a lost connection shows the banner with its reason and Reconnect signs in again', async () => {
    const { api, popup } = renderPage({ api: new FakeConnectionApi(connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-11-25T10:00:00Z' } })) });
    await ready();
    const banner = await screen.findByTestId('lost-banner');
    expect(await inside(banner).findByText(en.lostTitle)).toBeInTheDocument();
    expect(inside(banner).getByText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en)).toBeInTheDocument();
    await userEvent.click(inside(banner).getByRole('button', { name: en.reconnect }));
    await waitFor(() => expect(popup.location.href).toBe(api.authorizeUrl));
  });

  it('ConnectionSettings - opening a connected catalog checks it once in the background and shows the lost banner it finds', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.checkedView = connectedView({ health: LOST });
    const release = holdChecks(api);
    renderPage({ api });
    await ready();
    // While the API checks, the stored view is shown and the page can be used.
    expect(await screen.findByText(en.checkingConnection)).toBeInTheDocument();
    expect(screen.getByTestId('connected-health')).toHaveTextContent(en.healthConnected);
    expect(screen.queryByTestId('lost-banner')).not.toBeInTheDocument();
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeEnabled();
    expect(screen.getByRole('button', { name: en.disconnect })).toBeEnabled();
    await release();
    const banner = await screen.findByTestId('lost-banner');
    expect(await inside(banner).findByText(en.lostTitle)).toBeInTheDocument();
    expect(inside(banner).getByText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en)).toBeInTheDocument();
    expect(screen.getByTestId('connected-health')).toHaveTextContent(en.healthLost);
    expect(screen.getByTestId('connected-checked')).toHaveTextContent(new Date(LOST.checkedAt).toLocaleString('en-US'));
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
    expect(api.calls.filter((c) => c === 'check')).toEqual(['check']);
  });

  it('ConnectionSettings - the background check is not repeated when the page reads its data again', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    const store = new FakeSettingsStore();
    renderPage({ api, store });
    await ready();
    await waitFor(() => expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument());
    // A conflict's Reload runs the whole load again.
    store.stored = { ...store.stored, transport: 'smtp-oauth', etag: '"changed-by-someone-else"' };
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    await userEvent.click(await screen.findByRole('button', { name: en.conflictReload }));
    await ready();
    expect(api.calls.filter((c) => c === 'get').length).toBe(2);
    expect(api.calls.filter((c) => c === 'check')).toEqual(['check']);
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a catalog without a connection is not checked on load', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(notConnectedView({ enabled: true })) });
    await ready();
    // The decision is taken with the view that made the page ready: nothing can start later.
    expect(api.calls).toEqual(['get']);
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a read-only user does not trigger the check, even with a connection on view', async () => {
    const api = new FakeConnectionApi(connectedView());
    const store = new FakeSettingsStore();
    store.failLoad = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    renderPage({ api, store });
    await ready();
    expect(screen.getByText(en.readOnly)).toBeInTheDocument();
    expect(await screen.findByTestId('connected-view')).toBeInTheDocument();
    expect(api.calls).toEqual(['get']);
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a failed background check is shown in the error area and the page stays usable', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    api.failures.check = appError('timeout');
    const { store } = renderPage({ api });
    await ready();
    const alert = await screen.findByTestId('page-error');
    expect(await inside(alert).findByText(en.timeoutError)).toBeInTheDocument();
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
    // The stored view stays, and the settings can still be changed and saved.
    expect(screen.getByTestId('connected-health')).toHaveTextContent(en.healthConnected);
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves[0]).toMatchObject({ enabled: true });
  });

  it('ConnectionSettings - a background check answering after a disconnect does not bring the old connection back', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.checkedView = connectedView({ health: LOST });
    const release = holdChecks(api);
    renderPage({ api });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.disconnect }));
    await userEvent.click(inside(await screen.findByRole('alertdialog')).getByRole('button', { name: en.disconnectConfirm }));
    expect(await screen.findByText(en.disconnected)).toBeInTheDocument();
    await release();
    expect(screen.queryByTestId('connected-view')).not.toBeInTheDocument();
    expect(screen.queryByTestId('lost-banner')).not.toBeInTheDocument();
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Send test email reports delivery', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(connectedView()) });
    await ready();
    const to = await screen.findByRole('textbox', { name: en.testEmailRecipient });
    expect(to).toHaveValue('adele@contoso.test');
    await userEvent.clear(to);
    await userEvent.type(to, 'alex@contoso.test');
    await userEvent.click(screen.getByRole('button', { name: en.testEmailSend }));
    expect(await screen.findByTestId('test-email-result')).toHaveTextContent('The test email was sent from adele@contoso.test to alex@contoso.test.');
    expect(api.calls).toContain('test-email alex@contoso.test');
  });

  it('ConnectionSettings - alert recipients are picked from the directory and saved', async () => {
    const { api, store } = renderPage({ api: new FakeConnectionApi(connectedView()) });
    await ready();
    const input = await screen.findByRole('combobox');
    await userEvent.type(input, 'Ale');
    await userEvent.click(await screen.findByText('Alex Wilber'));
    expect(await screen.findByText(en.unsavedChanges)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves[0].alertRecipients).toEqual(['alex@contoso.test']);
    expect(api.calls).toContain('patch {"enabled":false,"alertRecipients":["alex@contoso.test"]}');
  });

  it('ConnectionSettings - a non-admin sees the page read-only with the reason', async () => {
    const api = new FakeConnectionApi();
    api.failures.get = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    renderPage({ api });
    await ready();
    expect(screen.getByText(en.readOnly)).toBeInTheDocument();
    expect(await screen.findByText(ERROR_CATALOGUE.NOT_CATALOG_ADMIN.title.en)).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeDisabled();
    expect(screen.getByRole('button', { name: en.save })).toBeDisabled();
    expect(screen.queryByRole('button', { name: en.connect })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a failed load says why and retries', async () => {
    const api = new FakeConnectionApi();
    api.failures.get = appError('timeout');
    renderPage({ api });
    expect(await screen.findByText(en.timeoutError)).toBeInTheDocument();
    delete api.failures.get;
    await userEvent.click(screen.getByRole('button', { name: en.retry }));
    await ready();
  });
});
