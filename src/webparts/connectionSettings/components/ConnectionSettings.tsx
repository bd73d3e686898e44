import * as React from 'react';
import { ThemeProvider } from '@fluentui/react/lib/Theme';
import type { ITheme } from '@fluentui/react/lib/Styling';
import { Toggle } from '@fluentui/react/lib/Toggle';
import { ChoiceGroup, type IChoiceGroupOption } from '@fluentui/react/lib/ChoiceGroup';
import { DefaultButton, PrimaryButton } from '@fluentui/react/lib/Button';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Spinner, SpinnerSize } from '@fluentui/react/lib/Spinner';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';
import { appError, toAppError, type IAppError } from '../model/appError';
import { isConnected, isSignInMessage, type AuthMethod, type IConnectionView, type Transport } from '../model/connection';
import {
  dirtyFields, formFromStored, hasErrors, modernNeedsSignIn, classicNeedsCredentials, orgConsentOptionVisible,
  settingsFromForm, validate, type FormField, type IFormErrors, type IFormValues
} from '../model/form';
import { sameSettings, type ISettings, type IStoredSettings } from '../model/settings';
import type { IServices } from '../services/interfaces';
import { popupLauncher, type ISignInLauncher, type ISignInResult } from '../services/signInLauncher';
import { LazyBoundary } from './LazyBoundary';
import { ModernSection } from './ModernSection';

const ErrorBar = React.lazy(() => import(/* webpackChunkName: 'lms-errors' */ './ErrorBar'));
const ClassicSection = React.lazy(() => import(/* webpackChunkName: 'lms-classic' */ './ClassicSection'));
const AlertRecipients = React.lazy(() => import(/* webpackChunkName: 'lms-recipients' */ './AlertRecipients'));
const DisconnectDialog = React.lazy(() => import(/* webpackChunkName: 'lms-disconnect' */ './DisconnectDialog'));
// The connected view and test email are fetched once a connection exists (in parallel with nothing
// else: the view that says so has just arrived); a first visit never needs them.
const ConnectionStatus = React.lazy(() => import(/* webpackChunkName: 'lms-connected' */ './ConnectionStatus').then((m) => ({ default: m.ConnectionStatus })));
const TestEmail = React.lazy(() => import(/* webpackChunkName: 'lms-connected' */ './TestEmail').then((m) => ({ default: m.TestEmail })));

export interface IConnectionSettingsProps {
  services: IServices;
  strings: IConnectionSettingsStrings;
  theme: ITheme;
  /** The signed-in user's address: the default recipient of a test email. */
  userEmail: string;
  /** Origin of this page; the sign-in callback posts its result to exactly this origin. */
  pageOrigin: string;
  /** Opens the sign-in window; window.open by default. Used when no signIn launcher is given. */
  openWindow?: (url: string) => Window | null;
  /** How the host signs in: Teams' authentication or a popup (services/signInLauncher.ts). */
  signIn?: ISignInLauncher;
  /** How often a waiting page checks whether the sign-in window was closed. */
  popupPollMs?: number;
}

type Busy = 'saving' | 'checking' | 'disconnecting' | undefined;

type SignIn =
  | { state: 'waiting' }
  | { state: 'blocked'; url: string }
  | undefined;

interface IPageError {
  error: IAppError | string;
  reload: boolean;
}

interface IState {
  phase: 'loading' | 'ready' | 'failed';
  view: IConnectionView | undefined;
  stored: IStoredSettings | undefined;
  baseline: IFormValues | undefined;
  values: IFormValues | undefined;
  readOnly: boolean;
  busy: Busy;
  signIn: SignIn;
  error: IPageError | undefined;
  notice: string | undefined;
  showValidation: boolean;
  confirmDisconnect: boolean;
  /** The health loaded is being verified with the API in the background (R-LOSS-4). */
  verifying: boolean;
  /** The admin asked to connect another account ("Change account") while one is connected. */
  changingAccount: boolean;
}

