import * as React from 'react';
import { ThemeProvider } from '@fluentui/react/lib/Theme';
import type { ITheme } from '@fluentui/react/lib/Styling';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Spinner, SpinnerSize } from '@fluentui/react/lib/Spinner';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { format, sentences, type IConnectionSettingsStrings, withErrorTexts } from '../loc';
import { appError, toAppError, type IAppError } from '../model/appError';
import { isConnected, isWorking, type AuthMethod, type IConnectionView, type Transport } from '../model/connection';
import { dirtyFields, orgConsentOptionVisible, validate, validateCredentials, hasErrors, type FormField, type IFormErrors, type IFormValues } from '../model/form';
import { INITIAL_STATE, pageReducer, type ErrorPlace, type INotice, type IPageState, type PageAction } from '../model/pageState';
import { reconnectHelps } from '../model/reconnect';
import { summaryState } from '../model/summary';
import type { IStoredSettings } from '../model/settings';
import type { IPartlySaved, ISaved, SaveStep } from '../save/saveFlow';
import type { IDeliveries, IServices } from '../services/interfaces';
import { popupSignIn, type LaunchSignIn } from '../signIn/launchSignIn';
import { useSignIn } from '../signIn/useSignIn';
import { FocusOnShow } from './FocusOnShow';
import { FormFooter } from './FormFooter';
import { formatTime, timeFormat } from './formatTime';
import { LazyBoundary } from './LazyBoundary';
import { PageBoundary } from './PageBoundary';
import { SendingSection } from './SendingSection';
import { StatusSummary } from './StatusSummary';
import { IdPrefixProvider, useIdPrefix } from './ids';
import { pageClassName } from './pageStyles';
import { LazyErrorBar as ErrorBar } from './lazyErrorBar';

const loadAlertRecipients = (): Promise<typeof import('./AlertRecipients')> => import(/* webpackChunkName: 'lms-recipients' */ './AlertRecipients');
const AlertRecipients = React.lazy(loadAlertRecipients);
const DisconnectDialog = React.lazy(() => import(/* webpackChunkName: 'lms-disconnect' */ './DisconnectDialog'));
// Test email is fetched once a connection works; a first visit never needs it.
const loadTestEmail = (): Promise<typeof import('./TestEmail')> => import(/* webpackChunkName: 'lms-connected' */ './TestEmail');
const TestEmail = React.lazy(() => loadTestEmail().then((m) => ({ default: m.TestEmail })));
// Saving runs only after a click: its code loads then (in parallel with the sign-in window opening).
const saveFlow = (): Promise<typeof import('../save/saveFlow')> => import(/* webpackChunkName: 'lms-save' */ '../save/saveFlow');
// The method and its sign-in part show once the switch is on or an account is connected: a
// first visit paints without them (and without the choice groups they bring).
const loadMethodSection = (): Promise<typeof import('./MethodSection')> => import(/* webpackChunkName: 'lms-method' */ './MethodSection');
const MethodSection = React.lazy(() => loadMethodSection().then((m) => ({ default: m.MethodSection })));
// Recent deliveries (R-OPS-2) are read after the first paint, under the summary.
const loadDeliveriesPanel = (): Promise<typeof import('./DeliveriesPanel')> => import(/* webpackChunkName: 'lms-deliveries' */ './DeliveriesPanel');
const DeliveriesPanel = React.lazy(withErrorTexts(() => loadDeliveriesPanel().then((m) => ({ default: m.DeliveriesPanel }))));
// A visitor who cannot manage the catalog is rare; their summary is not in the first-render bundle.
const VisitorView = React.lazy(() => import(/* webpackChunkName: 'lms-visitor' */ './VisitorView').then((m) => ({ default: m.VisitorView })));

/**
 * The parts a connected catalog shows, fetched while its data loads rather than after it arrives
 * (bench:page): they stay out of the first-render bundle, and cost no extra round trip later.
 */
function preloadConnectedParts(): void {
  for (const load of [loadMethodSection, loadAlertRecipients, loadDeliveriesPanel, loadTestEmail]) {
    load().catch(() => undefined);
  }
}

