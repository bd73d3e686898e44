import * as React from 'react';
import { Toggle } from '@fluentui/react/lib/Toggle';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';
import { useIds } from './ids';

export interface ISendingSectionProps {
  strings: IConnectionSettingsStrings;
  enabled: boolean;
  disabled: boolean;
  onChange: (enabled: boolean) => void;
}

/** R-PAGE-3: the master switch comes first; the rest of the form appears once it is on. */
export function SendingSection(props: ISendingSectionProps): JSX.Element {
  const { strings } = props;
  const id = useIds();
  return (
    <section aria-labelledby={id('sending-heading')}>
      <Text as="h3" id={id('sending-heading')} variant="large" block={true} className="lms-heading">{strings.sendingHeading}</Text>
      <Toggle
        label={strings.masterSwitchLabel}
        checked={props.enabled}
        onText={strings.masterSwitchOn}
        offText={strings.masterSwitchOff}
        disabled={props.disabled}
        // Off, the hint under the switch says what off means: read with the switch.
        aria-describedby={!props.enabled ? id('master-switch-hint') : undefined}
        onChange={(ev: React.MouseEvent<HTMLElement>, checked?: boolean) => props.onChange(!!checked)}
      />
      {!props.enabled ? <Text id={id('master-switch-hint')} variant="small" block={true} className="lms-hint">{strings.masterSwitchOffHint}</Text> : null}
    </section>
  );
}
