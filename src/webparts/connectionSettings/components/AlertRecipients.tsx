import * as React from 'react';
import { NormalPeoplePicker, ValidationState } from '@fluentui/react/lib/Pickers';
import type { IPersonaProps } from '@fluentui/react/lib/Persona';
import { Label } from '@fluentui/react/lib/Label';
import { Text } from '@fluentui/react/lib/Text';
import { format, sentences, type IConnectionSettingsStrings } from '../loc';
import type { IDirectory, IPerson } from '../services/interfaces';
import { useIds } from './ids';

export interface IAlertRecipientsProps {
  strings: IConnectionSettingsStrings;
  directory: IDirectory;
  recipients: string[];
  disabled: boolean;
  onChange: (recipients: string[]) => void;
}

/** An address typed whole is taken as it is: the directory search needs Graph's permission, which may not be approved yet. */
export function validateTyped(input: string): ValidationState {
  const address = input.trim();
  // At most 254 characters (RFC 5321's path limit), as the API takes them.
  return address.length <= 254 && /^[^@\s;,<>()"]+@[^@\s;,<>()"]+\.[^@\s;,<>()"]+$/.test(address) ? ValidationState.valid : ValidationState.invalid;
}

/** As many as the API takes (alertRecipients, maxItems 20): the picker takes no more. */
export const MAX_ALERT_RECIPIENTS = 20;

function toPersona(person: IPerson): IPersonaProps {
  return { text: person.displayName, secondaryText: person.email, id: person.email.toLowerCase() };
}

/**
 * Catalog admins to alert when the connection is lost (R-LOSS-2), picked from the directory.
 * Loaded lazily: the people picker is one of the heavier Fluent UI components.
 */
export default function AlertRecipients(props: IAlertRecipientsProps): JSX.Element {
  const { strings, directory } = props;
  const id = useIds();
  const labelId = id('alert-recipients-label');
  const hintId = id('alert-recipients-hint');
  // Fluent's picker writes its own aria-describedby on the input (the selected people) over the
  // one given in inputProps: the hint's id is added to it after each of its renders.
  const root = React.useRef<HTMLDivElement>(null);
  React.useEffect(() => {
    const container = root.current;
    if (!container) {
      return undefined;
    }
    const describe = (): void => {
      const input = container.querySelector('input');
      const ids = (input?.getAttribute('aria-describedby') || '').split(/\s+/).filter((part) => part !== '');
      if (input && ids.indexOf(hintId) < 0) {
        input.setAttribute('aria-describedby', [...ids, hintId].join(' '));
      }
    };
    describe();
    const observer = new MutationObserver(describe);
    observer.observe(container, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-describedby'] });
    return () => observer.disconnect();
  }, [hintId]);
  const selected = props.recipients.map((email: string) => toPersona({ email, displayName: email }));
  const [searchFailed, setSearchFailed] = React.useState<boolean>(false);
  // Only the latest search says whether the directory could be searched (the picker shows only its results).
  const latest = React.useRef<number>(0);
  React.useEffect(() => () => { latest.current = -1; }, []); // unmounted: no search answers here

  const resolve = async (filter: string, current?: IPersonaProps[]): Promise<IPersonaProps[]> => {
    const search = ++latest.current;
    let people: IPerson[];
    try {
      people = await directory.searchPeople(filter);
    } catch {
      // Said under the picker; the admin can type again and nothing else depends on it.
      if (search === latest.current) {
        setSearchFailed(true);
      }
      return [];
    }
    if (search === latest.current) {
      setSearchFailed(false);
    }
    const taken = (current || []).map((p: IPersonaProps) => p.id);
    return people.map(toPersona).filter((p: IPersonaProps) => taken.indexOf(p.id) < 0);
  };

  return (
    <div ref={root}>
      <Label id={labelId}>{strings.alertRecipientsLabel}</Label>
      <NormalPeoplePicker
        onResolveSuggestions={resolve}
        onValidateInput={validateTyped}
        createGenericItem={(input: string) => toPersona({ email: input.trim(), displayName: input.trim() }) as IPersonaProps & { key: string; name: string }}
        selectedItems={selected}
        itemLimit={MAX_ALERT_RECIPIENTS}
        disabled={props.disabled}
        resolveDelay={250}
        onChange={(items?: IPersonaProps[]) => props.onChange((items || []).map((p: IPersonaProps) => p.secondaryText || p.text || ''))}
        pickerSuggestionsProps={{
          suggestionsHeaderText: strings.peopleSuggestions,
          noResultsFoundText: strings.peopleNoResults,
          loadingText: strings.peopleLoading
        }}
        removeButtonAriaLabel={strings.peopleRemove}
        // Names the list of people chosen (else read without a name).
        selectionAriaLabel={strings.alertRecipientsLabel}
        inputProps={{ 'aria-labelledby': labelId, 'aria-describedby': hintId }}
      />
      <Text id={hintId} variant="small" block={true}>{sentences(strings, strings.alertRecipientsHint, format(strings.alertRecipientsLimit, String(MAX_ALERT_RECIPIENTS)))}</Text>
      {searchFailed ? <Text variant="small" block={true} role="alert" data-testid="people-search-failed">{strings.peopleSearchFailed}</Text> : null}
    </div>
  );
}
