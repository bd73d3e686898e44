import * as React from 'react';
import { ActionButton, DefaultButton, PrimaryButton } from '@fluentui/react/lib/Button';
import { Icon } from '@fluentui/react/lib/Icon';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Spinner, SpinnerSize } from '@fluentui/react/lib/Spinner';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { useTheme } from '@fluentui/react/lib/Theme';
import { format, type IConnectionSettingsStrings, withErrorTexts } from '../loc';
import type { IConnectionView } from '../model/connection';
import { basicAuthRetired } from '../model/classic';
import { ClassicRetirementLines } from './ClassicRetirement';
import { reconnectHelps } from '../model/reconnect';
import { itemsText, summaryState, type SummaryState } from '../model/summary';
import type { Busy, IPageError } from '../model/pageState';
import { FocusOnShow } from './FocusOnShow';
import { useIds } from './ids';
import { LazyBoundary } from './LazyBoundary';
import { formatTime } from './formatTime';
import { LazyErrorBar as ErrorBar } from './lazyErrorBar';

// With the error catalogue: loaded only when there is something to explain.
const LostReason = React.lazy(withErrorTexts(() => import(/* webpackChunkName: 'lms-errors' */ './LostReason')));
const SendingBlockedBar = React.lazy(withErrorTexts(() => import(/* webpackChunkName: 'lms-errors' */ './SendingBlockedBar')));

export interface IStatusSummaryProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView;
  /** Actions are disabled while something else is under way. */
  disabled: boolean;
  /** The page is asking the API whether the health shown (as last stored) is still true. */
  checking: boolean;
  /** The page's action under way: this card's own (Check now, Try again now, Disconnect) is shown and said as it starts. */
  busy?: Busy;
  /**
   * The view shown is what the admin's action brought (Check now, a save), not what the page found
   * by itself (its load, the background check): only then does a lost connection's reason take the focus.
   */
  healthByAction?: boolean;
  /** An action of this summary failed (Reconnect, Check now, Disconnect). */
  error: IPageError | undefined;
  onDismissError: () => void;
  onReconnect: () => void;
  onCheck: () => void;
  /** "Try again now" on Exchange's sending block. */
  onRetrySending: () => void;
  /** Whether the form that connects another account is open; the button opens or folds it. */
  accountFormShown: boolean;
  accountFormId: string;
  onChangeAccount: () => void;
  /** Today, for Classic's retirement warning (default: the clock). */
  today?: Date;
  /** Paused: turn sending on and save (absent while other changes are unsaved). */
  onTurnOn?: () => void;
  /** Classic is retiring: open the account form with Modern chosen. */
  onSwitchToModern?: () => void;
  onDisconnect: () => void;
  /** Set on the Disconnect button so the dialog can give the focus back to it. */
  disconnectRef?: React.Ref<HTMLElement>;
  changeAccountRef?: React.Ref<HTMLElement>;
  /**
   * Counts by status read by recent deliveries since the view, and the newest send they list:
   * fresher than the view's outbox.
   */
  deliveryCounts?: { queued: number; sending: number; held: number; lastSentAt?: string | null };
  /** The form's sending switch as it is now (unsaved or not); the stored one when absent. */
  switchOn?: boolean;
}

/** The later of two ISO times (either may be missing). */
const later = (a: string | null | undefined, b: string | null | undefined): string | null => (!a ? b ?? null : !b ? a : Date.parse(b) > Date.parse(a) ? b : a);

const ICONS: Record<SummaryState, string> = { sending: 'CompletedSolid', paused: 'CirclePause', lost: 'ErrorBadge', 'not-connected': 'PlugDisconnected' };

/**
 * The top of the page, always (issue 14, point 1): one state with icon and colour, and what the
 * API knows about the connection in a label/value grid. Recent deliveries go under it.
 */
