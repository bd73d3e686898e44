import * as React from 'react';
import '@testing-library/jest-dom';
import { act, cleanup, render, screen, waitFor, within as inside } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { format, sentences, type IConnectionSettingsStrings } from '../loc';
import { appError } from '../model/appError';
import { CATALOG, connectedView, delivery, engineView, FakeConnectionApi, FakeDeliveriesApi, FakeDirectory, FakeSettingsStore, notConnectedView, PAGE_HOST, shownTime } from '../test/fakes';
import { ConnectionSettings } from './ConnectionSettings';
import { themeFor } from './theme';
import { teamsLauncher, type ISignInLauncher } from '../services/signInLauncher';
import { fromLauncher, type ISignInContext, type LaunchEnd, type LaunchSignIn } from '../signIn/launchSignIn';

interface IHarness {
  api: FakeConnectionApi;
  store: FakeSettingsStore;
  opened: string[];
  popup: { closed: boolean; location: { href: string }; close: () => void };
}

function renderPage(options: { api?: FakeConnectionApi; store?: FakeSettingsStore; deliveries?: FakeDeliveriesApi; strings?: IConnectionSettingsStrings; blockPopup?: boolean | (() => boolean); signIn?: ISignInLauncher; launchSignIn?: LaunchSignIn } = {}): IHarness {
  const api = options.api || new FakeConnectionApi();
  const store = options.store || new FakeSettingsStore();
  const opened: string[] = [];
  const popup = { closed: false, location: { href: '' }, close() { this.closed = true; } };
  render(
    <ConnectionSettings
      {...PAGE_HOST}
      services={{ settingsStore: store, connectionApi: api, directory: new FakeDirectory(), deliveries: options.deliveries || new FakeDeliveriesApi() }}
      strings={options.strings || en}
      retryFollowUpsMs={[50, 300, 1000, 2500]}
      openWindow={(url: string) => {
        opened.push(url);
        const blocked = typeof options.blockPopup === 'function' ? options.blockPopup() : options.blockPopup;
        return blocked ? null : popup as unknown as Window;
      }}
      launchSignIn={options.launchSignIn ?? (options.signIn ? fromLauncher(options.signIn, 20, { relayMs: 20, closedWaitMs: 300 }) : undefined)}
    />
  );
  return { api, store, opened, popup };
}

/** Types "Ale" in the alert recipients' picker and picks Alex Wilber from the directory: then unsaved. */
async function pickAlex(): Promise<void> {
  const input = await screen.findByRole('combobox');
  await userEvent.type(input, 'Ale');
  const suggestion = await screen.findByText('Alex Wilber');
  // Fluent's callout stays off screen (pointer-events: none) until it has placed itself: a person
  // can pick the suggestion only then, and so does the test (a loaded machine places it later).
  await waitFor(() => expect(suggestion.closest('.ms-Callout')).not.toHaveStyle({ pointerEvents: 'none' }));
  await userEvent.click(suggestion);
  expect(await screen.findByTestId('unsaved')).toBeInTheDocument();
}

/** Lazily loaded parts (the method section, the alerts) have arrived. */
async function settled(strings: IConnectionSettingsStrings = en): Promise<void> {
  await waitFor(() => expect(screen.queryAllByText(strings.loading)).toHaveLength(0));
}

async function ready(strings: IConnectionSettingsStrings = en): Promise<void> {
  await screen.findByRole('switch', { name: strings.masterSwitchLabel });
  await settled(strings);
}

/** The switch comes first; the method, sign-in and alerts appear once it is on. */
async function switchOn(strings: IConnectionSettingsStrings = en): Promise<void> {
  await userEvent.click(screen.getByRole('switch', { name: strings.masterSwitchLabel }));
  await settled(strings);
}

const summary = (): HTMLElement => screen.getByTestId('status-summary');
const footer = (): HTMLElement => screen.getByTestId('form-footer');
const passwordField = (): HTMLElement => screen.getByLabelText(en.classicPasswordLabel, { selector: 'input' });

/** A check answer the test releases when it has looked at the page in between. */
function holdChecks(api: FakeConnectionApi): () => Promise<void> {
  let release: () => void = () => undefined;
  api.checkGate = new Promise<void>((resolve) => { release = resolve; });
  return () => act(async () => { release(); await api.checkGate; });
}

const LOST = { state: 'lost' as const, code: 'TOKEN_REVOKED', checkedAt: '2026-11-25T12:00:00Z' };

/** The one-time code a successful callback posts; the page completes the connection with it (R-SEC-1). */
const COMPLETION = 'k'.repeat(43);
/** Where the page's window opens for an authorize URL: the API's start page (services/signInLauncher.ts). */
const startOf = (authorizeUrl: string): string => `http://api.test/v1/auth/start?authorize=${encodeURIComponent(authorizeUrl)}`;

function signInMessage(data: object, origin: string = 'http://api.test'): void {
  act(() => {
    window.dispatchEvent(new MessageEvent('message', { data: { type: 'lms-m365-connection', catalog: CATALOG, ...data }, origin }));
  });
}