const INITIAL: IState = {
  phase: 'loading', view: undefined, stored: undefined, baseline: undefined, values: undefined, readOnly: false,
  busy: undefined, signIn: undefined, error: undefined, notice: undefined, showValidation: false, confirmDisconnect: false,
  verifying: false, changingAccount: false
};

/** The Modern sign-in part or the Classic fields, whichever is shown; "Change account" controls it. */
const ACCOUNT_FORM_ID = 'lms-account-form';

function isNotAdmin(error: IAppError): boolean {
  return error.kind === 'problem' && (error.code === 'NOT_CATALOG_ADMIN' || error.status === 403);
}

/**
 * The settings page (SPEC R-PAGE). Holds the page's state; every service call goes through the
 * services given as props, so the same component runs in SharePoint, Teams, the preview and jest.
 */
export function ConnectionSettings(props: IConnectionSettingsProps): JSX.Element {
  const { services, strings, theme } = props;
  const [state, setState] = React.useState<IState>(INITIAL);
  const stateRef = React.useRef<IState>(state);
  stateRef.current = state;
  const popupRef = React.useRef<Window | null>(null);
  const launcher = React.useMemo(() => props.signIn || popupLauncher(props.openWindow), [props.signIn, props.openWindow]);
  const mounted = React.useRef<boolean>(true);
  React.useEffect(() => () => { mounted.current = false; }, []);

  const update = React.useCallback((patch: Partial<IState>): void => {
    if (mounted.current) {
      setState((previous: IState) => ({ ...previous, ...patch }));
    }
  }, []);

  const pageError = (error: unknown): IPageError => {
    const appErr = toAppError(error);
    return { error: appErr, reload: appErr.kind === 'conflict' };
  };

  // Catalogs this page load has verified already: a retry or a reload after a conflict reads the
  // view again but does not ask the API for another forced token refresh or SMTP login.
  const verified = React.useRef<string[]>([]);

  /**
   * The stored health only changes when the API checks (keep-alive or "Check now"), so a connection
   * lost since then would look healthy: ask the API to check it now, without holding the page up.
   * The answer is applied only if nothing else replaced the view meanwhile (a save, a disconnect):
   * that newer view is the truth, and the check's would overwrite it.
   */
  const verify = React.useCallback((view: IConnectionView): void => {
    const settle = (patch: (previous: IState) => Partial<IState>): void => {
      if (mounted.current) {
        setState((previous: IState) => ({ ...previous, verifying: false, ...(previous.view === view ? patch(previous) : {}) }));
      }
    };
    services.connectionApi.checkConnection().then((checked: IConnectionView) => settle((previous: IState) => {
      const baseline = formFromStored(previous.stored as IStoredSettings, checked);
      const untouched = !previous.values || !previous.baseline || dirtyFields(previous.baseline, previous.values).length === 0;
      return { view: checked, baseline, values: untouched ? baseline : previous.values };
    }), (error: unknown) => settle(() => ({ error: pageError(error) })));
  }, [services]);

  const load = React.useCallback(async (): Promise<void> => {
    update({ ...INITIAL });
    const [viewResult, storeResult] = await Promise.all([
      services.connectionApi.getConnection().then((v: IConnectionView) => ({ ok: v }), (e: unknown) => ({ failed: toAppError(e) })),
      services.settingsStore.load().then((s: IStoredSettings) => ({ ok: s }), (e: unknown) => ({ failed: toAppError(e) }))
    ]);
    const view = 'ok' in viewResult ? viewResult.ok : undefined;
    const stored = 'ok' in storeResult ? storeResult.ok : undefined;
    const viewError = 'failed' in viewResult ? viewResult.failed : undefined;
    const storeError = 'failed' in storeResult ? storeResult.failed : undefined;
    const denied = (viewError && isNotAdmin(viewError)) || (storeError && isNotAdmin(storeError));
    if (denied) {
      const settings = stored || { enabled: false, method: 'modern' as AuthMethod, transport: 'graph' as Transport, alertRecipients: [], etag: undefined };
      const values = formFromStored(settings, view);
      update({
        phase: 'ready', view, stored: settings, baseline: values, values, readOnly: true,
        error: { error: appError('problem', { status: 403, code: 'NOT_CATALOG_ADMIN' }), reload: false }
      });
      return;
    }
    if (!view || !stored) {
      update({ phase: 'failed', error: { error: (viewError || storeError) as IAppError, reload: true } });
      return;
    }
    const values = formFromStored(stored, view);
    // Only an admin (this path) may check, and only a catalog that has a connection has one to check.
    const verifying = view.method !== null && verified.current.indexOf(view.catalog) < 0;
    update({ phase: 'ready', view, stored, baseline: values, values, verifying });
    if (verifying) {
      verified.current.push(view.catalog);
      verify(view);
    }
  }, [services, strings, update, verify]);

  React.useEffect(() => { void load(); }, [load]);

  const refreshView = React.useCallback(async (notice?: string): Promise<void> => {
    try {
      // The API writes health to the settings item when a connection changes: read both again.
      const [view, stored] = await Promise.all([services.connectionApi.getConnection(), services.settingsStore.load()]);
      const baseline = formFromStored(stored, view);
      // Whatever was connected or disconnected is now the stored state: the account form folds away again.
      update({ view, stored, baseline, values: baseline, signIn: undefined, busy: undefined, notice, changingAccount: false });
    } catch (error) {
      update({ signIn: undefined, busy: undefined, error: pageError(error) });
    }
  }, [services, update]);

  /** The sign-in's result, from the callback page's postMessage or from Teams. */
  const onSignInResult = React.useCallback((result: ISignInResult): void => {
    const current = stateRef.current;
    if (current.view && result.catalog && result.catalog !== current.view.catalog) {
      return;
    }
    popupRef.current = null;
    if (result.ok) {
      void refreshView(strings.connectedNotice);
    } else {
      update({
        signIn: undefined, busy: undefined,
        error: { error: appError('problem', { code: result.code || 'CONSENT_REQUIRED' }), reload: false }
      });
    }
  }, [strings, refreshView, update]);

  /**
   * The sign-in window closed without a result. It may also look closed because a page on the way
   * severed it from this one (Cross-Origin-Opener-Policy): the API then has the result, so ask it.
   */
  const onSignInClosed = React.useCallback((): void => {
    popupRef.current = null;
    services.connectionApi.getConnection().then((view: IConnectionView) => {
      if (isConnected(view) && view.health.state === 'connected') {
        void refreshView(strings.connectedNotice);
      } else {
        update({ signIn: undefined, error: { error: strings.popupClosed, reload: false } });
      }
    }, () => update({ signIn: undefined, error: { error: strings.popupClosed, reload: false } }));
  }, [services, strings, refreshView, update]);

  // The sign-in window reports its result with postMessage (docs/design.md, /v1/auth/callback).
  React.useEffect(() => {
    const onMessage = (event: MessageEvent): void => {
      if (event.origin.toLowerCase() !== services.connectionApi.origin || !isSignInMessage(event.data)) {
        return;
      }
      onSignInResult({ ok: event.data.ok, catalog: event.data.catalog || null, code: event.data.code });
    };
    window.addEventListener('message', onMessage);
    return () => window.removeEventListener('message', onMessage);
  }, [services, onSignInResult]);

  /** Teams answers through authentication.authenticate; a result after Cancel is not waited for. */
  const followTeams = (result: Promise<ISignInResult>): void => {
    result.then((r: ISignInResult) => {
      if (!mounted.current || !stateRef.current.signIn || stateRef.current.signIn.state !== 'waiting') {
        return;
      }
      if (r.cancelled) {
        onSignInClosed();
      } else {
        onSignInResult(r);
      }
    }, () => onSignInClosed());
  };

  // A sign-in window closed without a message: say so instead of waiting forever.
  React.useEffect(() => {
    if (!state.signIn || state.signIn.state !== 'waiting') {
      return undefined;
    }
    let closedSince: number | undefined;
    const timer = setInterval(() => {
      const popup = popupRef.current;
      if (!popup || !popup.closed) {
        return;
      }
      // The callback posts its message and then closes: give the message a moment to arrive.
      closedSince = closedSince || Date.now();
      if (Date.now() - closedSince > 1500) {
        onSignInClosed();
      }
    }, props.popupPollMs || 500);
    return () => clearInterval(timer);
  }, [state.signIn, onSignInClosed, props.popupPollMs]);

  const setValues = (patch: Partial<IFormValues>): void => {
    const current = stateRef.current;
    if (current.values) {
      update({ values: { ...current.values, ...patch }, notice: undefined });
    }
  };

  /**
   * Writes the settings with the ETag they were read with. The API also writes to the item (health,
   * account) without touching what the admin edits; a conflict is reported only when one of the
   * admin's own fields changed underneath, otherwise the write is repeated on the fresh ETag.
   */
  const saveSettings = async (settings: ISettings, base: IStoredSettings): Promise<IStoredSettings> => {
    try {
      return await services.settingsStore.save(settings, base.etag);
    } catch (error) {
      if (toAppError(error).kind !== 'conflict') {
        throw error;
      }
      const fresh = await services.settingsStore.load();
      if (!sameSettings(fresh, base)) {
        throw error;
      }
      return services.settingsStore.save(settings, fresh.etag);
    }
  };

  /** Save (R-PAGE-5) and Reconnect: store the settings, then connect with the chosen method. */
  const save = async (forceSignIn: boolean): Promise<void> => {
    const current = stateRef.current;
    const { baseline, values, view, stored } = current;
    if (!baseline || !values || !stored || current.readOnly) {
      return;
    }
    const errors = validate(baseline, values, view, strings);
    if (hasErrors(errors)) {
      update({ showValidation: true });
      return;
    }
    const signIn = values.method === 'modern' && (forceSignIn || modernNeedsSignIn(baseline, values, view));
    // Open the window inside the click, before any await, or the browser blocks it as a pop-up.
    if (signIn) {
      launcher.prepare();
    }
    update({ busy: 'saving', error: undefined, notice: undefined, showValidation: false, signIn: undefined });
    // What has been written so far survives a later failure: the next save must use its ETags.
    let newStored = stored;
    let newView = view;
    let classicConnected = false;
    try {
      const settings = settingsFromForm(values);
      if (dirtyFields(formFromStored(stored, view), values).some((f: FormField) => ['enabled', 'method', 'transport', 'alertRecipients'].indexOf(f) >= 0) || stored.etag === undefined) {
        newStored = await saveSettings(settings, stored);
      }
      if (newView && (newView.enabled !== settings.enabled || newView.alertRecipients.join('\n') !== settings.alertRecipients.join('\n'))) {
        newView = await services.connectionApi.updateConnection({ enabled: settings.enabled, alertRecipients: settings.alertRecipients }, newView.etag);
      }
      if (classicNeedsCredentials(baseline, values, view) && values.classicPassword !== '') {
        newView = await services.connectionApi.connectClassic(values.classicEmail.trim(), values.classicPassword);
        classicConnected = true;
      }
      const newBaseline = formFromStored(newStored, newView);
      if (signIn) {
        const start = await services.connectionApi.startModern(values.orgConsent, values.transport, props.pageOrigin);
        const launch = launcher.launchSignIn(start.authorizeUrl);
        if (launch.kind === 'window') {
          popupRef.current = launch.window;
        }
        update({
          stored: newStored, view: newView, baseline: { ...newBaseline, orgConsent: values.orgConsent }, values: { ...values, classicPassword: '' }, busy: undefined,
          signIn: launch.kind === 'blocked' ? { state: 'blocked', url: start.authorizeUrl } : { state: 'waiting' }
        });
        if (launch.kind === 'teams') {
          followTeams(launch.result);
        }
        return;
      }
      // A new Classic account is connected: its fields fold away as after a Modern sign-in.
      update({ stored: newStored, view: newView, baseline: newBaseline, values: newBaseline, busy: undefined, notice: strings.saved, ...(classicConnected ? { changingAccount: false } : {}) });
    } catch (error) {
      launcher.abandon();
      const failed = stateRef.current.values;
      update({
        busy: undefined,
        error: pageError(error),
        stored: newStored,
        view: newView,
        baseline: formFromStored(newStored, newView),
        values: failed ? { ...failed, classicPassword: '' } : failed
      });
    }
  };

  const cancel = (): void => {
    const current = stateRef.current;
    if (popupRef.current && !popupRef.current.closed) {
      popupRef.current.close();
    }
    popupRef.current = null;
    update({ values: current.baseline, error: undefined, notice: undefined, showValidation: false, signIn: undefined });
  };

  const check = async (): Promise<void> => {
    update({ busy: 'checking', error: undefined, notice: undefined });
    try {
      await services.connectionApi.checkConnection();
      await refreshView();
    } catch (error) {
      update({ busy: undefined, error: pageError(error) });
    }
  };

  const disconnect = async (): Promise<void> => {
    update({ confirmDisconnect: false, busy: 'disconnecting', error: undefined, notice: undefined });
    try {
      await services.connectionApi.disconnect();
      await refreshView(strings.disconnected);
    } catch (error) {
      update({ busy: undefined, error: pageError(error) });
    }
  };

  return (
    <ThemeProvider theme={theme} lang={strings.locale} style={{ background: theme.semanticColors.bodyBackground, color: theme.semanticColors.bodyText, padding: 16 }}>
      <Stack tokens={{ childrenGap: 16 }} data-testid="connection-settings">
        <Text as="h2" variant="xLarge" block={true}>{strings.title}</Text>
        <Text block={true}>{strings.intro}</Text>
        {renderBody()}
      </Stack>
    </ThemeProvider>
  );

  function renderBody(): JSX.Element {
    if (state.phase === 'loading') {
      return <Spinner size={SpinnerSize.large} label={strings.loading} ariaLive="polite" />;
    }
    if (state.phase === 'failed' || !state.values || !state.baseline) {
      return (
        <div data-testid="load-error">
          {state.error ? (
            <LazyBoundary strings={strings}>
              <ErrorBar error={state.error.error} strings={strings} onReload={() => { void load(); }} />
            </LazyBoundary>
          ) : null}
        </div>
      );
    }
    const { values, baseline, view, readOnly, busy } = state;
    const dirty = dirtyFields(baseline, values);
    const changed = (field: FormField): boolean => dirty.indexOf(field) >= 0;
    const changedMark = <Text variant="small" className="lms-changed" data-testid="changed-mark" styles={{ root: { color: theme.palette.themeDarker, fontWeight: 600 } }}>{strings.changedMark}</Text>;
    const errors: IFormErrors = state.showValidation ? validate(baseline, values, view, strings) : {};
    const disabled = readOnly || busy !== undefined;
    const connected = !!view && isConnected(view);
    // A connection in place makes the form that creates one noise (and a second Connect next to the
    // lost banner's Reconnect): it folds away until "Change account", unless the form's own changes
    // (another method, another Modern transport) need a new sign-in anyway.
    const accountForm = !connected || state.changingAccount;
    const modernSignInShown = accountForm || !view || view.method !== 'modern' || values.transport !== view.transport;
    const classicFormShown = accountForm || !view || view.method !== 'classic';
    const toggleAccountForm = (): void => {
      // Folding the form away drops what was typed into it, so nothing hidden is saved by mistake.
      update(state.changingAccount
        ? { changingAccount: false, values: { ...values, orgConsent: baseline.orgConsent, classicEmail: baseline.classicEmail, classicPassword: '' }, showValidation: false }
        : { changingAccount: true });
    };
    const methodOptions: IChoiceGroupOption[] = [
      { key: 'modern', text: strings.methodModern },
      { key: 'classic', text: strings.methodClassic }
    ];
    const groupLabelStyles = { label: { color: theme.semanticColors.bodyText } };
    const busyLabel = busy === 'saving' ? strings.saving : busy === 'checking' ? strings.checkingConnection : busy ? strings.loading : undefined;

    return (
      <Stack tokens={{ childrenGap: 16 }}>
        {readOnly ? <MessageBar messageBarType={MessageBarType.info}>{strings.readOnly}</MessageBar> : null}
        {state.error ? (
          <div data-testid="page-error">
            <LazyBoundary strings={strings}>
              <ErrorBar
                error={state.error.error}
                strings={strings}
                onReload={state.error.reload ? () => { void load(); } : undefined}
                onDismiss={() => update({ error: undefined })}
              />
            </LazyBoundary>
          </div>
        ) : null}
        {state.notice ? (
          <div data-testid="page-notice">
            <MessageBar messageBarType={MessageBarType.success} onDismiss={() => update({ notice: undefined })} dismissButtonAriaLabel={strings.dismiss}>{state.notice}</MessageBar>
          </div>
        ) : null}
        {connected && view ? (
          <LazyBoundary strings={strings}>
            <ConnectionStatus
              strings={strings}
              view={view}
              disabled={disabled}
              checking={state.verifying}
              onReconnect={() => {
                // Classic reconnects with its password: its fields must be in view to take it.
                const changingAccount = state.changingAccount || view.method === 'classic';
                update({ values: { ...values, method: view.method || 'modern' }, changingAccount });
                stateRef.current = { ...stateRef.current, values: { ...values, method: view.method || 'modern' }, changingAccount };
                void save(true);
              }}
              onCheck={() => { void check(); }}
              accountFormShown={state.changingAccount}
              accountFormId={ACCOUNT_FORM_ID}
              onChangeAccount={toggleAccountForm}
              onDisconnect={() => update({ confirmDisconnect: true })}
            />
          </LazyBoundary>
        ) : null}

        <div>
          <Toggle
            label={strings.masterSwitchLabel}
            checked={values.enabled}
            onText={strings.masterSwitchOn}
            offText={strings.masterSwitchOff}
            disabled={disabled}
            onChange={(ev: React.MouseEvent<HTMLElement>, checked?: boolean) => setValues({ enabled: !!checked })}
          />
          {!values.enabled ? <Text variant="small" block={true}>{strings.masterSwitchOffHint}</Text> : null}
          {changed('enabled') ? changedMark : null}
        </div>

        <div>
          <ChoiceGroup
            label={strings.methodLabel}
            options={methodOptions}
            styles={groupLabelStyles}
            selectedKey={values.method}
            disabled={disabled}
            aria-describedby="lms-method-descriptions"
            onChange={(ev?: React.FormEvent<HTMLElement | HTMLInputElement>, option?: IChoiceGroupOption) => {
              if (option) { setValues({ method: option.key as AuthMethod }); }
            }}
          />
          <ul id="lms-method-descriptions" data-testid="method-descriptions">
            <li><strong>{strings.methodModern}</strong>: {strings.methodModernDescription}</li>
            <li><strong>{strings.methodClassic}</strong>: {strings.methodClassicDescription}</li>
          </ul>
          {changed('method') ? changedMark : null}
        </div>

        {values.method === 'modern' ? (
          <ModernSection
            strings={strings}
            view={view}
            transport={values.transport}
            orgConsent={values.orgConsent}
            showOrgConsentOption={!readOnly && orgConsentOptionVisible(view)}
            disabled={disabled}
            transportChanged={changed('transport')}
            changedMark={changedMark}
            onTransportChange={(transport: Transport) => setValues({ transport })}
            onOrgConsentChange={(orgConsent: boolean) => setValues({ orgConsent })}
            showSignIn={modernSignInShown}
            signInId={ACCOUNT_FORM_ID}
            showConnect={!readOnly && (state.changingAccount || modernNeedsSignIn(baseline, values, view))}
            onConnect={() => { void save(true); }}
          />
        ) : (
          <LazyBoundary strings={strings}>
            <ClassicSection
              strings={strings}
              email={values.classicEmail}
              password={values.classicPassword}
              errors={errors}
              disabled={disabled}
              emailChanged={changed('classicEmail')}
              changedMark={changedMark}
              onEmailChange={(classicEmail: string) => setValues({ classicEmail })}
              onPasswordChange={(classicPassword: string) => setValues({ classicPassword })}
              showForm={classicFormShown}
              formId={ACCOUNT_FORM_ID}
            />
          </LazyBoundary>
        )}

        <LazyBoundary strings={strings}>
          <AlertRecipients
            strings={strings}
            directory={services.directory}
            recipients={values.alertRecipients}
            disabled={disabled}
            changed={changed('alertRecipients')}
            changedMark={changedMark}
            onChange={(alertRecipients: string[]) => setValues({ alertRecipients })}
          />
        </LazyBoundary>

        {state.signIn && state.signIn.state === 'waiting' ? (
          <Spinner label={strings.connecting} ariaLive="polite" />
        ) : null}
        {state.signIn && state.signIn.state === 'blocked' ? (
          <div data-testid="popup-blocked">
            <MessageBar messageBarType={MessageBarType.warning} isMultiline={true}>
              {strings.popupBlocked}{' '}
              {/* rel=opener: the sign-in's callback page must reach this page with postMessage. */}
              {/* eslint-disable-next-line react/jsx-no-target-blank */}
              <a
                href={state.signIn.url}
                target="_blank"
                rel="opener"
                style={{ color: theme.semanticColors.link, fontWeight: 600 }}
                onClick={(event: React.MouseEvent<HTMLAnchorElement>) => {
                  // This click may open the window the blocker refused; then it is watched like the first,
                  // so closing it ends the wait. Refused again, the link opens the sign-in by itself and
                  // the notice stays: no spinner that nothing could end.
                  const url = state.signIn && state.signIn.state === 'blocked' ? state.signIn.url : '';
                  const launch = launcher.launchSignIn(url);
                  if (launch.kind === 'window') {
                    event.preventDefault();
                    popupRef.current = launch.window;
                    update({ signIn: { state: 'waiting' } });
                  } else if (launch.kind === 'teams') {
                    event.preventDefault();
                    update({ signIn: { state: 'waiting' } });
                    followTeams(launch.result);
                  }
                }}
              >
                {strings.popupBlockedLink}
              </a>
            </MessageBar>
          </div>
        ) : null}

        {dirty.length > 0 ? (
          <div data-testid="unsaved"><MessageBar messageBarType={MessageBarType.warning}>{strings.unsavedChanges}</MessageBar></div>
        ) : null}
        <Stack horizontal={true} tokens={{ childrenGap: 8 }} verticalAlign="center">
          <PrimaryButton
            text={strings.save}
            disabled={disabled || (dirty.length === 0 && !(values.method === 'modern' && modernNeedsSignIn(baseline, values, view)))}
            onClick={() => { void save(false); }}
          />
          <DefaultButton text={strings.cancel} disabled={readOnly || busy !== undefined || (dirty.length === 0 && !state.signIn)} onClick={cancel} />
          {busyLabel ? <Spinner label={busyLabel} labelPosition="right" /> : null}
        </Stack>

        {connected && view && view.account && view.health.state === 'connected' ? (
          <LazyBoundary strings={strings}>
            <TestEmail strings={strings} api={services.connectionApi} from={view.account.email} defaultRecipient={props.userEmail} disabled={disabled} />
          </LazyBoundary>
        ) : null}

        {state.confirmDisconnect ? (
          <LazyBoundary strings={strings}>
            <DisconnectDialog strings={strings} onConfirm={() => { void disconnect(); }} onCancel={() => update({ confirmDisconnect: false })} />
          </LazyBoundary>
        ) : null}
      </Stack>
    );
  }
}