export interface IConnectionSettingsProps {
  services: IServices;
  strings: IConnectionSettingsStrings;
  theme: ITheme;
  /** The signed-in user's address: the default recipient of a test email. */
  userEmail: string;
  /** Origin of this page; the sign-in callback posts its result to exactly this origin. */
  pageOrigin: string;
  /**
   * Opens the Microsoft sign-in and reports how it ended. A popup window by default; the web part
   * passes the launcher for its host (services/signInLauncher.ts: Teams' authentication.authenticate
   * or a popup) through fromLauncher.
   */
  launchSignIn?: LaunchSignIn;
  /** The default popup launcher's window opener; window.open by default. */
  openWindow?: (url: string) => Window | null;
  /** How often the default popup launcher checks whether the window was closed. */
  popupPollMs?: number;
  /** How long the page waits for the API's answer after the sign-in window read closed (tests; the sign-in's lifetime by default). */
  signInClosedWaitMs?: number;
  /** How often the recent deliveries are read again while items are on their way (ms; default 10 s). */
  deliveriesPollMs?: number;
  /** After "Try again now", when the view is read again (ms after the try; default RETRY_FOLLOW_UPS_MS). */
  retryFollowUpsMs?: number[];
}

/** A try is a drain's next step: its result is in the view within seconds, or (Exchange slow) within half a minute. */
const RETRY_FOLLOW_UPS_MS = [3000, 10000, 30000];

/**
 * Only NOT_CATALOG_ADMIN (or a 403 that names no code) means the visitor view: the API's other
 * 403s (CLIENT_APP_NOT_ACCEPTED, SCOPE_MISSING, ...) are a deployment's fault, which an owner must
 * see as it is rather than be told to ask an owner.
 */
function isNotAdmin(error: IAppError): boolean {
  return error.kind === 'problem' && (error.code === 'NOT_CATALOG_ADMIN' || (error.status === 403 && !error.code));
}

/** What the page shows and what its one primary action does, from the state (issue 14, point 2). */
interface ILayout {
  connected: boolean;
  /** The method choice, its part and the alerts: once the switch is on or an account is connected. */
  sectionsShown: boolean;
  /** The part that makes a new connection (sign-in or address and password). */
  accountFormShown: boolean;
  step: SaveStep;
  /** The summary's Reconnect is the state's primary action; the footer's button steps back. */
  reconnectIsPrimary: boolean;
  /** The fields that differ from the stored state. */
  edited: FormField[];
}

function layoutOf(state: IPageState, values: IFormValues, baseline: IFormValues, view: IConnectionView): ILayout {
  const connected = isConnected(view);
  const sectionsShown = values.enabled || connected;
  const changesConnection = connected && (values.method !== view.method || (values.method === 'modern' && values.transport !== view.transport));
  const accountFormShown = !connected || state.changingAccount || changesConnection;
  const edited = dirtyFields(baseline, values);
  const step: SaveStep = sectionsShown && accountFormShown ? values.method : edited.length > 0 ? 'settings' : 'nothing';
  const reconnectIsPrimary = summaryState(view) === 'lost' && reconnectHelps(view.health.code) && !accountFormShown;
  return { connected, sectionsShown, accountFormShown, step, reconnectIsPrimary, edited };
}

/**
 * The settings page (SPEC R-PAGE). The state lives in a reducer (model/pageState), saving in
 * save/saveFlow, the sign-in window in signIn/; this component wires them to the sections.
 */
/**
 * The settings page under its last line of defence: a render that throws (an answer shaped as
 * nothing the page knows, read into its state) leaves a message with Try again, which mounts the
 * page afresh, instead of an empty web part.
 */
export function ConnectionSettings(props: IConnectionSettingsProps): JSX.Element {
  return <PageBoundary strings={props.strings} theme={props.theme}><ConnectionSettingsPage {...props} /></PageBoundary>;
}

