import * as React from 'react';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { DefaultButton, PrimaryButton } from '@fluentui/react/lib/Button';
import { Spinner, SpinnerSize } from '@fluentui/react/lib/Spinner';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { format, type IConnectionSettingsStrings } from '../loc';
import type { HealthState, IConnectionView } from '../model/connection';
import { messageForCode } from '../model/errorMessage';

export interface IConnectionStatusProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView;
  disabled: boolean;
  /** The page is asking the API whether the health shown (as last stored) is still true. */
  checking?: boolean;
  onReconnect: () => void;
  onCheck: () => void;
  /** Whether the form that connects another account is shown; the toggle reveals or hides it. */
  accountFormShown: boolean;
  /** Id of that form, for aria-controls while it is in the page. */
  accountFormId: string;
  onChangeAccount: () => void;
  onDisconnect: () => void;
}

function healthText(state: HealthState, strings: IConnectionSettingsStrings): string {
  switch (state) {
    case 'connected': return strings.healthConnected;
    case 'lost': return strings.healthLost;
    case 'error': return strings.healthError;
    default: return strings.healthNotConnected;
  }
}

function formatTime(iso: string | null, strings: IConnectionSettingsStrings): string {
  if (!iso) {
    return strings.never;
  }
  const date = new Date(iso);
  return isNaN(date.getTime()) ? iso : date.toLocaleString(strings.locale);
}

/** R-PAGE-6, R-LOSS-4: the connected account, its health, and the lost banner with Reconnect. */
export function ConnectionStatus(props: IConnectionStatusProps): JSX.Element {
  const { strings, view } = props;
  const account = view.account;
  const unhealthy = view.health.state === 'lost' || view.health.state === 'error';
  const reason = unhealthy && view.health.code ? messageForCode(view.health.code, strings) : undefined;
  return (
    <Stack tokens={{ childrenGap: 12 }}>
      {unhealthy ? (
        <div data-testid="lost-banner">
          <MessageBar
            messageBarType={MessageBarType.blocked}
            isMultiline={true}
            actions={<div><PrimaryButton text={strings.reconnect} onClick={props.onReconnect} disabled={props.disabled} /></div>}
          >
            <Text as="h3" variant="large" block={true}>{strings.lostTitle}</Text>
            <div>{strings.lostText}</div>
            {reason ? <div><strong>{reason.title}</strong> {reason.remedy}</div> : null}
          </MessageBar>
        </div>
      ) : null}
      <section aria-labelledby="lms-connected-heading" data-testid="connected-view">
        <Text as="h3" id="lms-connected-heading" variant="large" block={true}>{strings.connectedHeading}</Text>
        {view.settingsListWarning ? (
          <MessageBar messageBarType={MessageBarType.warning} isMultiline={true} data-testid="settings-list-warning">
            {format(strings.settingsListWarning, view.settingsListWarning.code, formatTime(view.settingsListWarning.failedAt, strings))}
          </MessageBar>
        ) : null}
        <dl>
          <dt>{strings.accountLabel}</dt>
          <dd data-testid="connected-account">{account ? `${account.displayName} <${account.email}>` : strings.healthNotConnected}</dd>
          <dt>{strings.methodShortLabel}</dt>
          <dd data-testid="connected-method">{view.method === 'classic' ? strings.methodClassicShort : strings.methodModernShort}</dd>
          {view.method === 'modern' ? <dt>{strings.transportShortLabel}</dt> : null}
          {view.method === 'modern' ? <dd>{view.transport === 'smtp-oauth' ? strings.transportSmtp : strings.transportGraph}</dd> : null}
          <dt>{strings.healthLabel}</dt>
          <dd data-testid="connected-health">{healthText(view.health.state, strings)}</dd>
          <dt>{strings.lastCheckLabel}</dt>
          <dd data-testid="connected-checked">{formatTime(view.health.checkedAt, strings)}</dd>
        </dl>
        {/* Outside the health value: that shows what the API last recorded until the check answers. */}
        {props.checking ? (
          <Spinner data-testid="checking-connection" size={SpinnerSize.xSmall} label={strings.checkingConnection} labelPosition="right" ariaLive="polite" styles={{ root: { justifyContent: 'flex-start', marginBottom: 8 } }} />
        ) : null}
        <Stack horizontal={true} tokens={{ childrenGap: 8 }}>
          <DefaultButton text={strings.checkNow} onClick={props.onCheck} disabled={props.disabled} />
          <DefaultButton
            text={strings.changeAccount}
            onClick={props.onChangeAccount}
            disabled={props.disabled}
            aria-expanded={props.accountFormShown}
            aria-controls={props.accountFormShown ? props.accountFormId : undefined}
          />
          <DefaultButton text={strings.disconnect} onClick={props.onDisconnect} disabled={props.disabled} />
        </Stack>
      </section>
    </Stack>
  );
}
