import * as React from 'react';
import { DefaultButton, type IButton, PrimaryButton } from '@fluentui/react/lib/Button';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Spinner } from '@fluentui/react/lib/Spinner';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { useTheme } from '@fluentui/react/lib/Theme';
import { sentenceGap, sentences, type IConnectionSettingsStrings } from '../loc';
import type { AuthMethod } from '../model/connection';
import type { Busy, IPageError, SignInState } from '../model/pageState';
import type { SaveStep } from '../save/saveFlow';
import { FocusOnShow } from './FocusOnShow';
import { LazyBoundary } from './LazyBoundary';
import { LazyErrorBar as ErrorBar } from './lazyErrorBar';


export interface IFormFooterProps {
  strings: IConnectionSettingsStrings;
  /** What the primary action does now: Connect (sign in or check the password, then save) or Save. */
  step: SaveStep;
  /** False while another action (the summary's Reconnect) is the state's primary one. */
  primary: boolean;
  enabled: boolean;
  busy: Busy;
  signIn: SignInState;
  dirty: boolean;
  /** A connected catalog's account form is open (Change account): Cancel folds it away, changed or not. */
  accountFormOpen?: boolean;
  /** Alert recipients edited here (still unsaved) that another admin saved differently meanwhile: Save replaces theirs. */
  overwrites: boolean;
  error: IPageError | undefined;
  method: AuthMethod | null;
  notice: JSX.Element | null;
  offerTurnOn: boolean;
  onPrimary: () => void;
  onCancel: () => void;
  onTurnOn: () => void;
  /** The blocked notice's link was clicked; the page may open the window itself (then it prevents the link's default). */
  onOpenedBlocked: (event: React.MouseEvent<HTMLAnchorElement>) => void;
  onDismissError: () => void;
  onReload: () => void;
}

const NO_WRAP = { root: { flexShrink: 0 }, label: { whiteSpace: 'nowrap' } };

/** One of the footer's messages: a multiline bar, found by its test id. */
function FooterBar(props: { testId: string; type: MessageBarType; children: React.ReactNode }): JSX.Element {
  return (
    <div data-testid={props.testId}>
      <MessageBar messageBarType={props.type} isMultiline={true}>{props.children}</MessageBar>
    </div>
  );
}

/** Save/Cancel (R-PAGE-5) at the foot of the form, with what the action does and how it went. */
export function FormFooter(props: IFormFooterProps): JSX.Element {
  const { strings, step, busy, signIn } = props;
  const theme = useTheme();
  const connect = step === 'modern' || step === 'classic';
  const Primary = props.primary ? PrimaryButton : DefaultButton;
  // While a blocker holds the window back nothing is under way until its link is clicked: no spinner.
  const blocked = !!signIn && signIn.state === 'blocked';
  const busyLabel = busy === 'saving' ? strings.saving : busy === 'connecting' && !blocked ? strings.connecting : undefined;
  // Connect is disabled while the sign-in is on its way, and the keyboard's focus would fall to the
  // page's body: it goes to Stop sign-in, the one thing to do here meanwhile.
  const cancelButton = React.useRef<IButton>(null);
  const signingIn = !!signIn;
  React.useEffect(() => {
    const active = document.activeElement as HTMLButtonElement | null;
    // (A browser leaves the focus on the disabled button, or drops it to the body.)
    if (signingIn && (active === null || active === document.body || active.disabled)) {
      cancelButton.current?.focus();
    }
  }, [signingIn, busy]);
  return (
    <footer className="lms-footer" data-testid="form-footer">
      <Stack tokens={{ childrenGap: 12 }}>
        {props.error ? (
          <FocusOnShow focusKey={props.error} passive={!!props.error.background} data-testid="page-error">
            <LazyBoundary strings={strings}>
              <ErrorBar error={props.error.error} strings={strings} method={step === 'classic' ? 'classic' : props.method} onDismiss={props.onDismissError} onReload={props.error.reload ? props.onReload : undefined} />
            </LazyBoundary>
          </FocusOnShow>
        ) : null}
        {props.notice}
        {signIn && signIn.state === 'blocked' ? (
          <FooterBar testId="popup-blocked" type={MessageBarType.warning}>
            {strings.popupBlocked}{sentenceGap(strings)}
            {/* rel=opener: the sign-in's callback page must reach this page with postMessage. */}
            {/* The message bar's link colour: the theme's plain link colour is under 4.5:1 on the warning background. */}
            {/* eslint-disable-next-line react/jsx-no-target-blank */}
            <a href={signIn.url} target="_blank" rel="opener" style={{ color: theme.semanticColors.messageLink, fontWeight: 600 }} onClick={props.onOpenedBlocked}>
              {strings.popupBlockedLink}
            </a>
          </FooterBar>
        ) : null}
        {signIn && signIn.state === 'waiting' && signIn.windowClosed ? (
          <FooterBar testId="sign-in-window-closed" type={MessageBarType.info}>{strings.signInWindowClosed}</FooterBar>
        ) : null}
        {props.overwrites ? (
          <FooterBar testId="overwrite-warning" type={MessageBarType.warning}>{strings.unsavedOverwrites}</FooterBar>
        ) : null}
        {connect ? (
          <Text block={true} variant="small" data-testid="connect-hint" className="lms-hint">
            {sentences(strings, step === 'modern' ? strings.connectHintModern : strings.connectHintClassic, ...(props.enabled ? [] : [strings.connectWhileOffHint]))}
          </Text>
        ) : null}
        <Stack horizontal={true} wrap={true} tokens={{ childrenGap: 8 }} verticalAlign="center" className="lms-footer-actions">
          {props.offerTurnOn ? (
            <PrimaryButton text={strings.turnOn} onClick={props.onTurnOn} disabled={busy !== undefined} styles={NO_WRAP} />
          ) : (
            <Primary
              text={connect ? strings.connect : strings.save}
              disabled={busy !== undefined || step === 'nothing'}
              onClick={props.onPrimary}
              styles={NO_WRAP}
            />
          )}
          <DefaultButton componentRef={cancelButton} text={signIn ? strings.cancelSignIn : strings.cancel} disabled={(busy !== undefined && !signIn) || (!props.dirty && !signIn && !props.accountFormOpen)} onClick={props.onCancel} styles={NO_WRAP} />
          {busyLabel ? <Spinner label={busyLabel} labelPosition="right" ariaLive="polite" /> : null}
          {props.dirty && !busy ? <Text variant="small" data-testid="unsaved" className="lms-hint">{strings.unsavedChanges}</Text> : null}
        </Stack>
      </Stack>
    </footer>
  );
}