function ConnectionSettingsPage(props: IConnectionSettingsProps): JSX.Element {
  const { services, strings, theme } = props;
  // Every element id of this web part starts with its own prefix: two on one page do not share any.
  const idPrefix = useIdPrefix();
  const id = (name: string): string => `${idPrefix}-${name}`;
  /** The Modern sign-in part or the Classic fields, whichever is shown; "Change account" controls it. */
  const accountFormId = id('account-form');
  const [state, rawDispatch] = React.useReducer(pageReducer, INITIAL_STATE);
  const stateRef = React.useRef<IPageState>(state);
  stateRef.current = state;
  const mounted = React.useRef<boolean>(true);
  React.useEffect(() => () => { mounted.current = false; }, []);
  const dispatch = React.useCallback((action: PageAction): void => {
    if (mounted.current) {
      rawDispatch(action);
    }
  }, []);
  const disconnectButton = React.useRef<HTMLElement>(null);
  const changeAccountButton = React.useRef<HTMLElement>(null);
  // What recent deliveries last read, for the summary's waiting and held; the view's are as old as the view.
  const [deliveryCounts, setDeliveryCounts] = React.useState<(IDeliveries['counts'] & { lastSentAt: string | null }) | undefined>(undefined);
  const countsOf = React.useRef<IConnectionView | undefined>(undefined);
  // The blocked notice's link opens the window in its own click through this (launchSignIn's retry).
  const retryBlocked = React.useRef<(() => boolean) | undefined>(undefined);

  const launch = React.useMemo(
    () => props.launchSignIn || popupSignIn({ apiBaseUrl: services.connectionApi.baseUrl, openWindow: props.openWindow, pollMs: props.popupPollMs, relayMs: props.popupPollMs, closedWaitMs: props.signInClosedWaitMs }),
    [props.launchSignIn, props.openWindow, props.popupPollMs, props.signInClosedWaitMs, services.connectionApi.baseUrl]
  );
  const signIn = useSignIn({
    launch,
    apiOrigin: services.connectionApi.origin,
    catalog: state.view ? state.view.catalog : undefined,
    onBlocked: (url: string, retry: () => boolean) => {
      retryBlocked.current = retry;
      dispatch({ type: 'sign-in', signIn: { state: 'blocked', url } });
    },
    complete: (completion: string) => services.connectionApi.completeModern(completion),
    poll: () => services.connectionApi.modernResult(),
    // Still connecting, but no longer waiting for the window: Cancel would only hide the completion
    // and the save after it, which would then land over whatever the admin did next.
    onSignedIn: () => dispatch({ type: 'sign-in', signIn: undefined }),
    onClosedHint: () => dispatch({ type: 'sign-in-window-closed' })
  });

  // Catalogs this page load has verified already: a retry or a reload after a conflict reads the
  // view again but does not ask the API for another forced token refresh or SMTP login.
  const verified = React.useRef<string[]>([]);

  /**
   * The stored health only changes when the API checks (keep-alive or "Check now"), so a connection
   * lost since then would look healthy: ask the API to check it now, without holding the page up.
   */
  const verify = React.useCallback((view: IConnectionView): void => {
    services.connectionApi.checkConnection().then(
      (checked: IConnectionView) => dispatch({ type: 'verified', of: view, view: checked }),
      (error: unknown) => dispatch({ type: 'verify-failed', of: view, error: toAppError(error) })
    );
  }, [services, dispatch]);

  const load = React.useCallback(async (): Promise<void> => {
    const loadOnce = async (): Promise<void> => {
      const [viewResult, storeResult] = await Promise.all([
        services.connectionApi.getConnection().then((v: IConnectionView) => ({ ok: v }), (e: unknown) => ({ failed: toAppError(e) })),
        services.settingsStore.load().then((s: IStoredSettings) => ({ ok: s }), (e: unknown) => ({ failed: toAppError(e) }))
      ]);
      const viewError = 'failed' in viewResult ? viewResult.failed : undefined;
      const storeError = 'failed' in storeResult ? storeResult.failed : undefined;
      if ((viewError && isNotAdmin(viewError)) || (storeError && isNotAdmin(storeError))) {
        dispatch({ type: 'denied', visitor: await services.settingsStore.readForVisitor() });
        return;
      }
      if (!('ok' in viewResult) || !('ok' in storeResult)) {
        dispatch({ type: 'load-failed', error: (viewError || storeError) as IAppError });
        return;
      }
      const view = viewResult.ok;
      // Only a catalog that has a connection has one to check.
      const verifying = view.method !== null && verified.current.indexOf(view.catalog) < 0;
      dispatch({ type: 'loaded', view, stored: storeResult.ok, verifying });
      if (verifying) {
        verified.current.push(view.catalog);
        verify(view);
      }
    };
    dispatch({ type: 'load' });
    try {
      await loadOnce();
    } catch {
      // Whatever was read could not be used (the services reject with a page error; this is the rest).
      dispatch({ type: 'load-failed', error: appError('unknown') });
    }
  }, [services, dispatch, verify]);

  React.useEffect(() => { void load(); }, [load]);
  React.useEffect(preloadConnectedParts, []);
  React.useEffect(() => { timeFormat(strings.locale); }, [strings.locale]);

  // A Connect refused by validation takes the focus to the first field it names (at 400 px its
  // message may be out of view, and a screen reader hears it there).
  const root = React.useRef<HTMLDivElement>(null);

  /**
   * The button that set off what the page says next (a notice, an error): closing that message
   * gives the focus back to it, not to the page's body. Recorded as an action starts.
   */
  const trigger = React.useRef<HTMLElement | null>(null);
  const noteTrigger = (element?: HTMLElement | null): void => {
    const active = element !== undefined ? element : document.activeElement;
    trigger.current = active instanceof HTMLElement && !!root.current && root.current.contains(active) && active !== root.current ? active : null;
  };
  /** A message was closed: back to the button that caused it, or (gone, as Disconnect is) to the heading of its part. */
  const focusBack = (place: ErrorPlace, background?: boolean): void => {
    const target = background ? null : trigger.current;
    if (target && target.isConnected && !target.matches(':disabled')) {
      target.focus();
      return;
    }
    const part = root.current?.querySelector<HTMLElement>(place === 'footer' ? '.lms-footer-actions button:not(:disabled)' : '[data-testid="status-state"]');
    (part || document.getElementById(id('title')))?.focus();
  };

  // A reload the admin asked for ("Try again" after a failed load, "Reload" after a conflict) takes
  // the page down to its spinner, and the button with it: the focus goes to the page's title.
  const reloading = React.useRef<boolean>(false);
  const reload = (): void => {
    reloading.current = true;
    void load();
  };
  React.useEffect(() => {
    if (reloading.current && state.phase !== 'loading') {
      reloading.current = false;
      document.getElementById(id('title'))?.focus();
    }
  }, [state.phase]);
  const focusInvalid = React.useRef<boolean>(false);
  React.useEffect(() => {
    if (focusInvalid.current && state.showValidation) {
      focusInvalid.current = false;
      root.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    }
  });

  /** The API changes the settings item too when a connection changes: read both again. */
  const refresh = async (notice?: INotice, keepEdits?: boolean): Promise<void> => {
    const [view, stored] = await Promise.all([services.connectionApi.getConnection(), services.settingsStore.load()]);
    dispatch({ type: 'applied', view, stored, notice, keepEdits });
  };

  const fail = (error: unknown, place: ErrorPlace): void => {
    const appErr = typeof error === 'string' ? error : toAppError(error);
    dispatch({ type: 'failed', error: appErr, place, reload: typeof appErr !== 'string' && appErr.kind === 'conflict' });
  };

  /** Why the settings list was not written, in words: SharePoint's code or status, else what happened. */
  const listFailure = ({ kind, code, status }: IAppError): string => {
    if (code) {
      return code;
    }
    if (kind === 'conflict') {
      return strings.listChangedMeanwhile;
    }
    if (status) {
      return `HTTP ${status}`;
    }
    return kind === 'network' || kind === 'timeout' ? strings.listNoAnswer : strings.listUnexpected;
  };

  /** Part of a save went through: the page takes what the API and the list hold now, and says what was not written. */
  const partlySaved = (result: IPartlySaved, place: ErrorPlace): void => {
    dispatch({ type: 'applied', view: result.view, stored: result.stored, keepEdits: true });
    fail(result.list ? format(strings.listNotUpdated, listFailure(result.error)) : result.error, place);
  };

  /** A connection was made: say so, and offer to turn sending on when it is off (issue 14, point 2). */
  const connected = (result: ISaved | IPartlySaved, place: ErrorPlace): void => {
    const on = result.view.enabled;
    const notice = { text: on ? strings.connectedNotice : strings.connectedOffNotice, place: 'footer' as const, offerTurnOn: !on };
    if ('error' in result) {
      partlySaved(result, place);
      return;
    }
    dispatch({ type: 'applied', view: result.view, stored: result.stored, notice });
  };

  /** The page's actions, all or nothing (save/saveFlow): Connect, Reconnect, Save, Turn on. */
  const execute = (step: SaveStep, values: IFormValues, place: ErrorPlace): void => {
    const { baseline, view, stored } = stateRef.current;
    if (!baseline || !view || !stored || step === 'nothing') {
      return;
    }
    noteTrigger();
    if (step === 'modern') {
      // Open the window inside the click, before any await, or the browser blocks it as a pop-up.
      const url = saveFlow().then((flow) => flow.startModern(services, values, view, props.pageOrigin));
      const run = signIn.run(url);
      dispatch({ type: 'sign-in', signIn: { state: 'waiting' } });
      run.then(async (end) => {
        if (end.outcome === 'connected') {
          connected(await (await saveFlow()).finishModern(services, values, stored), place);
        } else if (end.outcome === 'failed') {
          fail(appError('problem', { code: end.code, upstream: end.upstream }), place);
        } else if (end.outcome === 'closed') {
          fail(strings.popupClosed, place);
        }
      }).catch((error: unknown) => fail(error, place));
      return;
    }
    const errors: IFormErrors = step === 'classic' ? validateCredentials(values, strings) : validate(baseline, values, view, strings);
    if (hasErrors(errors)) {
      focusInvalid.current = true;
      dispatch({ type: 'invalid' });
      return;
    }
    dispatch({ type: 'busy', busy: 'saving' });
    if (step === 'classic') {
      saveFlow().then((flow) => flow.connectClassic(services, values, stored)).then((result) => connected(result, place), (error: unknown) => fail(error, place));
      return;
    }
    saveFlow().then((flow) => flow.saveSettings(services, values, stored, view)).then(
      (saved: ISaved | IPartlySaved) => 'error' in saved
        ? partlySaved(saved, place)
        : dispatch({ type: 'applied', view: saved.view, stored: saved.stored, notice: { text: strings.saved, place: place === 'summary' ? 'summary' : 'footer' } }),
      (error: unknown) => fail(error, place)
    );
  };

  const reconnect = (): void => {
    const { values, view } = stateRef.current;
    if (!values || !view || !view.method) {
      return;
    }
    if (view.method === 'modern') {
      execute('modern', { ...values, method: 'modern', transport: view.transport }, 'summary');
      return;
    }
    // Classic reconnects with its password: its fields come into view, the focus in the password.
    dispatch({ type: 'edit', patch: { method: 'classic' } });
    dispatch({ type: 'toggle-account-form', reconnect: true });
  };

  /** From the card's Classic retirement warning: the account form opens with Modern chosen. */
  const switchToModern = (): void => {
    dispatch({ type: 'edit', patch: { method: 'modern' } });
    if (!stateRef.current.changingAccount) {
      dispatch({ type: 'toggle-account-form' });
    }
  };

  const turnOn = (place: ErrorPlace = 'footer'): void => {
    const { values } = stateRef.current;
    if (values) {
      dispatch({ type: 'edit', patch: { enabled: true } });
      execute('settings', { ...values, enabled: true }, place);
    }
  };

  const check = async (): Promise<void> => {
    noteTrigger();
    dispatch({ type: 'busy', busy: 'checking' });
    try {
      // Said either way: a check that changes nothing would otherwise look like no check at all.
      const checked = await services.connectionApi.checkConnection();
      const works = checked.health.state === 'connected';
      const [view, stored] = await Promise.all([services.connectionApi.getConnection(), services.settingsStore.load()]);
      // A check changes no setting: what the admin has not saved yet stays (unlike after a connect or a disconnect).
      dispatch({ type: 'checked', view, stored, notice: works ? { text: strings.checkedWorks, place: 'summary' } : { text: strings.checkedNotWorking, place: 'summary', info: true } });
    } catch (error) {
      fail(error, 'summary');
    }
  };

  /**
   * A test email's outcome as the card shows it: Exchange refusing the account records a sending
   * block, a refused token a loss, and a message that goes through lifts a block - the view is
   * read again then (the admin's unsaved edits stay), not on every send.
   */
  const afterTestEmail = async (failure: IAppError | undefined): Promise<void> => {
    const of = stateRef.current.view;
    if (!mounted.current || !of || !(failure ? failure.code : of.sendingBlocked)) {
      return;
    }
    try {
      dispatch({ type: 'reread', of, view: await services.connectionApi.getConnection(), byAction: true });
    } catch {
      // The card stays as it was; the next read (or a reload) shows it.
    }
  };

  // A retry's reads of the view that follow it (the result comes from the outbox a moment later): cleared when the page goes.
  const followUps = React.useRef<Array<ReturnType<typeof setTimeout>>>([]);
  const stopFollowUps = (): void => {
    followUps.current.forEach(clearTimeout);
    followUps.current = [];
  };
  React.useEffect(() => stopFollowUps, []);

  /**
   * "Try again now" on Exchange's sending block: the mailbox's next try comes now (or a minute
   * after the last refusal). What it leads to is seen in the view a few seconds later - the block
   * gone, or pushed an hour on by another refusal - so the page reads it again a few times, until
   * one of them shows, without holding anything up.
   */
  const retrySending = async (): Promise<void> => {
    stopFollowUps();
    noteTrigger();
    dispatch({ type: 'busy', busy: 'retrying' });
    let answered: IConnectionView;
    try {
      answered = await services.connectionApi.retrySending();
    } catch (error) {
      fail(error, 'summary');
      return;
    }
    const stored = stateRef.current.stored;
    const nextTry = answered.sendingBlocked && answered.sendingBlocked.nextTryAt ? Date.parse(answered.sendingBlocked.nextTryAt) : NaN;
    const later = nextTry - Date.now() > 5000;
    const text = !answered.sendingBlocked ? strings.retrySucceeded : later ? format(strings.retryAt, formatTime(answered.sendingBlocked.nextTryAt, strings)) : strings.retryStarted;
    if (stored) {
      dispatch({ type: 'checked', view: answered, stored, notice: { text, place: 'summary', info: !!answered.sendingBlocked } });
    }
    if (!answered.sendingBlocked) {
      return;
    }
    const from = isNaN(nextTry) ? Date.now() : Math.max(Date.now(), nextTry);
    const reread = async (): Promise<void> => {
      const of = stateRef.current.view;
      if (!mounted.current || !of) {
        return;
      }
      let view: IConnectionView;
      try {
        view = await services.connectionApi.getConnection();
      } catch {
        // Only a follow-up: the card stays as it was, and the next read (or a reload) tries again.
        return;
      }
      const blocked = view.sendingBlocked;
      const refusedAgain = !!blocked && !!blocked.nextTryAt && Date.parse(blocked.nextTryAt) > from + 5000;
      if (!blocked || refusedAgain) {
        stopFollowUps();
      }
      // Read later, not when the admin pressed: said, without taking the focus from where they are now.
      const notice = !blocked ? { text: strings.retrySucceeded, place: 'summary' as const, background: true }
        : refusedAgain ? { text: format(strings.retryRefused, formatTime(blocked.nextTryAt, strings)), place: 'summary' as const, info: true, background: true }
          : undefined;
      dispatch({ type: 'reread', of, view, notice });
    };
    followUps.current = (props.retryFollowUpsMs || RETRY_FOLLOW_UPS_MS).map((delay) => setTimeout(() => { void reread(); }, from - Date.now() + delay));
  };

  const disconnect = async (): Promise<void> => {
    dispatch({ type: 'confirm-disconnect', open: false });
    noteTrigger(disconnectButton.current);
    dispatch({ type: 'busy', busy: 'disconnecting' });
    try {
      await services.connectionApi.disconnect();
      // What the admin typed and did not save (the switch, alert recipients) stays unsaved.
      await refresh({ text: strings.disconnected, place: 'summary' }, true);
    } catch (error) {
      fail(error, 'summary');
    }
  };

  const cancel = (): void => {
    const dirty = !!state.values && !!state.baseline && dirtyFields(state.baseline, state.values).length > 0;
    noteTrigger();
    // The button goes disabled under the keyboard's focus: what it did takes the focus (as a notice).
    if (state.signIn) {
      // "Stop sign-in": only the sign-in stops; the form keeps what the admin typed.
      signIn.cancel();
      dispatch({ type: 'sign-in-cancelled', notice: { text: dirty ? sentences(strings, strings.signInCancelled, strings.changesKept) : strings.signInCancelled, place: 'footer', info: true, takeFocus: true } });
      return;
    }
    dispatch({ type: 'cancel', notice: dirty ? { text: strings.changesDiscarded, place: 'footer', info: true } : undefined });
    if (!dirty && state.changingAccount) {
      // Only the account form folded away: the focus goes back to the button that opened it.
      setTimeout(() => { if (changeAccountButton.current) { changeAccountButton.current.focus(); } }, 0);
    }
  };

  return (
    <ThemeProvider ref={root} theme={theme} lang={strings.locale} className={pageClassName(theme, strings.language)}>
      <IdPrefixProvider prefix={idPrefix}>
        <Stack tokens={{ childrenGap: 20 }} data-testid="connection-settings" className="lms-column">
          <Stack tokens={{ childrenGap: 4 }}>
            {/* Focusable by the page (tabIndex -1): where a reload the admin asked for leaves the focus. */}
            <Text as="h2" id={id('title')} tabIndex={-1} variant="xLarge" block={true} styles={{ root: { fontWeight: 600 } }}>{strings.title}</Text>
            <Text block={true} styles={{ root: { color: theme.semanticColors.bodySubtext } }}>{strings.intro}</Text>
          </Stack>
          {renderBody()}
        </Stack>
      </IdPrefixProvider>
    </ThemeProvider>
  );

  function renderBody(): JSX.Element {
    if (state.phase === 'loading') {
      return <Spinner size={SpinnerSize.large} label={strings.loading} ariaLive="polite" />;
    }
    if (state.phase === 'denied' && state.visitor) {
      return <LazyBoundary strings={strings}><VisitorView strings={strings} visitor={state.visitor} /></LazyBoundary>;
    }
    if (state.phase === 'failed' || !state.values || !state.baseline || !state.view) {
      return (
        <div data-testid="load-error">
          {state.error ? (
            <LazyBoundary strings={strings}>
              <ErrorBar error={state.error.error} strings={strings} onReload={reload} />
            </LazyBoundary>
          ) : null}
        </div>
      );
    }
    const { values, baseline, view, busy } = state;
    const layout = layoutOf(state, values, baseline, view);
    const disabled = busy !== undefined;
    // The deliveries' counts of this view (read every 10 s while items move), fresher than its outbox.
    const freshCounts = deliveryCounts && countsOf.current === view ? deliveryCounts : undefined;
    const edit = (patch: Partial<IFormValues>): void => dispatch({ type: 'edit', patch });
    const errors: IFormErrors = state.showValidation
      ? (layout.step === 'classic' ? validateCredentials(values, strings) : validate(baseline, values, view, strings))
      : {};
    // What an action did takes the focus the action's button lost (disabled while busy, or gone: Disconnect).
    const notice = (place: 'summary' | 'footer'): JSX.Element | null => state.notice && state.notice.place === place ? (
      <FocusOnShow focusKey={state.notice} onlyIfLost={!state.notice.takeFocus} passive={!!state.notice.background} data-testid="page-notice">
        <MessageBar
          messageBarType={state.notice.offerTurnOn ? MessageBarType.warning : state.notice.info ? MessageBarType.info : MessageBarType.success}
          isMultiline={true}
          onDismiss={() => {
            const closed = state.notice;
            dispatch({ type: 'dismiss-notice' });
            focusBack(place, closed && closed.background);
          }}
          dismissButtonAriaLabel={strings.dismiss}
        >
          {state.notice.text}
        </MessageBar>
      </FocusOnShow>
    ) : null;

    const operations: Array<JSX.Element | null> = [
      // Also once disconnected while notifications still wait for an account (held).
      ((view.account && view.method) || (view.outbox && view.outbox.waiting > 0) ? (
        <LazyBoundary key="deliveries" strings={strings}>
          <DeliveriesPanel
            strings={strings}
            api={services.deliveries}
            state={summaryState(view)}
            enabled={view.enabled}
            method={view.method}
            saidAbove={view.sendingBlocked ? view.sendingBlocked.code : null}
            refreshKey={`${view.etag}|${view.health.state}|${view.health.checkedAt || ''}|${view.enabled}|${view.sendingBlocked ? view.sendingBlocked.nextTryAt || 'blocked' : ''}`}
            pollMs={props.deliveriesPollMs}
            onCounts={(counts: IDeliveries['counts'], lastSentAt: string | null, truncated: boolean) => {
              if (mounted.current) {
                countsOf.current = stateRef.current.view;
                // Counts of only the newest deliveries would understate a long outbox: the view's count says it then.
                setDeliveryCounts(truncated ? undefined : { ...counts, lastSentAt });
              }
            }}
          />
        </LazyBoundary>
      ) : null),
      (layout.connected && isWorking(view) && view.account ? (
        <LazyBoundary key="test-email" strings={strings}>
          <TestEmail strings={strings} api={services.connectionApi} from={view.account.email} defaultRecipient={props.userEmail} disabled={disabled} method={view.method} onSettled={(failure) => { void afterTestEmail(failure); }} />
        </LazyBoundary>
      ) : null)
    ];
    const form: Array<JSX.Element | null> = [
      <SendingSection
        key="sending"
        strings={strings}
        enabled={values.enabled}
        disabled={disabled}
        onChange={(enabled: boolean) => edit({ enabled })}
      />,
      (layout.sectionsShown ? (
        <LazyBoundary key="method" strings={strings}>
          <MethodSection
            strings={strings}
            view={view}
            values={values}
            errors={errors}
            disabled={disabled}
            accountFormShown={layout.accountFormShown}
            accountFormId={accountFormId}
            // Reconnect asks for the password again; "Change account" starts at the address.
            focusField={state.changingAccount && view.method === 'classic' ? (state.reconnecting ? 'password' : 'email') : undefined}
            showOrgConsentOption={orgConsentOptionVisible(view, values.transport)}
            onMethodChange={(method: AuthMethod) => edit({ method })}
            // A transport the organisation's consent already covers hides the option: a box ticked before is not kept (it would ask a tenant admin's consent again, unseen).
            onTransportChange={(transport: Transport) => edit(orgConsentOptionVisible(view, transport) ? { transport } : { transport, orgConsent: false })}
            onOrgConsentChange={(orgConsent: boolean) => edit({ orgConsent })}
            onEmailChange={(classicEmail: string) => edit({ classicEmail })}
            onPasswordChange={(classicPassword: string) => edit({ classicPassword })}
          />
        </LazyBoundary>
      ) : null),
      (layout.sectionsShown ? (
        <section key="alerts" aria-labelledby={id('alerts-heading')}>
          <Text as="h3" id={id('alerts-heading')} variant="large" block={true} className="lms-heading">{strings.alertsHeading}</Text>
          <LazyBoundary strings={strings}>
            <AlertRecipients
              strings={strings}
              directory={services.directory}
              recipients={values.alertRecipients}
              disabled={disabled}
              onChange={(alertRecipients: string[]) => edit({ alertRecipients })}
            />
          </LazyBoundary>
        </section>
      ) : null),
      <FormFooter
        key="footer"
        strings={strings}
        step={layout.step}
        primary={!layout.reconnectIsPrimary}
        enabled={values.enabled}
        busy={busy}
        signIn={state.signIn}
        dirty={layout.edited.length > 0}
        accountFormOpen={layout.connected && state.changingAccount}
        overwrites={state.overwrites.some((field) => layout.edited.indexOf(field) >= 0)}
        error={state.error && state.error.place === 'footer' ? state.error : undefined}
        method={view.method}
        notice={notice('footer')}
        offerTurnOn={!!state.notice && !!state.notice.offerTurnOn}
        onPrimary={() => execute(layout.step, values, 'footer')}
        onCancel={cancel}
        onTurnOn={() => turnOn()}
        onOpenedBlocked={(event: React.MouseEvent<HTMLAnchorElement>) => {
          const retry = retryBlocked.current;
          if (!retry) {
            dispatch({ type: 'sign-in', signIn: { state: 'waiting' } });
          } else if (retry()) {
            // Opened and watched here, so closing it ends the wait. Refused again, the link opens
            // the sign-in by itself and the notice stays: no spinner that nothing could end.
            event.preventDefault();
            retryBlocked.current = undefined;
            dispatch({ type: 'sign-in', signIn: { state: 'waiting' } });
          }
        }}
        onDismissError={() => {
          dispatch({ type: 'dismiss-error' });
          focusBack('footer');
        }}
        onReload={reload}
      />
    ];
    const changingAccount = layout.connected && state.changingAccount;

    return (
      <>
        <StatusSummary
          strings={strings}
          view={view}
          switchOn={state.values ? state.values.enabled : undefined}
          disabled={disabled}
          checking={state.verifying}
          busy={busy}
          healthByAction={state.viewSource === 'action'}
          error={state.error && state.error.place === 'summary' ? state.error : undefined}
          onDismissError={() => {
            const closed = state.error;
            dispatch({ type: 'dismiss-error' });
            focusBack('summary', closed && closed.background);
          }}
          onReconnect={reconnect}
          onCheck={() => { void check(); }}
          onRetrySending={() => { void retrySending(); }}
          accountFormShown={state.changingAccount}
          accountFormId={accountFormId}
          onChangeAccount={() => dispatch({ type: 'toggle-account-form' })}
          onSwitchToModern={switchToModern}
          // Paused with nothing else unsaved: one button turns sending on and saves, where the card says it is off.
          // (Not while the footer offers the same, just after connecting.)
          onTurnOn={layout.edited.length === 0 && !view.enabled && !(state.notice && state.notice.offerTurnOn) ? () => turnOn('summary') : undefined}
          onDisconnect={() => dispatch({ type: 'confirm-disconnect', open: true })}
          disconnectRef={disconnectButton}
          changeAccountRef={changeAccountButton}
          deliveryCounts={freshCounts}
        />
        {notice('summary')}
        {/* While an admin changes the account of a connected catalog, the form follows the card whose
            button opened it (the recent deliveries and the test email move below): the part that
            opened is in view, next in the tab order, and its Connect button near it. Keyed, so they
            keep their state as they move. */}
        {changingAccount ? [...form, ...operations] : [...operations, ...form]}

        {state.confirmDisconnect ? (
          <LazyBoundary strings={strings}>
            <DisconnectDialog
              strings={strings}
              view={view}
              waiting={freshCounts ? freshCounts.queued + freshCounts.sending + freshCounts.held : undefined}
              onConfirm={() => { void disconnect(); }}
              onCancel={() => {
                dispatch({ type: 'confirm-disconnect', open: false });
                // Back on the trigger: the dialog's own restore can land on the body when its layer goes.
                setTimeout(() => { if (disconnectButton.current) { disconnectButton.current.focus(); } }, 0);
              }}
            />
          </LazyBoundary>
        ) : null}
      </>
    );
  }
}
