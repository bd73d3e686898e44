import * as React from 'react';
import { Checkbox } from '@fluentui/react/lib/Checkbox';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';
import { useIds } from './ids';

export interface IOrgConsentOptionProps {
  strings: IConnectionSettingsStrings;
  checked: boolean;
  disabled: boolean;
  onChange: (checked: boolean) => void;
}

/** R-MOD-5. Loaded lazily: only tenant admins, and only until consent is granted, ever see it. */
export default function OrgConsentOption(props: IOrgConsentOptionProps): JSX.Element {
  const { strings } = props;
  const id = useIds();
  return (
    <Stack tokens={{ childrenGap: 4 }}>
      <Checkbox
        label={strings.orgConsentLabel}
        checked={props.checked}
        disabled={props.disabled}
        onChange={(ev?: React.FormEvent<HTMLElement | HTMLInputElement>, checked?: boolean) => props.onChange(!!checked)}
        ariaDescribedBy={id('org-consent-help')}
      />
      <Text id={id('org-consent-help')} variant="small" block={true}>{strings.orgConsentHelp}</Text>
    </Stack>
  );
}
