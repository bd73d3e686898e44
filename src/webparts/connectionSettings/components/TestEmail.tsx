import * as React from 'react';
import { Label } from '@fluentui/react/lib/Label';
import { TextField } from '@fluentui/react/lib/TextField';
import { DefaultButton, type IButton } from '@fluentui/react/lib/Button';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { format, type IConnectionSettingsStrings } from '../loc';
import { toAppError, type IAppError } from '../model/appError';
import { isEmail } from '../model/form';
import type { AuthMethod } from '../model/connection';
import type { IConnectionApi } from '../services/interfaces';
import { useIds } from './ids';
import { LazyBoundary } from './LazyBoundary';
import { LazyErrorBar as ErrorBar } from './lazyErrorBar';

export interface ITestEmailProps {
  strings: IConnectionSettingsStrings;
  api: IConnectionApi;
  from: string;
  defaultRecipient: string;
  disabled: boolean;
  /** The connection's method, so a failure's remedy fits it. */
  method: AuthMethod | null;
  /** After each send, with its failure if it failed: the API may have changed the card (a block found or lifted, a loss). */
  onSettled?: (failure: IAppError | undefined) => void;
}

/** R-OPS-1: send a test message from the connected account and show the result. */
export function TestEmail(props: ITestEmailProps): JSX.Element {
  const { strings, api } = props;
  const id = useIds();
  // Closing the error gives the focus back to the button that sent (the close button goes with the error).
  const sendButton = React.useRef<IButton>(null);
  const [to, setTo] = React.useState<string>(props.defaultRecipient);
  const [sending, setSending] = React.useState<boolean>(false);
  const [invalid, setInvalid] = React.useState<boolean>(false);
  const [delivered, setDelivered] = React.useState<string | undefined>(undefined);
  const [error, setError] = React.useState<IAppError | undefined>(undefined);
  // The part goes while a send is under way when a check finds the connection lost, or on a disconnect.
  const mounted = React.useRef<boolean>(true);
  React.useEffect(() => () => { mounted.current = false; }, []);

  const send = async (): Promise<void> => {
    setDelivered(undefined);
    setError(undefined);
    if (!isEmail(to)) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setSending(true);
    let failure: IAppError | undefined;
    try {
      await api.sendTestEmail(to.trim());
    } catch (caught) {
      failure = toAppError(caught);
    }
    if (mounted.current) {
      setSending(false);
      setError(failure);
      setDelivered(failure ? undefined : format(strings.testEmailDelivered, props.from, to.trim()));
      props.onSettled?.(failure);
    }
  };

  return (
    <section aria-labelledby={id('test-email-heading')} className="lms-card">
      <Stack tokens={{ childrenGap: 8 }}>
        <Text as="h3" id={id('test-email-heading')} variant="mediumPlus" block={true} styles={{ root: { fontWeight: 600 } }}>{strings.testEmailHeading}</Text>
        {/* The label above the row, the row aligned at its top: the button stays beside the field
            when the field's message appears under it. */}
        <Label htmlFor={id('test-email-to')} styles={{ root: { paddingBottom: 0 } }}>{strings.testEmailRecipient}</Label>
        <Stack horizontal={true} verticalAlign="start" tokens={{ childrenGap: 8 }} wrap={true}>
          <TextField
            id={id('test-email-to')}
            description={invalid ? undefined : strings.testEmailRecipientHint}
            type="email"
            value={to}
            disabled={props.disabled || sending}
            errorMessage={invalid ? strings.validationRecipientInvalid : undefined}
            onChange={(ev: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>, value?: string) => setTo(value || '')}
            styles={{ root: { minWidth: 200, flexGrow: 1 } }}
          />
          <DefaultButton
            componentRef={sendButton}
            styles={{ root: { flexShrink: 0 }, label: { whiteSpace: 'nowrap' } }}
            text={sending ? strings.testEmailSending : strings.testEmailSend}
            disabled={props.disabled || sending}
            // Focusable while it sends (aria-disabled): the keyboard's focus stays here, not on the page's body.
            allowDisabledFocus={true}
            onClick={() => { void send(); }}
          />
        </Stack>
        {delivered ? (
          <div data-testid="test-email-result">
            <MessageBar messageBarType={MessageBarType.success}>{delivered}</MessageBar>
          </div>
        ) : null}
        {error ? (
          <div data-testid="test-email-error">
            <LazyBoundary strings={strings}>
              <ErrorBar error={error} strings={strings} method={props.method} onDismiss={() => {
                sendButton.current?.focus();
                setError(undefined);
              }} />
            </LazyBoundary>
          </div>
        ) : null}
      </Stack>
    </section>
  );
}
