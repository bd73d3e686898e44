import * as React from 'react';
import { DefaultButton } from '@fluentui/react/lib/Button';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Text } from '@fluentui/react/lib/Text';
import { format, type IConnectionSettingsStrings } from '../loc';
import type { IConnectionView } from '../model/connection';
import { formatTime } from './formatTime';
import LostReason from './LostReason';

export interface ISendingBlockedBarProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView;
  block: NonNullable<IConnectionView['sendingBlocked']>;
  disabled: boolean;
  onRetrySending: () => void;
}

/**
 * Exchange Online stops the connected account from sending: since when, when the LMS asks again,
 * the cause and its remedy, and Try again now. With the error catalogue's chunk (it explains the
 * cause): loaded only when a block is shown.
 */
export default function SendingBlockedBar(props: ISendingBlockedBarProps): JSX.Element {
  const { strings, view, block } = props;
  const time = (iso: string | null | undefined): string => formatTime(iso, strings);
  // Only a try still to come is offered sooner (a time passed is a drain under way).
  const nextTryAt = block.nextTryAt && Date.parse(block.nextTryAt) > Date.now() ? block.nextTryAt : undefined;
  return (
    <div data-testid="sending-blocked">
      <MessageBar messageBarType={MessageBarType.severeWarning} isMultiline={true} styles={{ root: { marginTop: 12 } }}>
        <Text block={true}>{format(strings.sendingBlockedWarning, time(block.since))}</Text>
        <Text block={true} data-testid="sending-blocked-next">
          {/* Switched off, the catalog sends nothing whatever Exchange does: no try to bring forward. */}
          {!view.enabled ? strings.sendingBlockedSwitchedOff : nextTryAt ? format(strings.sendingBlockedNextTry, time(nextTryAt)) : strings.sendingBlockedNoTry}
        </Text>
        <LostReason code={block.code} method={view.method} strings={strings} />
        {nextTryAt && view.enabled ? (
          <DefaultButton text={strings.retrySending} onClick={props.onRetrySending} disabled={props.disabled} styles={{ root: { marginTop: 8 } }} />
        ) : null}
      </MessageBar>
    </div>
  );
}
