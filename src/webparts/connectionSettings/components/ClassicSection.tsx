import * as React from 'react';
import { basicAuthRetired } from '../model/classic';
import { ClassicRetirementLines } from './ClassicRetirement';
import { TextField, type ITextField } from '@fluentui/react/lib/TextField';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Text } from '@fluentui/react/lib/Text';
import { Stack } from '@fluentui/react/lib/Stack';
import type { IConnectionSettingsStrings } from '../loc';
import type { IFormErrors } from '../model/form';

export interface IClassicSectionProps {
  strings: IConnectionSettingsStrings;
  email: string;
  password: string;
  errors: IFormErrors;
  disabled: boolean;
  onEmailChange: (email: string) => void;
  onPasswordChange: (password: string) => void;
  /** The address and password fields; hidden while a Classic connection exists, until "Change account". */
  showForm: boolean;
  /** Id of the fields, which the "Change account" button controls. */
  formId: string;
  /**
   * The field that takes the focus as the fields appear: the password for a Reconnect (the address
   * is the connected one), the address for "Change account".
   */
  focusField?: 'email' | 'password';
  /** Today, for the retirement notice (default: the clock). */
  today?: Date;
}

export { BASIC_AUTH_OFF_BY_DEFAULT, basicAuthRetired } from '../model/classic';

/**
 * R-CLS-1..4. Loaded lazily: most catalogs use Modern, so this part of the bundle is fetched only
 * when Classic is chosen or connected. Its warning sits right under the method choice.
 */
export default function ClassicSection(props: IClassicSectionProps): JSX.Element {
  const { strings, errors } = props;
  const retired = basicAuthRetired(props.today || new Date());
  const email = React.useRef<ITextField>(null);
  const password = React.useRef<ITextField>(null);
  React.useEffect(() => {
    const field = props.focusField === 'password' ? password.current : props.focusField === 'email' ? email.current : null;
    if (props.showForm && field) {
      field.focus();
    }
  }, [props.focusField, props.showForm]);
  return (
    <Stack tokens={{ childrenGap: 12 }}>
      <div data-testid="classic-warning">
        <MessageBar messageBarType={retired ? MessageBarType.error : MessageBarType.warning} isMultiline={true}>
          <ClassicRetirementLines strings={strings} retired={retired} />
          <Text block={true} styles={{ root: { fontWeight: 600, color: 'inherit', marginTop: 8 } }}>{strings.classicLimitsHeading}</Text>
          <ul data-testid="classic-limits" className="lms-list">
            <li>{strings.classicLimitRooms}</li>
            <li>{strings.classicLimitTeams}</li>
          </ul>
          <Text block={true} styles={{ root: { color: 'inherit' } }}>{strings.classicLimitFallback}</Text>
        </MessageBar>
      </div>
      {props.showForm ? (
        <Stack id={props.formId} tokens={{ childrenGap: 12 }}>
          <TextField
            componentRef={email}
            label={strings.classicEmailLabel}
            type="email"
            autoComplete="off"
            value={props.email}
            required={true}
            disabled={props.disabled}
            errorMessage={errors.classicEmail}
            onChange={(ev: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>, value?: string) => props.onEmailChange(value || '')}
          />
          <TextField
            componentRef={password}
            label={strings.classicPasswordLabel}
            type="password"
            autoComplete="new-password"
            value={props.password}
            required={true}
            disabled={props.disabled}
            errorMessage={errors.classicPassword}
            description={strings.classicAppPasswordHint}
            onChange={(ev: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>, value?: string) => props.onPasswordChange(value || '')}
          />
          <Text variant="small" block={true}>{strings.classicPasswordHandling}</Text>
        </Stack>
      ) : null}
    </Stack>
  );
}
