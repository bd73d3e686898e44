import * as React from 'react';
import { Dialog, DialogFooter, DialogType } from '@fluentui/react/lib/Dialog';
import { DefaultButton, PrimaryButton } from '@fluentui/react/lib/Button';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';

export interface IDisconnectDialogProps {
  strings: IConnectionSettingsStrings;
  onConfirm: () => void;
  onCancel: () => void;
}

/** R-PAGE-7. Loaded lazily: only the admin who clicks Disconnect needs the dialog code. */
export default function DisconnectDialog(props: IDisconnectDialogProps): JSX.Element {
  const { strings } = props;
  return (
    <Dialog
      hidden={false}
      onDismiss={props.onCancel}
      dialogContentProps={{ type: DialogType.normal, title: strings.disconnectDialogTitle, subText: strings.disconnectDialogText }}
      modalProps={{ isBlocking: true }}
    >
      <Text block variant="small">{strings.disconnectRevokeHelp}</Text>
      <DialogFooter>
        <PrimaryButton text={strings.disconnectConfirm} onClick={props.onConfirm} />
        <DefaultButton text={strings.disconnectKeep} onClick={props.onCancel} />
      </DialogFooter>
    </Dialog>
  );
}