export function StatusSummary(props: IStatusSummaryProps): JSX.Element {
  const { strings, view, error } = props;
  const theme = useTheme();
  const id = useIds();
  const state = summaryState(view);
  const colours: Record<SummaryState, string> = {
    sending: theme.semanticColors.successIcon,
    paused: theme.semanticColors.warningIcon,
    lost: theme.semanticColors.errorIcon,
    'not-connected': theme.semanticColors.bodySubtext
  };
  const titles: Record<SummaryState, string> = {
    sending: strings.stateSending, paused: strings.statePaused, lost: strings.stateLost, 'not-connected': strings.stateNotConnected
  };
  // Connected and switched on, but Exchange refuses the account's mail: not the green "Sending".
  const blocked = state === 'sending' && !!view.sendingBlocked;
  // Only an admin lifts Exchange's block: a warning, in the severe warning's colour, not a pause.
  const icon = blocked ? 'Warning' : ICONS[state];
  const colour = blocked ? theme.semanticColors.severeWarningIcon : colours[state];
  const account = view.account;
  const method = view.method;
  const canReconnect = state === 'lost' && reconnectHelps(view.health.code);
  const retired = basicAuthRetired(props.today || new Date());
  const errorCode = error && typeof error.error !== 'string' ? error.error.code : undefined;
  // The failure of a Reconnect that says what the banner already says is shown once: the focus goes there.
  const repeatsReason = !!errorCode && errorCode === view.health.code;
  // Only the admin's own action moves the focus: on load or from the background check, the reason
  // and the error are said (alert) where they are, and the admin stays where they type.
  const errorTakesFocus = !!error && !error.background;
  const reasonTakesFocus = repeatsReason ? errorTakesFocus : !!props.healthByAction;
  const time = (iso: string | null | undefined): string => formatTime(iso, strings);
  // What this card says while one of its own actions is under way.
  const progresses: Partial<Record<NonNullable<Busy>, string>> = { checking: strings.checkingConnection, retrying: strings.retryingSending, disconnecting: strings.disconnecting };
  const progress = props.busy ? progresses[props.busy] : undefined;
  // A div per label/value pair (allowed in a dl): the pair wraps onto two lines where it is narrow.
  const row = (label: string, value: React.ReactNode, testId?: string): JSX.Element => (
    <div key={label} className="lms-grid-row">
      <dt className="lms-grid-label">{label}</dt>
      <dd className="lms-grid-value" data-testid={testId}>{value}</dd>
    </div>
  );
  const outbox = view.outbox;
  // The API's held are a part of its waiting (packages/contracts): the page says each once.
  const counts = props.deliveryCounts;
  const waiting = counts ? counts.queued + counts.sending : outbox ? Math.max(0, outbox.waiting - outbox.held) : 0;
  const held = counts ? counts.held : outbox ? outbox.held : 0;
  const resumesAt = outbox && outbox.pacing ? Date.parse(outbox.pacing.resumesAt) : NaN;
  const paced = waiting > 0 && resumesAt > Date.now();
  // The pacing line goes at its time, without waiting for something else to draw the card again.
  const [, redraw] = React.useReducer((n: number) => n + 1, 0);
  React.useEffect(() => {
    if (!paced) {
      return undefined;
    }
    // Capped at setTimeout's longest delay (about 24.8 days; a pacing time lies at most a day ahead).
    const timer = setTimeout(redraw, Math.min(resumesAt - Date.now() + 250, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [paced, resumesAt]);

  return (
    <section aria-labelledby={id('status-heading')} data-testid="status-summary" className="lms-card">
      <Stack horizontal={true} verticalAlign="start" tokens={{ childrenGap: 12 }}>
        <Icon iconName={icon} aria-hidden={true} styles={{ root: { fontSize: 24, lineHeight: 28, color: colour } }} />
        <Stack tokens={{ childrenGap: 4 }} grow={true} styles={{ root: { minWidth: 0 } }}>
          {/* Focusable by the page (tabIndex -1): where a closed message leaves the focus when the button that caused it is gone. */}
          <Text as="h3" id={id('status-heading')} tabIndex={-1} variant="large" block={true} data-testid="status-state" styles={{ root: { fontWeight: 600, color: colour === theme.semanticColors.bodySubtext ? theme.semanticColors.bodyText : undefined } }}>
            {blocked ? strings.stateBlocked : titles[state]}
          </Text>
          <Text block={true} data-testid="status-text">
            {state === 'sending' && account && !blocked ? format(strings.stateSendingText, account.email) : null}
            {state === 'paused' ? strings.statePausedText : null}
            {state === 'lost' ? format(strings.stateLostText, time(view.health.since || view.health.checkedAt)) : null}
            {/* The form's switch, saved or not: the card must not ask to turn on what the admin just turned on. */}
            {state === 'not-connected' ? ((props.switchOn ?? view.enabled) ? strings.stateNotConnectedOnText : strings.stateNotConnectedText) : null}
          </Text>
          {state === 'not-connected' && view.disconnected ? (
            <Text block={true} variant="small" data-testid="disconnected-by" styles={{ root: { color: theme.semanticColors.bodySubtext } }}>
              {view.disconnected.account
                ? format(strings.disconnectedAccountByText, view.disconnected.account, view.disconnected.by, time(view.disconnected.at))
                : format(strings.disconnectedByText, view.disconnected.by, time(view.disconnected.at))}
            </Text>
          ) : null}
          {state === 'lost' && view.health.code ? (
            <FocusOnShow focusKey={repeatsReason ? error : view.health.code} passive={!reasonTakesFocus} passiveRole="alert" data-testid="lost-reason">
              <LazyBoundary strings={strings}>
                <LostReason code={view.health.code} method={method} strings={strings} />
              </LazyBoundary>
            </FocusOnShow>
          ) : null}
        </Stack>
      </Stack>

      {view.sendingBlocked && state !== 'lost' ? (
        <LazyBoundary strings={strings}>
          <SendingBlockedBar strings={strings} view={view} block={view.sendingBlocked} disabled={props.disabled} onRetrySending={props.onRetrySending} />
        </LazyBoundary>
      ) : null}

      {method === 'classic' && (state === 'sending' || state === 'paused') ? (
        // Part of the card as it loads, not news: not delayed for screen readers to announce (the
        // Classic option's own notice, below, says it when Classic is chosen).
        <MessageBar messageBarType={retired ? MessageBarType.error : MessageBarType.warning} isMultiline={true} delayedRender={false} data-testid="classic-retiring" styles={{ root: { marginTop: 12 } }}
          actions={props.onSwitchToModern ? <div><DefaultButton text={strings.switchToModern} onClick={props.onSwitchToModern} disabled={props.disabled} /></div> : undefined}>
          <ClassicRetirementLines strings={strings} retired={retired} />
        </MessageBar>
      ) : null}

      {view.health.state === 'error' && view.health.code && state !== 'not-connected' ? (
        <MessageBar messageBarType={MessageBarType.warning} isMultiline={true} data-testid="check-failed" styles={{ root: { marginTop: 12 } }}>
          <Text block={true} styles={{ root: { fontWeight: 600 } }}>{format(strings.checkFailedTitle, time(view.health.checkedAt))}</Text>
          <LazyBoundary strings={strings}>
            <LostReason code={view.health.code} method={method} strings={strings} />
          </LazyBoundary>
          <Text block={true}>{view.enabled ? strings.checkFailedGoesOn : strings.checkFailedAgain}</Text>
        </MessageBar>
      ) : null}

      {view.settingsListWarning ? (
        <MessageBar messageBarType={MessageBarType.warning} isMultiline={true} data-testid="settings-list-warning" styles={{ root: { marginTop: 12 } }}>
          {format(strings.settingsListWarning, view.settingsListWarning.code, time(view.settingsListWarning.failedAt))}
        </MessageBar>
      ) : null}

      {account ? (
        <dl className="lms-grid lms-summary-grid" data-testid="connected-view">
          {row(strings.accountLabel, account.displayName && account.displayName.toLowerCase() !== account.email.toLowerCase() ? format(strings.nameWithEmail, account.displayName, account.email) : account.email, 'connected-account')}
          {view.connectedBy ? row(strings.connectedByLabel, view.connectedAt ? format(strings.connectedByValue, view.connectedBy, time(view.connectedAt)) : view.connectedBy, 'connected-by') : null}
          {row(strings.methodShortLabel, method === 'classic' ? strings.methodClassicShort
            : `${strings.methodModernShort}${strings.inlineSeparator}${view.transport === 'smtp-oauth' ? strings.transportSmtpShort : strings.transportGraphShort}`, 'connected-method')}
          {row(strings.lastCheckLabel, time(view.health.checkedAt), 'connected-checked')}
          {outbox ? row(strings.lastSentLabel, time(later(outbox.lastSentAt, counts?.lastSentAt)), 'last-sent') : null}
          {outbox ? row(strings.queueLabel, (
            <>
              {format(strings.queueValue, itemsText(waiting, strings), itemsText(held, strings))}
              {outbox.pacing && paced ? (
                <Text block={true} variant="small" data-testid="pacing" styles={{ root: { color: theme.semanticColors.bodySubtext, marginTop: 2 } }}>
                  {outbox.pacing.reason === 'daily-limit'
                    ? format(strings.pacingDailyLimit, outbox.pacing.recipientsPerDay.toLocaleString(strings.locale), time(outbox.pacing.resumesAt))
                    : format(strings.pacingSendingQuota, time(outbox.pacing.resumesAt))}
                </Text>
              ) : null}
            </>
          ), 'queue') : null}
          {row(strings.alertsLabel, view.alertRecipients.length > 0 ? view.alertRecipients.join(strings.listSeparator)
            : view.connectedBy ? format(strings.alertsConnectedBy, view.connectedBy) : strings.alertsNobody, 'alerts-to')}
        </dl>
      ) : null}

      {/* Always there, so what it says as an action starts is announced (politely); the spinner and its text come and go inside it. */}
      <div role="status" data-testid="summary-progress">
        {progress ? (
          <Spinner size={SpinnerSize.xSmall} label={progress} labelPosition="right" styles={{ root: { justifyContent: 'flex-start', marginTop: 8 } }} />
        ) : null}
      </div>

      {/* The background check's own spinner, unless Check now already says the same above. */}
      {props.checking && props.busy !== 'checking' ? (
        <Spinner data-testid="checking-connection" size={SpinnerSize.xSmall} label={strings.checkingConnection} labelPosition="right" ariaLive="polite" styles={{ root: { justifyContent: 'flex-start', marginTop: 8 } }} />
      ) : null}

      {error && !repeatsReason ? (
        <FocusOnShow focusKey={error} passive={!errorTakesFocus} data-testid="summary-error">
          <LazyBoundary strings={strings}>
            <ErrorBar error={error.error} strings={strings} method={method} onDismiss={props.onDismissError} />
          </LazyBoundary>
        </FocusOnShow>
      ) : null}

      {account ? (
        <Stack horizontal={true} wrap={true} tokens={{ childrenGap: 8 }} styles={{ root: { marginTop: 12 } }} className="lms-actions">
          {canReconnect ? <PrimaryButton text={strings.reconnect} onClick={props.onReconnect} disabled={props.disabled} /> : null}
          {state === 'paused' && props.onTurnOn ? <PrimaryButton text={strings.turnOn} onClick={props.onTurnOn} disabled={props.disabled} /> : null}
          <DefaultButton text={strings.checkNow} onClick={props.onCheck} disabled={props.disabled} />
          <ActionButton
            iconProps={{ iconName: props.accountFormShown ? 'ChevronUp' : 'ChevronDown' }}
            text={strings.changeAccount}
            elementRef={props.changeAccountRef}
            onClick={props.onChangeAccount}
            disabled={props.disabled}
            aria-expanded={props.accountFormShown}
            aria-controls={props.accountFormShown ? props.accountFormId : undefined}
          />
          <ActionButton iconProps={{ iconName: 'PlugDisconnected' }} text={strings.disconnect} onClick={props.onDisconnect} disabled={props.disabled} elementRef={props.disconnectRef} />
        </Stack>
      ) : null}
    </section>
  );
}
