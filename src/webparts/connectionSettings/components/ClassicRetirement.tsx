import * as React from 'react';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';

/** Classic's retirement, as the method choice and the status card both say it (inside their warning bar). */
export function ClassicRetirementLines(props: { strings: IConnectionSettingsStrings; retired: boolean }): JSX.Element {
  const { strings } = props;
  return (
    <>
      <Text block={true} styles={{ root: { fontWeight: 600, color: 'inherit' } }}>{strings.classicRetirementTitle}</Text>
      <Text block={true} styles={{ root: { color: 'inherit' } }}>{props.retired ? strings.classicRetiredText : strings.classicRetirementText}</Text>
    </>
  );
}
