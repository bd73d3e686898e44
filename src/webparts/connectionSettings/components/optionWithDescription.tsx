import * as React from 'react';
import type { IChoiceGroupOption, IChoiceGroupOptionProps } from '@fluentui/react/lib/ChoiceGroup';
import { Text } from '@fluentui/react/lib/Text';

/**
 * A choice with its one-line description under it, read out with the option (Fluent's admin-page
 * pattern). `id` builds the description's id with the web part's own prefix (components/ids).
 */
export function optionWithDescription(key: string, text: string, description: string, id: (name: string) => string): IChoiceGroupOption {
  const descriptionId = id(`option-${key}-description`);
  return {
    key,
    text,
    'aria-describedby': descriptionId,
    onRenderField: (props?: IChoiceGroupOptionProps, render?: (props?: IChoiceGroupOptionProps) => JSX.Element | null) => (
      <div>
        {render ? render(props) : null}
        <Text id={descriptionId} variant="small" block={true} className="lms-option-description">{description}</Text>
      </div>
    )
  } as IChoiceGroupOption;
}
