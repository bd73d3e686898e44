import * as React from 'react';
import { Dialog, DialogType } from '@fluentui/react/lib/Dialog';
import { Stack } from '@fluentui/react/lib/Stack';
import { DefaultButton, PrimaryButton } from '@fluentui/react/lib/Button';
import { Text } from '@fluentui/react/lib/Text';
import { format, type IConnectionSettingsStrings } from '../loc';
import type { IConnectionView } from '../model/connection';
import { itemsText } from '../model/summary';
import { useIds } from './ids';

export interface IDisconnectDialogProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView;
  /** What waits (held included), as the summary counts it now: the deliveries' fresher counts when it has them. */
  waiting?: number;
  onConfirm: () => void;
  onCancel: () => void;
}

/**
 * R-PAGE-7. The verb names the account, the text says what happens to waiting mail, the focus
 * starts on the safe choice. Loaded lazily: only the admin who clicks Disconnect needs it.
 */
export default function DisconnectDialog(props: IDisconnectDialogProps): JSX.Element {
  const { strings, view } = props;
  const keepId = useIds()('disconnect-keep');
  const account = view.account ? view.account.email : '';
  const outbox = view.outbox;
  // The API's held are a part of its waiting (packages/contracts), not beside them.
  const waiting = props.waiting !== undefined ? props.waiting : outbox ? outbox.waiting : undefined;
  return (
    <Dialog
      hidden={false}
      onDismiss={props.onCancel}
      dialogContentProps={{
        type: DialogType.normal,
        title: format(strings.disconnectDialogTitle, account),
        // Japanese runs sentences on without a space after 。
        // With nothing waiting there is nothing to say about what waits.
        subText: [strings.disconnectDialogText, waiting === undefined ? strings.disconnectWaiting : waiting === 1 ? strings.disconnectWaitingOne : waiting > 0 ? format(strings.disconnectWaitingCount, itemsText(waiting, strings)) : '',
          // What waits needs the switch on too, once an account is connected again.
          !view.enabled && waiting !== 0 ? strings.connectWhileOffHint : '']
          .filter((sentence) => sentence !== '')
          .join(strings.language === 'ja' ? '' : ' '),
        closeButtonAriaLabel: strings.dismiss,
        // Lines break between words (at the space after the address), not inside a Japanese word;
        // an address wider than the dialog still breaks.
        styles: { title: { wordBreak: 'keep-all', overflowWrap: 'anywhere' } }
      }}
      modalProps={{ isBlocking: true, focusTrapZoneProps: { firstFocusableTarget: `#${keepId}` } }}
      minWidth="min(480px, calc(100vw - 32px))"
      maxWidth={520}
    >
      <Text block={true}>{strings.disconnectRevokeHelp}</Text>
      {/* A footer that wraps, and a label that wraps: the verb may name the account, which is long in a Teams side panel, and is never cut off. */}
      <Stack horizontal={true} wrap={true} horizontalAlign="end" tokens={{ childrenGap: 8 }} styles={{ root: { marginTop: 24 } }}>
        <PrimaryButton text={format(strings.disconnectConfirm, account)} onClick={props.onConfirm} styles={{ root: { maxWidth: '100%', height: 'auto', minHeight: 32 }, label: { whiteSpace: 'normal', overflowWrap: 'anywhere' } }} />
        {/* The safe choice takes the focus first. */}
        <DefaultButton id={keepId} text={strings.disconnectKeep} onClick={props.onCancel} styles={{ root: { flexShrink: 0 }, label: { whiteSpace: 'nowrap' } }} />
      </Stack>
    </Dialog>
  );
}