describe('ConnectionSettings', () => {
  it('ConnectionSettings - first visit: the summary says not connected, the switch comes first and is off', async () => {
    renderPage();
    await ready();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateNotConnected);
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.getByText(en.masterSwitchOffHint)).toBeInTheDocument();
    // The method, sign-in and alerts wait for the switch.
    expect(screen.queryByRole('radio', { name: en.methodModern })).not.toBeInTheDocument();
    expect(screen.queryByText(en.permissionMailSend)).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.save })).toBeDisabled();
    expect(screen.getByRole('button', { name: en.cancel })).toBeDisabled();
    expect(screen.queryByRole('button', { name: en.changeAccount })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - the switch on reveals Modern pre-selected with descriptions, permissions, requirements and one Connect that says what it does', async () => {
    renderPage();
    await ready();
    await switchOn();
    expect(screen.getByRole('radio', { name: en.methodModern })).toBeChecked();
    expect(screen.getByRole('radio', { name: en.methodModern })).toHaveAccessibleDescription(en.methodModernDescription);
    expect(screen.getByRole('radio', { name: en.methodClassic })).toHaveAccessibleDescription(en.methodClassicDescription);
    expect(screen.getByText(en.permissionMailSend)).toBeInTheDocument();
    expect(screen.getByText(en.requirementNotShared)).toBeInTheDocument();
    expect(screen.queryByText(en.requirementSmtpAuth)).not.toBeInTheDocument();
    expect(screen.getByText(en.orgConsentNotGranted)).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: en.connect })).toHaveLength(1);
    expect(screen.queryByRole('button', { name: en.save })).not.toBeInTheDocument();
    expect(screen.getByTestId('connect-hint')).toHaveTextContent(en.connectHintModern);
    expect(screen.getByRole('button', { name: en.cancel })).toBeEnabled();
  });

  it('ConnectionSettings - the transport is under Advanced, Graph by default; SMTP adds its requirement', async () => {
    renderPage();
    await ready();
    await switchOn();
    const advanced = screen.getByRole('button', { name: en.advancedLabel });
    expect(advanced).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('radio', { name: en.transportSmtp })).not.toBeInTheDocument();
    await userEvent.click(advanced);
    expect(screen.getByRole('radio', { name: en.transportGraph })).toBeChecked();
    expect(screen.getByRole('radio', { name: en.transportSmtp })).toHaveAccessibleDescription(en.transportSmtpDescription);
    await userEvent.click(screen.getByRole('radio', { name: en.transportSmtp }));
    expect(screen.getByText(en.requirementSmtpAuth)).toBeInTheDocument();
    expect(screen.getByText(en.permissionSmtpSend)).toBeInTheDocument();
  });

  it('ConnectionSettings - consent for the organisation is offered to a tenant admin only, and said when granted', async () => {
    renderPage({ api: new FakeConnectionApi(notConnectedView({ enabled: true, orgConsent: { granted: false, canGrant: true } })), store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    expect(await screen.findByRole('checkbox', { name: en.orgConsentLabel })).not.toBeChecked();
  });

  it('ConnectionSettings - says when consent for the organisation was already granted', async () => {
    renderPage({ api: new FakeConnectionApi(notConnectedView({ orgConsent: { granted: true, canGrant: true } })) });
    await ready();
    await switchOn();
    expect(screen.getByText(en.orgConsentGranted)).toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    // Granted for Graph, not for SMTP.Send: choosing SMTP, the admin is told and offered the consent again.
    await userEvent.click(screen.getByRole('button', { name: en.advancedLabel }));
    await userEvent.click(screen.getByRole('radio', { name: en.transportSmtp }));
    expect(screen.getByText(en.orgConsentNotGranted)).toBeInTheDocument();
    expect(await screen.findByRole('checkbox', { name: en.orgConsentLabel })).not.toBeChecked();
  });

  it('ConnectionSettings - a consent box ticked for SMTP is not kept when Graph (already consented) is chosen again: hidden, it is not sent', async () => {
    const { api, popup } = renderPage({ api: new FakeConnectionApi(notConnectedView({ orgConsent: { granted: true, smtpGranted: false, canGrant: true } })) });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.advancedLabel }));
    await userEvent.click(screen.getByRole('radio', { name: en.transportSmtp }));
    await userEvent.click(await screen.findByRole('checkbox', { name: en.orgConsentLabel }));
    await userEvent.click(screen.getByRole('radio', { name: en.transportGraph }));
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await waitFor(() => expect(popup.location.href).toBe(startOf(api.authorizeUrl)));
    expect(api.calls.filter((c) => c.startsWith('modern'))).toEqual(['modern false graph http://page.test']);
  });

  it('ConnectionSettings - Cancel restores the stored state', async () => {
    renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    expect(await screen.findByText(en.classicRetirementTitle)).toBeInTheDocument();
    expect(screen.getByTestId('unsaved')).toHaveTextContent(en.unsavedChanges);
    await userEvent.click(screen.getByRole('button', { name: en.cancel }));
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.queryByTestId('unsaved')).not.toBeInTheDocument();
    expect(screen.queryByText(en.classicRetirementTitle)).not.toBeInTheDocument();
    // Said where the disabled Cancel was, so the keyboard's focus has somewhere to go.
    expect(screen.getByTestId('page-notice')).toHaveTextContent(en.changesDiscarded);
    expect(screen.getByTestId('page-notice')).not.toHaveTextContent(en.signInCancelled);
    await waitFor(() => expect(screen.getByTestId('page-notice')).toHaveFocus());
  });

  it('ConnectionSettings - Stop sign-in (Cancel while a sign-in is on its way) stops only the sign-in: the unsaved switch stays, and a second Cancel discards it', async () => {
    renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    expect(screen.queryByRole('button', { name: en.cancel })).not.toBeInTheDocument();
    // Connect is disabled now: the keyboard's focus is on Stop sign-in, not lost to the page.
    await waitFor(() => expect(screen.getByRole('button', { name: en.cancelSignIn })).toHaveFocus());
    await userEvent.click(screen.getByRole('button', { name: en.cancelSignIn }));
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
    expect(screen.getByTestId('page-notice')).toHaveTextContent(`${en.signInCancelled} ${en.changesKept}`);
    await waitFor(() => expect(screen.getByTestId('page-notice')).toHaveFocus());
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
    expect(screen.getByTestId('unsaved')).toHaveTextContent(en.unsavedChanges);
    await userEvent.click(screen.getByRole('button', { name: en.cancel }));
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.getByTestId('page-notice')).toHaveTextContent(en.changesDiscarded);
  });

  it('ConnectionSettings - a sign-in window that reads closed for a while: the footer says what to do if it is really closed, and the page goes on waiting', async () => {
    let hint: (() => void) | undefined;
    renderPage({
      launchSignIn: (_url: Promise<string>, context: ISignInContext) => new Promise<LaunchEnd>((resolve) => {
        hint = context.onClosedHint;
        context.signal.addEventListener('abort', () => resolve({ outcome: 'cancelled' }));
      })
    });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    expect(screen.queryByTestId('sign-in-window-closed')).not.toBeInTheDocument();
    act(() => hint?.());
    // (A MessageBar's text comes a moment later: Fluent UI delays it for screen readers.)
    await waitFor(() => expect(screen.getByTestId('sign-in-window-closed')).toHaveTextContent(en.signInWindowClosed));
    expect(screen.getByText(en.connecting)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.cancelSignIn }));
    expect(screen.queryByTestId('sign-in-window-closed')).not.toBeInTheDocument();
    // A hint that comes after the sign-in ended changes nothing.
    act(() => hint?.());
    expect(screen.queryByTestId('sign-in-window-closed')).not.toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Classic shows its retirement and missing features as a warning next to the choice', async () => {
    renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    const warning = await screen.findByTestId('classic-warning');
    // The warning's text depends on the date (ClassicSection.test.tsx); its title does not.
    expect(inside(warning).getByText(en.classicRetirementTitle)).toBeInTheDocument();
    expect(inside(warning).getByText(en.classicLimitRooms)).toBeInTheDocument();
    expect(inside(warning).getByText(en.classicLimitTeams)).toBeInTheDocument();
    expect(inside(warning).getByText(en.classicLimitFallback)).toBeInTheDocument();
    expect(screen.getByText(en.classicAppPasswordHint)).toBeInTheDocument();
    expect(screen.getByTestId('connect-hint')).toHaveTextContent(en.connectHintClassic);
  });

  it('ConnectionSettings - a Classic connection\'s Switch to Modern (on the status card) opens the account form with Modern chosen', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ method: 'classic', account: { email: 'alex@contoso.test', displayName: 'alex@contoso.test' } })) });
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.switchToModern }));
    expect(await screen.findByRole('radio', { name: en.methodModern })).toBeChecked();
    expect(screen.getByRole('button', { name: en.connect })).toBeEnabled();
  });

  it('ConnectionSettings - Classic validation shows precise messages and sends nothing', async () => {
    const { api, store } = renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    await screen.findByText(en.classicRetirementTitle);
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    expect(await screen.findByText(en.validationEmailRequired)).toBeInTheDocument();
    expect(screen.getByText(en.validationPasswordRequired)).toBeInTheDocument();
    // The focus goes to the first field named, whose message may be out of view.
    await waitFor(() => expect(screen.getByRole('textbox', { name: en.classicEmailLabel })).toHaveFocus());
    await userEvent.type(screen.getByRole('textbox', { name: en.classicEmailLabel }), 'adele@contoso.test');
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await waitFor(() => expect(passwordField()).toHaveFocus());
    await userEvent.clear(screen.getByRole('textbox', { name: en.classicEmailLabel }));
    await userEvent.type(screen.getByRole('textbox', { name: en.classicEmailLabel }), 'not-an-address');
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    expect(await screen.findByText(en.validationEmailInvalid)).toBeInTheDocument();
    expect(api.calls.filter((c) => c !== 'get')).toEqual([]);
    expect(store.saves).toEqual([]);
  });

  it('ConnectionSettings - Classic success connects, then saves, folds the fields away and clears the password', async () => {
    const { api, store } = renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    await userEvent.type(await screen.findByRole('textbox', { name: en.classicEmailLabel }), 'christie@contoso.test');
    await userEvent.type(passwordField(), 'dev-password');
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('christie@contoso.test');
    expect(screen.getByTestId('connected-method')).toHaveTextContent(en.methodClassicShort);
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    expect(api.calls.slice(1)).toEqual(['classic christie@contoso.test', 'patch {"enabled":true,"alertRecipients":[]}']);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
    expect(screen.queryByLabelText(en.classicPasswordLabel, { selector: 'input' })).not.toBeInTheDocument();
    expect(inside(screen.getByTestId('classic-warning')).getByText(en.classicRetirementTitle)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.changeAccount }));
    expect(passwordField()).toHaveValue('');
    expect(screen.getByRole('textbox', { name: en.classicEmailLabel })).toHaveValue('christie@contoso.test');
  });

  it('ConnectionSettings - switching a connected Modern catalog to Classic with a wrong password changes nothing (issue 14 point 3)', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.failures.classic = appError('problem', { status: 422, code: 'BAD_CREDENTIALS' });
    const { store } = renderPage({ api, store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    await userEvent.type(await screen.findByRole('textbox', { name: en.classicEmailLabel }), 'adele@contoso.test');
    await userEvent.type(passwordField(), 'wrong');
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    const alert = await screen.findByTestId('page-error');
    expect(await inside(alert).findByText(ERROR_CATALOGUE.BAD_CREDENTIALS.title.en)).toBeInTheDocument();
    expect(inside(footer()).getByTestId('page-error')).toBe(alert);
    // The focus lands on the error, next to the action that failed.
    expect(alert).toHaveFocus();
    expect(store.saves).toEqual([]);
    expect(api.calls.filter((c) => c.startsWith('patch'))).toEqual([]);
    expect(screen.getByTestId('connected-method')).toHaveTextContent(en.methodModernShort);
    expect(passwordField()).toHaveValue('');
  });

  it('ConnectionSettings - Connect opens the sign-in window and only a success from the API\'s origin connects and saves', async () => {
    const { api, opened, popup, store } = renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await waitFor(() => expect(popup.location.href).toBe(startOf(api.authorizeUrl)));
    expect(opened).toEqual(['about:blank']);
    expect(api.calls).toContain('modern false graph http://page.test');
    expect(screen.getByText(en.connecting)).toBeInTheDocument();
    expect(store.saves).toEqual([]);
    api.view = connectedView({ enabled: false });
    signInMessage({ ok: true, completion: COMPLETION }, 'http://evil.test');
    expect(screen.queryByTestId('connected-view')).not.toBeInTheDocument();
    signInMessage({ ok: true, completion: COMPLETION });
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
    expect(api.calls.filter((c) => c.startsWith('complete'))).toEqual([`complete ${COMPLETION}`]);
    // A message bar renders its text a moment after the bar itself (Fluent's DelayedRender).
    expect(await screen.findByText(en.connectedNotice)).toBeInTheDocument();
  });

  it('ConnectionSettings - connecting with the switch off says nothing is sent and offers to turn it on', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false, health: LOST }));
    const { store } = renderPage({ api });
    await ready();
    await userEvent.click(inside(summary()).getByRole('button', { name: en.reconnect }));
    api.view = connectedView({ enabled: false });
    signInMessage({ ok: true, completion: COMPLETION });
    expect(await screen.findByText(en.connectedOffNotice)).toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.statePaused);
    await userEvent.click(screen.getByRole('button', { name: en.turnOn }));
    await waitFor(() => expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending));
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
    expect(store.saves[store.saves.length - 1]).toMatchObject({ enabled: true });
  });

  it.each(['SHARED_MAILBOX', 'MAILBOX_NOT_FOUND', 'SMTP_AUTH_DISABLED', 'CONSENT_DECLINED'] as const)(
    'ConnectionSettings - a sign-in that ends in %s explains it in Japanese, once, next to Connect', async (code) => {
      const { store } = renderPage({ strings: ja });
      await ready(ja);
      await switchOn(ja);
      await userEvent.click(screen.getByRole('button', { name: ja.connect }));
      await screen.findByText(ja.connecting);
      signInMessage({ ok: false, code, upstream: 'AADSTS65004' });
      const alert = await screen.findByTestId('page-error');
      expect(await inside(alert).findByText(ERROR_CATALOGUE[code].title.ja)).toBeInTheDocument();
      expect(await inside(alert).findByText(ERROR_CATALOGUE[code].remedy.ja)).toBeInTheDocument();
      // What Microsoft 365 answered, on its own line for the Microsoft 365 admin.
      expect(inside(alert).getByTestId('error-upstream')).toHaveTextContent('Microsoft 365 の応答：AADSTS65004');
      expect(screen.getAllByText(ERROR_CATALOGUE[code].title.ja)).toHaveLength(1);
      expect(store.saves).toEqual([]);
    });

  it('ConnectionSettings (R-SEC-1) - a completion the API refuses connects nothing and explains its code', async () => {
    const api = new FakeConnectionApi();
    api.failures.complete = appError('problem', { status: 403, code: 'SIGN_IN_OTHER_ADMIN' });
    const { store } = renderPage({ api });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    signInMessage({ ok: true, completion: COMPLETION });
    const alert = await screen.findByTestId('page-error');
    expect(await inside(alert).findByText(ERROR_CATALOGUE.SIGN_IN_OTHER_ADMIN.title.en)).toBeInTheDocument();
    expect(screen.queryByTestId('connected-account')).not.toBeInTheDocument();
    expect(store.saves).toEqual([]);
  });

  it('ConnectionSettings - a blocked pop-up gets a link instead', async () => {
    const { api } = renderPage({ blockPopup: true });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    const link = await screen.findByRole('link', { name: en.popupBlockedLink });
    expect(link).toHaveAttribute('href', startOf(api.authorizeUrl));
    expect(link).toHaveAttribute('rel', 'opener');
  });

  it('ConnectionSettings - the blocked pop-up\'s link opens the window in its click; closed, with no answer from the API, it ends the wait once the sign-in could not finish (no endless spinner)', async () => {
    let blocks = 1;
    const { api, opened, popup } = renderPage({ blockPopup: () => blocks-- > 0 });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    const link = await screen.findByRole('link', { name: en.popupBlockedLink });
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
    await userEvent.click(link);
    expect(opened).toEqual(['about:blank', startOf(api.authorizeUrl)]);
    expect(await screen.findByText(en.connecting)).toBeInTheDocument();
    expect(screen.queryByTestId('popup-blocked')).not.toBeInTheDocument();
    popup.closed = true;
    expect(await screen.findByText(en.popupClosed, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
    // It asked the API before giving up: a window that reads closed may only have lost this page (COOP).
    expect(api.calls).toContain('result');
  });

  it('ConnectionSettings - in Teams the sign-in goes through authentication.authenticate and its answer connects the page', async () => {
    const asked: Array<{ url: string }> = [];
    let answer: (result: string) => void = () => undefined;
    const signIn = teamsLauncher({ authenticate: (params) => { asked.push(params); return new Promise<string>((resolve) => { answer = resolve; }); } }, 'http://api.test');
    const { api, opened } = renderPage({ signIn });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    expect(await screen.findByText(en.connecting)).toBeInTheDocument();
    expect(opened).toEqual([]);
    expect(asked).toEqual([expect.objectContaining({ url: `http://api.test/v1/auth/teams-start?authorize=${encodeURIComponent(api.authorizeUrl)}` })]);
    api.view = connectedView();
    await act(async () => { answer(JSON.stringify({ type: 'lms-m365-connection', catalog: CATALOG, ok: true, completion: COMPLETION })); });
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(await screen.findByText(en.connectedNotice)).toBeInTheDocument();
  });

  it('ConnectionSettings - in Teams a failed sign-in explains its code, and a closed window ends the wait', async () => {
    const answers: Array<{ resolve: (r: string) => void; reject: (e: Error) => void }> = [];
    const signIn = teamsLauncher({ authenticate: () => new Promise<string>((resolve, reject) => { answers.push({ resolve, reject }); }) }, 'http://api.test');
    renderPage({ signIn });
    await ready();
    await switchOn();
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

  it('ConnectionSettings - a sign-in window that lost this page (Entra\'s COOP: it reads closed, its message never comes) still connects: the page asks the API how the sign-in ended', async () => {
    const { api, popup } = renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    popup.closed = true;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(screen.getByText(en.connecting)).toBeInTheDocument();
    api.view = connectedView();
    api.signInResult = { ok: true, catalog: null, completion: COMPLETION };
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(api.calls).toContain(`complete ${COMPLETION}`);
  });

  it('ConnectionSettings - a sign-in window closed without an answer stops waiting and says so', async () => {
    const { popup } = renderPage();
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    popup.closed = true;
    expect(await screen.findByText(en.popupClosed, {}, { timeout: 4000 })).toBeInTheDocument();
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a launcher given by the host (Teams) replaces the popup', async () => {
    const api = new FakeConnectionApi();
    const store = new FakeSettingsStore();
    const seen: string[] = [];
    render(
      <ConnectionSettings
        services={{ settingsStore: store, connectionApi: api, directory: new FakeDirectory(), deliveries: new FakeDeliveriesApi() }}
        strings={en}
        theme={themeFor('teams-default')}
        userEmail="adele@contoso.test"
        pageOrigin="http://page.test"
        launchSignIn={async (url: Promise<string>) => {
          seen.push(await url);
          api.view = connectedView();
          return { outcome: 'signed-in', completion: COMPLETION };
        }}
      />
    );
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(seen).toEqual([api.authorizeUrl]);
  });

  it('ConnectionSettings - a settings conflict says someone else changed them and offers to reload', async () => {
    const store = new FakeSettingsStore({ enabled: true });
    const api = new FakeConnectionApi(connectedView());
    renderPage({ store, api });
    await ready();
    // Another admin saved recipients (through the API, the authority) after this page read them.
    api.view = { ...api.view, alertRecipients: ['someone@contoso.test'], etag: 'W/"changed-by-someone-else"' };
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.conflictTitle)).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.conflictReload }));
    await ready();
    expect(screen.queryByText(en.conflictTitle)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Check now bringing another admin\'s other alert recipients while this admin picked theirs warns that Save replaces them; Save does', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(connectedView()), store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    await pickAlex();
    // Another admin saved other recipients meanwhile; this page's Check now brings them in.
    api.view = { ...api.view, alertRecipients: ['megan@contoso.test'], etag: 'W/"changed-by-someone-else"' };
    expect(screen.queryByTestId('overwrite-warning')).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.checkNow }));
    expect(await screen.findByText(en.checkedWorks)).toBeInTheDocument();
    expect(screen.getByTestId('overwrite-warning')).toHaveTextContent(en.unsavedOverwrites);
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(api.calls).toContain('patch {"enabled":true,"alertRecipients":["alex@contoso.test"]}');
    expect(screen.queryByTestId('overwrite-warning')).not.toBeInTheDocument();
  });

  it('ConnectionSettings - an item changed only by the API (health, account) is not a conflict', async () => {
    const store = new FakeSettingsStore();
    renderPage({ store, api: new FakeConnectionApi(connectedView({ enabled: false })) });
    await ready();
    store.stored = { ...store.stored, etag: '"health-written-by-the-api"' };
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
  });

  it('ConnectionSettings - Save is enabled only when something changed; it tells the API, then the list', async () => {
    const { api, store } = renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })) });
    await ready();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.statePaused);
    expect(screen.getByRole('button', { name: en.save })).toBeDisabled();
    await switchOn();
    expect(screen.getByRole('button', { name: en.save })).toBeEnabled();
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves[0]).toMatchObject({ enabled: true });
    expect(api.calls).toContain('patch {"enabled":true,"alertRecipients":[]}');
    expect(screen.queryByTestId('unsaved')).not.toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    expect(screen.getByRole('button', { name: en.save })).toBeDisabled();
  });

  it('ConnectionSettings - a save the API took but the site\'s list refused says so, in Japanese too, and is not offered again', async () => {
    const { api, store } = renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })), strings: ja });
    await ready(ja);
    store.failSave = appError('problem', { status: 404 });
    await switchOn(ja);
    await userEvent.click(screen.getByRole('button', { name: ja.save }));
    expect(await screen.findByText(format(ja.listNotUpdated, 'HTTP 404'))).toBeInTheDocument();
    expect(api.calls).toContain('patch {"enabled":true,"alertRecipients":[]}');
    expect(screen.queryByText(ja.conflictTitle)).not.toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(ja.stateSending);
    expect(screen.getByRole('button', { name: ja.save })).toBeDisabled();
  });

  it('ConnectionSettings - a list write SharePoint gave no answer to says so in words, not as the error\'s kind', async () => {
    const { store } = renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })), strings: ja });
    await ready(ja);
    store.failSave = appError('network');
    await switchOn(ja);
    await userEvent.click(screen.getByRole('button', { name: ja.save }));
    expect(await screen.findByText(format(ja.listNotUpdated, ja.listNoAnswer))).toBeInTheDocument();
  });

  it('ConnectionSettings - a list write that kept meeting another change, or failed in the page, says which - not that SharePoint did not answer', async () => {
    for (const [failure, reason] of [[appError('conflict', { status: 412 }), en.listChangedMeanwhile], [appError('unknown'), en.listUnexpected]] as const) {
      const { store } = renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })), strings: en });
      await ready(en);
      store.failSave = failure;
      await switchOn(en);
      await userEvent.click(screen.getByRole('button', { name: en.save }));
      expect(await screen.findByText(format(en.listNotUpdated, reason))).toBeInTheDocument();
      cleanup();
    }
  });

  it('ConnectionSettings - with sending off, the hint under Connect adds that nothing is sent: with a space in English, none in Japanese', async () => {
    for (const strings of [en, ja]) {
      renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })), strings });
      await ready(strings);
      await userEvent.click(await screen.findByRole('button', { name: strings.changeAccount }));
      expect(await screen.findByTestId('connect-hint')).toHaveTextContent(sentences(strings, strings.connectHintModern, strings.connectWhileOffHint), { normalizeWhitespace: false });
      cleanup();
    }
    expect(sentences(ja, ja.connectHintModern, ja.connectWhileOffHint)).not.toMatch(/。 /);
  });

  it('ConnectionSettings - Disconnect with nothing waiting says nothing about what waits', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ outbox: { waiting: 0, held: 0, lastSentAt: null } })) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    expect(inside(dialog).getByText(en.disconnectDialogText, { exact: false })).not.toHaveTextContent(/notifications waiting|\b0\b/);
  });

  it('ConnectionSettings - Disconnect names the account, starts on the safe choice and gives the focus back', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(engineView()), deliveries: new FakeDeliveriesApi(['a', 'b', 'c'].map((id) => delivery({ id, status: 'queued', sentAt: null }))) });
    await ready();
    const trigger = await screen.findByRole('button', { name: en.disconnect });
    await userEvent.click(trigger);
    const dialog = await screen.findByRole('alertdialog');
    expect(inside(dialog).getByText('Disconnect adele@contoso.test?')).toBeInTheDocument();
    expect(inside(dialog).getByText(en.disconnectDialogText, { exact: false })).toHaveTextContent('The 3 notifications waiting to be sent are held');
    await waitFor(() => expect(inside(dialog).getByRole('button', { name: en.disconnectKeep })).toHaveFocus());
    expect(inside(dialog).getByText(en.disconnectRevokeHelp)).toBeInTheDocument();
    await userEvent.click(inside(dialog).getByRole('button', { name: en.disconnectKeep }));
    await waitFor(() => expect(screen.queryByRole('alertdialog')).not.toBeInTheDocument());
    await waitFor(() => expect(screen.getByRole('button', { name: en.disconnect })).toHaveFocus());
    expect(api.calls).not.toContain('disconnect');
    await userEvent.click(screen.getByRole('button', { name: en.disconnect }));
    await userEvent.click(inside(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Disconnect adele@contoso.test' }));
    expect(await screen.findByText(en.disconnected)).toBeInTheDocument();
    // The button went with the connection: the focus goes to what happened, not to the page's start.
    await waitFor(() => expect(screen.getByTestId('page-notice')).toHaveFocus());
    expect(api.calls).toContain('disconnect');
    expect(screen.queryByTestId('connected-view')).not.toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateNotConnected);
  });

  it('ConnectionSettings - Disconnect keeps what the admin changed and did not save (still unsaved, Save and Cancel at hand)', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(engineView()) });
    await ready();
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.getByTestId('unsaved')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.disconnect }));
    await userEvent.click(inside(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Disconnect adele@contoso.test' }));
    expect(await screen.findByText(en.disconnected)).toBeInTheDocument();
    expect(api.calls).toContain('disconnect');
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateNotConnected);
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.getByTestId('unsaved')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.cancel })).toBeEnabled();
  });

  it('ConnectionSettings - the summary shows what the sending engine reports when the API gives it', async () => {
    // Recent deliveries agree with the view (3 waiting), as the API's two answers do.
    const deliveries = new FakeDeliveriesApi(['a', 'b', 'c'].map((id) => delivery({ id, status: 'queued', sentAt: null })));
    renderPage({ api: new FakeConnectionApi(engineView({ alertRecipients: ['alex@contoso.test'] })), deliveries });
    await ready();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    expect(screen.getByTestId('connected-by')).toHaveTextContent('adele@contoso.test');
    expect(screen.getByTestId('queue')).toHaveTextContent('3 waiting, 0 held');
    expect(screen.getByTestId('last-sent')).not.toHaveTextContent(en.never);
    expect(screen.getByTestId('alerts-to')).toHaveTextContent('alex@contoso.test');
  });

  it('ConnectionSettings - with no alert recipients chosen, the summary says alerts go to the admin who connected the account (as the API sends them)', async () => {
    renderPage({ api: new FakeConnectionApi(engineView({ alertRecipients: [] })) });
    await ready();
    expect(screen.getByTestId('alerts-to')).toHaveTextContent(en.alertsConnectedBy.replace('{0}', 'adele@contoso.test'));
  });

  it('ConnectionSettings - a last check that could not tell (health "error") keeps the test email: it is how an admin sees whether mail goes out', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ health: { state: 'error', code: 'SERVICE_UNAVAILABLE', checkedAt: '2026-12-01T10:00:00Z' } })) });
    await ready();
    expect(screen.getByRole('heading', { name: en.testEmailHeading })).toBeInTheDocument();
    expect(screen.getByTestId('check-failed')).toBeInTheDocument();
  });

  it('ConnectionSettings - the summary reads well without the engine\'s fields', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ connectedBy: null, connectedAt: null, outbox: null })) });
    await ready();
    expect(screen.queryByTestId('connected-by')).not.toBeInTheDocument();
    expect(screen.queryByTestId('queue')).not.toBeInTheDocument();
    expect(screen.getByTestId('alerts-to')).toHaveTextContent(en.alertsNobody);
  });

  it('ConnectionSettings - a healthy connection folds the sign-in part away behind Change account', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    expect(change).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(en.permissionsHeading)).not.toBeInTheDocument();
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: en.connect })).not.toBeInTheDocument();
    expect(screen.getByRole('radio', { name: en.methodModern })).toBeChecked();
  });

  it('ConnectionSettings - paused: Turn on sending on the status card switches sending on and saves it (to the API and the list); not offered while other changes are unsaved', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    const store = new FakeSettingsStore({ enabled: false });
    renderPage({ api, store });
    await ready();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.statePaused);
    await userEvent.click(inside(summary()).getByRole('button', { name: en.turnOn }));
    await waitFor(() => expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending));
    expect(api.calls.slice(-1)).toEqual(['patch {"enabled":true,"alertRecipients":[]}']);
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
    expect(inside(summary()).queryByRole('button', { name: en.turnOn })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - paused with another change unsaved: the card offers no Turn on sending (it would save that change too)', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ enabled: false })), store: new FakeSettingsStore({ enabled: false }) });
    await ready();
    await userEvent.click(screen.getByRole('button', { name: en.changeAccount }));
    await userEvent.click(screen.getByRole('radio', { name: en.methodClassic }));
    expect(inside(summary()).queryByRole('button', { name: en.turnOn })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Change account opened with nothing changed: Cancel is the way out and folds it away again', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView()) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    expect(screen.getByRole('button', { name: en.cancel })).toBeDisabled();
    await userEvent.click(change);
    expect(change).toHaveAttribute('aria-expanded', 'true');
    await userEvent.click(screen.getByRole('button', { name: en.cancel }));
    expect(change).toHaveAttribute('aria-expanded', 'false');
    await waitFor(() => expect(change).toHaveFocus());
    expect(screen.queryByRole('button', { name: en.connect })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.cancel })).toBeDisabled();
  });

  it('ConnectionSettings - Change account reveals the sign-in part; Connect signs in another account', async () => {
    const { api, popup } = renderPage({ api: new FakeConnectionApi(connectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    await userEvent.click(change);
    expect(change).toHaveAttribute('aria-expanded', 'true');
    const form = document.getElementById(change.getAttribute('aria-controls') as string) as HTMLElement;
    expect(inside(form).getByText(en.permissionMailSend)).toBeInTheDocument();
    // The part follows the card whose button opened it, before the recent deliveries and the test email; its Connect too.
    const follows = (a: Node, b: Node): boolean => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
    const deliveries = await screen.findByTestId('deliveries-panel');
    expect([follows(change, form), follows(form, deliveries), follows(screen.getByRole('button', { name: en.connect }), deliveries)]).toEqual([true, true, true]);
    expect(await inside(form).findByRole('checkbox', { name: en.orgConsentLabel })).not.toBeChecked();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await waitFor(() => expect(popup.location.href).toBe(startOf(api.authorizeUrl)));
    api.view = connectedView({ account: { email: 'megan@contoso.test', displayName: 'Megan Bowen' } });
    signInMessage({ ok: true, completion: COMPLETION });
    await waitFor(() => expect(screen.getByTestId('connected-account')).toHaveTextContent('megan@contoso.test'));
    expect(screen.getByRole('button', { name: en.changeAccount })).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByText(en.permissionMailSend)).not.toBeInTheDocument();
    // Folded again, the deliveries are back under the card, before the settings.
    const deliveriesAfter = screen.getByTestId('deliveries-panel');
    expect((deliveriesAfter.compareDocumentPosition(screen.getByRole('switch')) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0).toBe(true);
  });

  it('ConnectionSettings - Change account pressed again hides the part and drops what was ticked in it', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ orgConsent: { granted: false, canGrant: true } })) });
    await ready();
    const change = await screen.findByRole('button', { name: en.changeAccount });
    await userEvent.click(change);
    await userEvent.click(await screen.findByRole('checkbox', { name: en.orgConsentLabel }));
    expect(screen.getByTestId('unsaved')).toBeInTheDocument();
    await userEvent.click(change);
    expect(change).toHaveAttribute('aria-expanded', 'false');
    expect(screen.queryByRole('checkbox', { name: en.orgConsentLabel })).not.toBeInTheDocument();
    expect(screen.queryByTestId('unsaved')).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Change account works from the keyboard and is labelled in Japanese', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView()), strings: ja });
    await ready(ja);
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
    await userEvent.click(screen.getByRole('button', { name: en.advancedLabel }));
    await userEvent.click(screen.getByRole('radio', { name: en.transportSmtp }));
    expect(screen.getByText(en.requirementSmtpAuth)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.connect })).toBeEnabled();
  });

  it('ConnectionSettings - a lost connection says since when, why and what to do, with one Reconnect; lost is said once', async () => {
    const { api, popup } = renderPage({ api: new FakeConnectionApi(connectedView({ health: LOST })) });
    await ready();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateLost);
    expect(screen.getAllByText(en.stateLost)).toHaveLength(1);
    const reason = screen.getByTestId('lost-reason');
    expect(await inside(reason).findByText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en)).toBeInTheDocument();
    expect(inside(reason).getByText(ERROR_CATALOGUE.TOKEN_REVOKED.remedy.en)).toBeInTheDocument();
    expect(screen.getAllByRole('button', { name: en.reconnect })).toHaveLength(1);
    expect(screen.queryByRole('button', { name: en.connect })).not.toBeInTheDocument();
    expect(screen.queryByText(en.permissionMailSend)).not.toBeInTheDocument();
    await userEvent.click(inside(summary()).getByRole('button', { name: en.reconnect }));
    await waitFor(() => expect(popup.location.href).toBe(startOf(api.authorizeUrl)));
    expect(api.calls).toContain('modern false graph http://page.test');
    api.view = connectedView();
    signInMessage({ ok: true, completion: COMPLETION });
    await waitFor(() => expect(screen.queryByTestId('lost-reason')).not.toBeInTheDocument());
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
  });

  it('ConnectionSettings - recent deliveries sit under the summary; while lost they call out what is held, after Reconnect they are read again', async () => {
    const deliveries = new FakeDeliveriesApi([delivery({ id: 'h', status: 'held', code: 'TOKEN_REVOKED', sentAt: null })]);
    const { api } = renderPage({ api: new FakeConnectionApi(connectedView({ health: LOST })), deliveries });
    await ready();
    const panel = await screen.findByTestId('deliveries-panel');
    expect(summary().compareDocumentPosition(panel) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(await inside(panel).findByText(format(en.deliveriesHeldWhileLost, '1'))).toBeInTheDocument();
    // The summary counts what the panel just read, not the older view's outbox (0 waiting, 0 held).
    expect(screen.getByTestId('queue')).toHaveTextContent('0 waiting, 1 held');
    deliveries.items = [delivery({ id: 'h', status: 'sent' })];
    await userEvent.click(inside(summary()).getByRole('button', { name: en.reconnect }));
    api.view = connectedView({ etag: 'W/"reconnected"' });
    signInMessage({ ok: true, completion: COMPLETION });
    await waitFor(() => expect(inside(panel).queryByTestId('deliveries-held')).not.toBeInTheDocument());
    expect(inside(panel).getByTestId('delivery-status')).toHaveTextContent(en.deliveryStatusSent);
  });

  it('ConnectionSettings - counts of only the newest deliveries (a longer outbox) do not replace the view\'s count in the summary', async () => {
    const deliveries = new FakeDeliveriesApi([delivery({ id: 'q', status: 'queued', sentAt: null })]);
    deliveries.truncated = true;
    renderPage({ deliveries, api: new FakeConnectionApi(connectedView({ outbox: { waiting: 10000, held: 0, lastSentAt: null } })) });
    await ready();
    await screen.findByTestId('deliveries-panel');
    await waitFor(() => expect(deliveries.calls.length).toBeGreaterThan(0));
    await act(async () => { await Promise.resolve(); });
    expect(screen.getByTestId('queue')).toHaveTextContent('10,000+ waiting, 0 held');
  });

  it('ConnectionSettings - Disconnect of a lost connection counts its waiting notifications once (held are a part of them)', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ health: LOST, outbox: { waiting: 3, held: 3, lastSentAt: null } })), deliveries: new FakeDeliveriesApi(['a', 'b', 'c'].map((id) => delivery({ id, status: 'held', sentAt: null }))) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    expect(inside(dialog).getByText(en.disconnectDialogText, { exact: false })).toHaveTextContent('The 3 notifications waiting to be sent are held');
  });

  it('ConnectionSettings - Disconnect with one notification waiting says it in the singular', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ outbox: { waiting: 1, held: 0, lastSentAt: null } })), deliveries: new FakeDeliveriesApi([delivery({ id: 'a', status: 'queued', sentAt: null })]) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.disconnect }));
    const dialog = await screen.findByRole('alertdialog');
    expect(inside(dialog).getByText(en.disconnectDialogText, { exact: false })).toHaveTextContent('The notification waiting to be sent is held and goes out once an account is connected again, unless it expires first.');
  });

  it('ConnectionSettings - a catalog with no account shows no deliveries panel and reads none', async () => {
    const deliveries = new FakeDeliveriesApi();
    renderPage({ deliveries });
    await ready();
    expect(screen.queryByTestId('deliveries-panel')).not.toBeInTheDocument();
    expect(deliveries.calls).toEqual([]);
  });

  it('ConnectionSettings - a disconnected catalog whose notifications still wait shows them, held until an account is connected', async () => {
    const deliveries = new FakeDeliveriesApi(['a', 'b'].map((id) => delivery({ id, status: 'held', sentAt: null })));
    renderPage({ deliveries, api: new FakeConnectionApi(notConnectedView({ enabled: true, outbox: { waiting: 2, held: 2, lastSentAt: null } })) });
    await ready();
    expect(await screen.findByTestId('deliveries-panel')).toBeInTheDocument();
    expect(await screen.findByText(format(en.deliveriesHeldWhileNotConnected, '2'))).toBeInTheDocument();
  });

  it('ConnectionSettings - a Reconnect that fails the same way is shown once, where the reason already is', async () => {
    const api = new FakeConnectionApi(connectedView({ health: { state: 'lost', code: 'CONSENT_DECLINED', checkedAt: LOST.checkedAt } }));
    renderPage({ api });
    await ready();
    await userEvent.click(inside(summary()).getByRole('button', { name: en.reconnect }));
    await screen.findByText(en.connecting);
    signInMessage({ ok: false, code: 'CONSENT_DECLINED' });
    await waitFor(() => expect(screen.queryByText(en.connecting)).not.toBeInTheDocument());
    expect(await screen.findAllByText(ERROR_CATALOGUE.CONSENT_DECLINED.title.en)).toHaveLength(1);
    expect(screen.getByTestId('lost-reason')).toHaveFocus();
  });

  it('ConnectionSettings - a removed licence is not offered Reconnect: it needs an admin', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView({ health: { state: 'lost', code: 'MAILBOX_NOT_FOUND', checkedAt: LOST.checkedAt } })) });
    await ready();
    expect(await inside(screen.getByTestId('lost-reason')).findByText(ERROR_CATALOGUE.MAILBOX_NOT_FOUND.remedy.en)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: en.reconnect })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.checkNow })).toBeEnabled();
  });

  it('ConnectionSettings - Check now says what it found, also when nothing changed', async () => {
    const api = new FakeConnectionApi(connectedView({ health: { state: 'lost', code: 'MAILBOX_NOT_FOUND', checkedAt: LOST.checkedAt } }));
    renderPage({ api, strings: ja });
    await ready(ja);
    await userEvent.click(await screen.findByRole('button', { name: ja.checkNow }));
    expect(await screen.findByText(ja.checkedNotWorking)).toBeInTheDocument();
    expect(api.calls.filter((c) => c === 'check').length).toBeGreaterThanOrEqual(1);
    api.checkedView = connectedView();
    await userEvent.click(screen.getByRole('button', { name: ja.checkNow }));
    expect(await screen.findByText(ja.checkedWorks)).toBeInTheDocument();
    // Its notice does not take the focus from where the admin is (only a lost focus goes to it).
    expect(screen.getByRole('button', { name: ja.checkNow })).toHaveFocus();
    expect(screen.queryByText(ja.checkedNotWorking)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - Try again now on Exchange\'s block: says the next notification goes now, reads the view again and says when the block is gone', async () => {
    const blocked = { code: 'SEND_AS_DENIED', since: '2026-12-01T10:00:00Z', nextTryAt: new Date(Date.now() + 50 * 60_000).toISOString() };
    const api = new FakeConnectionApi(connectedView({ sendingBlocked: blocked }));
    api.retryNextTryAt = new Date(Date.now()).toISOString();
    renderPage({ api, store: new FakeSettingsStore({ enabled: true }), strings: ja });
    await ready(ja);
    await userEvent.click(await screen.findByRole('button', { name: ja.retrySending }));
    expect(await screen.findByText(ja.retryStarted)).toBeInTheDocument();
    expect(api.calls).toContain('retry-sending');
    // The outbox sent the next notification: the API cleared the block. The page's next read shows it.
    api.view = { ...api.view, sendingBlocked: undefined };
    expect(await screen.findByText(ja.retrySucceeded)).toBeInTheDocument();
    expect(screen.queryByTestId('sending-blocked')).not.toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(ja.stateSending);
  });

  it('ConnectionSettings - Try again now that Exchange refuses again says so with the next try; one within a minute of a refusal says when it will try', async () => {
    const blocked = { code: 'SENDING_BLOCKED', since: '2026-12-01T10:00:00Z', nextTryAt: new Date(Date.now() + 50 * 60_000).toISOString() };
    const api = new FakeConnectionApi(connectedView({ sendingBlocked: blocked }));
    api.retryNextTryAt = new Date(Date.now()).toISOString();
    renderPage({ api, store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.retrySending }));
    expect(await screen.findByText(en.retryStarted)).toBeInTheDocument();
    const anHourOn = new Date(Date.now() + 60 * 60_000).toISOString();
    api.view = { ...api.view, sendingBlocked: { ...blocked, nextTryAt: anHourOn } };
    expect(await screen.findByText(en.retryRefused.replace('{0}', shownTime(anHourOn, en)))).toBeInTheDocument();
    expect(screen.getByTestId('sending-blocked-next')).toHaveTextContent(en.sendingBlockedNextTry.replace('{0}', shownTime(anHourOn, en)));
    // Pressed again at once: the API keeps the mailbox to one try a minute, and the page says when that is.
    const inAMinute = new Date(Date.now() + 55_000).toISOString();
    api.retryNextTryAt = inAMinute;
    await userEvent.click(screen.getByRole('button', { name: en.retrySending }));
    expect(await screen.findByText(en.retryAt.replace('{0}', shownTime(inAMinute, en)))).toBeInTheDocument();
  });

  it('ConnectionSettings - a test email that Exchange refuses shows the block the API recorded; one that goes through clears it; a plain success reads nothing again', async () => {
    const api = new FakeConnectionApi(connectedView());
    renderPage({ api, store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    const send = await screen.findByRole('button', { name: en.testEmailSend });
    const reads = (): number => api.calls.filter((c) => c === 'get').length;
    await userEvent.click(send);
    expect(await screen.findByTestId('test-email-result')).toBeInTheDocument();
    const before = reads();
    // Refused: the API recorded the block (no try planned: nothing waits); the card shows it.
    api.failures['test-email'] = appError('problem', { status: 409, code: 'SEND_AS_DENIED', upstream: 'SMTP 550 5.7.60' });
    api.view = { ...api.view, sendingBlocked: { code: 'SEND_AS_DENIED', since: new Date().toISOString() } };
    await userEvent.click(send);
    expect(await screen.findByTestId('sending-blocked')).toHaveTextContent(en.sendingBlockedNoTry);
    expect(reads()).toBe(before + 1);
    // Through again: the API lifted the block; the card says so without a reload.
    delete api.failures['test-email'];
    api.view = { ...api.view, sendingBlocked: undefined };
    await userEvent.click(screen.getByRole('button', { name: en.testEmailSend }));
    await waitFor(() => expect(screen.queryByTestId('sending-blocked')).not.toBeInTheDocument());
    expect(reads()).toBe(before + 2);
  });

  it('ConnectionSettings - Try again now that fails shows the error in the card and leaves the block as it was', async () => {
    const blocked = { code: 'MAILBOX_FULL', since: '2026-12-01T10:00:00Z', nextTryAt: new Date(Date.now() + 50 * 60_000).toISOString() };
    const api = new FakeConnectionApi(connectedView({ sendingBlocked: blocked }));
    api.failures['retry-sending'] = appError('timeout');
    renderPage({ api, store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    await userEvent.click(await screen.findByRole('button', { name: en.retrySending }));
    const alert = await inside(screen.getByTestId('status-summary')).findByTestId('summary-error');
    expect(alert).toHaveTextContent(en.timeoutError);
    expect(screen.getByTestId('sending-blocked-next')).toHaveTextContent(en.sendingBlockedNextTry.replace('{0}', shownTime(blocked.nextTryAt, en)));
    expect(screen.getByRole('button', { name: en.retrySending })).toBeEnabled();
  });

  it('ConnectionSettings - a Classic connection whose SMTP AUTH was turned off is told how, not to choose Graph', async () => {
    renderPage({
      api: new FakeConnectionApi(connectedView({ method: 'classic', health: { state: 'lost', code: 'SMTP_AUTH_DISABLED', checkedAt: LOST.checkedAt }, account: { email: 'c@contoso.test', displayName: 'C' } })),
      store: new FakeSettingsStore({ method: 'classic' })
    });
    await ready();
    expect(await inside(screen.getByTestId('lost-reason')).findByText(en.remedySmtpAuthClassic)).toBeInTheDocument();
  });

  it('ConnectionSettings - a Classic connection keeps its warning in view but folds the address and password away', async () => {
    renderPage({
      api: new FakeConnectionApi(connectedView({ method: 'classic', account: { email: 'christie@contoso.test', displayName: 'Christie Cline' } })),
      store: new FakeSettingsStore({ method: 'classic' })
    });
    await ready();
    // In the account part (with Classic's limits), and on the status card.
    expect(inside(await screen.findByTestId('classic-warning')).getByText(en.classicRetirementTitle)).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId('classic-retiring')).toHaveTextContent(en.classicRetirementTitle));
    expect(screen.queryByRole('textbox', { name: en.classicEmailLabel })).not.toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.changeAccount }));
    expect(screen.getByRole('textbox', { name: en.classicEmailLabel })).toHaveValue('christie@contoso.test');
  });

  it('ConnectionSettings - a lost Classic connection\'s Reconnect opens its fields with the focus in the password', async () => {
    const { api } = renderPage({
      api: new FakeConnectionApi(connectedView({ method: 'classic', health: { state: 'lost', code: 'BAD_CREDENTIALS', checkedAt: LOST.checkedAt }, account: { email: 'christie@contoso.test', displayName: 'Christie Cline' } })),
      store: new FakeSettingsStore({ method: 'classic' })
    });
    await ready();
    await userEvent.click(inside(summary()).getByRole('button', { name: en.reconnect }));
    await waitFor(() => expect(passwordField()).toHaveFocus());
    await userEvent.type(passwordField(), 'dev-password');
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await waitFor(() => expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending));
    expect(api.calls).toContain('classic christie@contoso.test');
    expect(screen.queryByLabelText(en.classicPasswordLabel, { selector: 'input' })).not.toBeInTheDocument();
  });

  it('ConnectionSettings - opening a connected catalog checks it once in the background and shows the loss it finds', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.checkedView = connectedView({ health: LOST });
    const release = holdChecks(api);
    renderPage({ api });
    await ready();
    expect(await screen.findByText(en.checkingConnection)).toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateSending);
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeEnabled();
    await release();
    await waitFor(() => expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateLost));
    expect(await inside(screen.getByTestId('lost-reason')).findByText(ERROR_CATALOGUE.TOKEN_REVOKED.title.en)).toBeInTheDocument();
    expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument();
    expect(api.calls.filter((c) => c === 'check')).toEqual(['check']);
  });

  it('ConnectionSettings - the background check is not repeated when the page reads its data again', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    const store = new FakeSettingsStore();
    renderPage({ api, store });
    await ready();
    await waitFor(() => expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument());
    api.view = { ...api.view, alertRecipients: ['someone@contoso.test'], etag: 'W/"changed-by-someone-else"' };
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    await userEvent.click(await screen.findByRole('button', { name: en.conflictReload }));
    await ready();
    expect(api.calls.filter((c) => c === 'check')).toEqual(['check']);
  });

  it('ConnectionSettings - a catalog without a connection is not checked on load', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(notConnectedView({ enabled: true })) });
    await ready();
    expect(api.calls).toEqual(['get']);
  });

  it('ConnectionSettings - a failed background check is shown in the summary and the page stays usable', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    api.failures.check = appError('timeout');
    const { store } = renderPage({ api });
    await ready();
    const alert = await screen.findByTestId('summary-error');
    expect(await inside(alert).findByText(en.timeoutError)).toBeInTheDocument();
    await switchOn();
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
    await userEvent.click(inside(await screen.findByRole('alertdialog')).getByRole('button', { name: 'Disconnect adele@contoso.test' }));
    expect(await screen.findByText(en.disconnected)).toBeInTheDocument();
    await release();
    expect(screen.queryByTestId('connected-view')).not.toBeInTheDocument();
    expect(screen.getByTestId('status-state')).toHaveTextContent(en.stateNotConnected);
  });

  it('ConnectionSettings - Send test email reports the result', async () => {
    const { api } = renderPage({ api: new FakeConnectionApi(connectedView()) });
    await ready();
    const to = await screen.findByRole('textbox', { name: en.testEmailRecipient });
    expect(to).toHaveValue('adele@contoso.test');
    await userEvent.clear(to);
    await userEvent.type(to, 'alex@contoso.test');
    await userEvent.click(screen.getByRole('button', { name: en.testEmailSend }));
    expect(await screen.findByTestId('test-email-result')).toHaveTextContent('The test email from adele@contoso.test to alex@contoso.test was accepted for delivery.');
    expect(api.calls).toContain('test-email alex@contoso.test');
  });

  it('ConnectionSettings - Send test email keeps the keyboard\'s focus while it sends (aria-disabled, not disabled): it does not fall to the page\'s body', async () => {
    const api = new FakeConnectionApi(connectedView());
    let release: () => void = () => undefined;
    api.testEmailGate = new Promise<void>((resolve) => { release = resolve; });
    renderPage({ api });
    await ready();
    const send = await screen.findByRole('button', { name: en.testEmailSend });
    send.focus();
    await userEvent.keyboard('{Enter}');
    const sending = await screen.findByRole('button', { name: en.testEmailSending });
    expect(sending).toHaveAttribute('aria-disabled', 'true');
    // Not the disabled attribute: a browser moves the focus off a disabled button (jsdom does not).
    expect(sending).not.toHaveAttribute('disabled');
    expect(sending).toHaveFocus();
    // Pressed again while it sends: nothing more is sent.
    await userEvent.keyboard('{Enter}');
    release();
    expect(await screen.findByTestId('test-email-result')).toBeInTheDocument();
    expect(screen.getByRole('button', { name: en.testEmailSend })).toHaveFocus();
    expect(api.calls.filter((c) => c.startsWith('test-email'))).toHaveLength(1);
  });

  it('ConnectionSettings - alert recipients are picked from the directory and saved', async () => {
    const { api, store } = renderPage({ api: new FakeConnectionApi(connectedView()), store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    await pickAlex();
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(store.saves[0].alertRecipients).toEqual(['alex@contoso.test']);
    expect(api.calls).toContain('patch {"enabled":true,"alertRecipients":["alex@contoso.test"]}');
  });

  it('ConnectionSettings - a visitor of a site with one owner is asked to ask the site owner (not "one of them")', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.failures.get = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    const store = new FakeSettingsStore();
    store.visitor = { summary: undefined, owners: [{ displayName: 'Megan Bowen', email: 'megan@contoso.test' }] };
    renderPage({ api, store });
    expect(await screen.findByTestId('visitor-owners')).toHaveTextContent('Only the catalog site\'s owners can change it. Ask the site owner: Megan Bowen <megan@contoso.test>.');
  });

  it('ConnectionSettings - a visitor is told an owner SharePoint knows no email for by name, without a mail link', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.failures.get = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    const store = new FakeSettingsStore();
    store.visitor = { summary: undefined, owners: [{ displayName: 'Adele Vance', email: '' }, { displayName: 'Megan Bowen', email: 'megan@contoso.test' }] };
    renderPage({ api, store });
    const owners = await screen.findByTestId('visitor-owners');
    expect(owners).toHaveTextContent('Adele Vance, Megan Bowen <megan@contoso.test>');
    expect(inside(owners).getAllByRole('link')).toHaveLength(1);
    expect(inside(owners).getByTestId('visitor-owner-unlinked')).toHaveTextContent('Adele Vance');
  });

  it('ConnectionSettings - a visitor who is not a catalog admin sees a neutral summary and the owners to ask', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.failures.get = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    const store = new FakeSettingsStore();
    store.visitor = {
      summary: { enabled: true, state: 'connected', accountEmail: 'adele@contoso.test' },
      owners: [{ displayName: 'Adele Vance', email: 'adele@contoso.test' }, { displayName: 'Megan Bowen', email: 'megan@contoso.test' }]
    };
    renderPage({ api, store });
    const view = await screen.findByTestId('visitor-view');
    expect(inside(view).getByTestId('visitor-state')).toHaveTextContent(en.stateSending);
    expect(inside(view).getByTestId('visitor-account')).toHaveTextContent('adele@contoso.test');
    expect(inside(view).getByTestId('visitor-owners')).toHaveTextContent('Adele Vance <adele@contoso.test>, Megan Bowen <megan@contoso.test>');
    expect(inside(view).getByRole('link', { name: 'Megan Bowen <megan@contoso.test>' })).toHaveAttribute('href', 'mailto:megan@contoso.test');
    expect(inside(view).queryByTestId('visitor-owner-unlinked')).not.toBeInTheDocument();
    expect(screen.queryByText(ERROR_CATALOGUE.NOT_CATALOG_ADMIN.title.en)).not.toBeInTheDocument();
    expect(screen.queryByRole('switch')).not.toBeInTheDocument();
    expect(screen.queryByRole('button')).not.toBeInTheDocument();
    expect(api.calls).toEqual(['get']);
  });

  it('ConnectionSettings - an API that refuses the page itself (403 CLIENT_APP_NOT_ACCEPTED, a deployment fault) is shown as that error, not as the visitor view', async () => {
    const api = new FakeConnectionApi();
    api.failures.get = appError('problem', { status: 403, code: 'CLIENT_APP_NOT_ACCEPTED' });
    renderPage({ api });
    expect(await screen.findByText(ERROR_CATALOGUE.CLIENT_APP_NOT_ACCEPTED.title.en)).toBeInTheDocument();
    expect(screen.queryByTestId('visitor-view')).not.toBeInTheDocument();
    expect(screen.queryByText(en.visitorCannotSee)).not.toBeInTheDocument();
  });

  it('ConnectionSettings - SharePoint refusing the settings list to an owner the API accepted says so (ja), not "ask an owner"', async () => {
    const store = new FakeSettingsStore();
    store.failLoad = appError('problem', { status: 403, code: 'LIST_ACCESS_DENIED' });
    renderPage({ api: new FakeConnectionApi(connectedView()), store, strings: ja });
    expect(await screen.findByText(ja.listAccessDeniedTitle)).toBeInTheDocument();
    expect(screen.getByText(ja.listAccessDeniedRemedy, { exact: false })).toBeInTheDocument();
    expect(screen.queryByTestId('visitor-view')).not.toBeInTheDocument();
  });

  it('ConnectionSettings - a visitor who may not read the settings is told so in a plain sentence', async () => {
    const api = new FakeConnectionApi();
    api.failures.get = appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' });
    renderPage({ api, strings: ja });
    expect(await screen.findByText(ja.visitorCannotSee)).toBeInTheDocument();
    expect(screen.getByText(ja.visitorAskOwnersUnknown)).toBeInTheDocument();
  });

  it('ConnectionSettings (race) - once the sign-in window has come back, the page completes it: Cancel no longer turns the page idle while the completion saves behind it', async () => {
    const api = new FakeConnectionApi();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => { release = resolve; });
    const complete = api.completeModern.bind(api);
    api.completeModern = (completion: string) => { api.calls.push('complete asked'); return gate.then(() => complete(completion)); };
    const { store } = renderPage({ api });
    await ready();
    await switchOn();
    await userEvent.click(screen.getByRole('button', { name: en.connect }));
    await screen.findByText(en.connecting);
    api.view = connectedView({ enabled: false });
    signInMessage({ ok: true, completion: COMPLETION });
    await waitFor(() => expect(api.calls).toContain('complete asked'));
    // The API is making the connection: a Cancel here would put the switch back to off and free the
    // page, while the completion goes on to turn sending on and lands over whatever is done next.
    await userEvent.click(screen.getByRole('button', { name: en.cancel }));
    expect(screen.getByText(en.connecting)).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).toBeChecked();
    await act(async () => { release(); await gate; });
    expect(await screen.findByTestId('connected-account')).toHaveTextContent('adele@contoso.test');
    expect(store.saves).toEqual([{ enabled: true, alertRecipients: [] }]);
    expect(screen.queryByText(en.connecting)).not.toBeInTheDocument();
  });

  it('ConnectionSettings (race) - Check now keeps what the admin changed and has not saved yet', async () => {
    renderPage({ api: new FakeConnectionApi(connectedView()), store: new FakeSettingsStore({ enabled: true }) });
    await ready();
    await waitFor(() => expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument());
    await userEvent.click(screen.getByRole('switch', { name: en.masterSwitchLabel }));
    expect(screen.getByTestId('unsaved')).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: en.checkNow }));
    expect(await screen.findByText(en.checkedWorks)).toBeInTheDocument();
    expect(screen.getByRole('switch', { name: en.masterSwitchLabel })).not.toBeChecked();
    expect(screen.getByTestId('unsaved')).toBeInTheDocument();
  });

  it('ConnectionSettings (race) - a background check answering while the admin edits brings another admin\'s change along: the save keeps it instead of writing the older value back', async () => {
    const api = new FakeConnectionApi(connectedView({ enabled: false }));
    const release = holdChecks(api);
    renderPage({ api });
    await ready();
    await switchOn();
    // Meanwhile another admin (a second tab) added an alert recipient; the check answers with the API's record.
    api.view = { ...api.view, alertRecipients: ['megan@contoso.test'], etag: 'W/"megan"' };
    await release();
    await waitFor(() => expect(screen.queryByText(en.checkingConnection)).not.toBeInTheDocument());
    await userEvent.click(screen.getByRole('button', { name: en.save }));
    expect(await screen.findByText(en.saved)).toBeInTheDocument();
    expect(api.view).toMatchObject({ enabled: true, alertRecipients: ['megan@contoso.test'] });
  });

  it('ConnectionSettings (race) - a test email answering after its part went away (the background check found the connection lost) updates nothing that is gone', async () => {
    const api = new FakeConnectionApi(connectedView());
    api.checkedView = connectedView({ health: LOST });
    const releaseCheck = holdChecks(api);
    let sent: () => void = () => undefined;
    const answer = new Promise<void>((resolve) => { sent = resolve; });
    const send = api.sendTestEmail.bind(api);
    api.sendTestEmail = (to: string) => answer.then(() => send(to));
    const errors = jest.spyOn(console, 'error');
    try {
      renderPage({ api });
      await ready();
      await userEvent.click(await screen.findByRole('button', { name: en.testEmailSend }));
      await releaseCheck();
      await waitFor(() => expect(screen.queryByRole('button', { name: en.testEmailSend })).not.toBeInTheDocument());
      await act(async () => { sent(); await answer; });
      expect(errors.mock.calls.map((call) => String(call[0])).filter((m) => /unmounted component/.test(m))).toEqual([]);
    } finally {
      errors.mockRestore();
    }
  });

  it('ConnectionSettings - a view the page cannot render (a broken answer past the client) leaves a message with Try again, not an empty web part', async () => {
    const api = new FakeConnectionApi({ ...connectedView(), alertRecipients: null as unknown as string[] });
    const quiet = jest.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      renderPage({ api, strings: ja });
      const crashed = await screen.findByTestId('page-crashed');
      // MessageBar renders its text a moment later, for screen readers to announce it.
      await waitFor(() => expect(crashed).toHaveTextContent(ja.unknownError));
      api.view = connectedView();
      await userEvent.click(inside(crashed).getByRole('button', { name: ja.retry }));
      expect(await screen.findByTestId('status-state')).toHaveTextContent(ja.stateSending);
      expect(screen.queryByTestId('page-crashed')).not.toBeInTheDocument();
      // The focus Try again had goes to the page, not to the document's start.
      expect(document.activeElement).toContainElement(screen.getByTestId('connection-settings'));
    } finally {
      quiet.mockRestore();
    }
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
