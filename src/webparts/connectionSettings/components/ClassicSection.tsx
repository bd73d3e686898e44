import * as React from 'react';
import { TextField } from '@fluentui/react/lib/TextField';
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
  emailChanged: boolean;
  changedMark: JSX.Element;
  onEmailChange: (email: string) => void;
  onPasswordChange: (password: string) => void;
  /** The address and password fields; hidden while a Classic connection exists, until "Change account". */
  showForm: boolean;
  /** Id of the fields, which the "Change account" button controls. */
  formId: string;
  /** Today, for the retirement notice (default: the clock). */
  today?: Date;
}

/** MC786329: Exchange Online turns basic authentication for SMTP client submission off by default from 31 December 2026. */
export const BASIC_AUTH_OFF_BY_DEFAULT = Date.UTC(2026, 11, 31);

/** Before that day the page announces the change; from it on, it says a password no longer sends by default. */
export function basicAuthRetired(today: Date): boolean {
  return today.getTime() >= BASIC_AUTH_OFF_BY_DEFAULT;
}

/**
 * R-CLS-1..4. Loaded lazily: most catalogs use Modern, so this part of the bundle is fetched only
 * when Classic is chosen or connected.
 */
export default function ClassicSection(props: IClassicSectionProps): JSX.Element {
  const { strings, errors } = props;
  const retired = basicAuthRetired(props.today || new Date());
  return (
    <Stack tokens={{ childrenGap: 12 }}>
      <MessageBar messageBarType={retired ? MessageBarType.error : MessageBarType.severeWarning} isMultiline={true}>
        <strong>{strings.classicRetirementTitle}</strong> {retired ? strings.classicRetiredText : strings.classicRetirementText}
      </MessageBar>
      {props.showForm ? (
        <Stack id={props.formId} tokens={{ childrenGap: 12 }}>
          <div>
            <TextField
              label={strings.classicEmailLabel}
              type="email"
              autoComplete="off"
              value={props.email}
              required={true}
              disabled={props.disabled}
              errorMessage={errors.classicEmail}
              onChange={(ev: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>, value?: string) => props.onEmailChange(value || '')}
            />
            {props.emailChanged ? props.changedMark : null}
          </div>
          <TextField
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
      <section aria-labelledby="lms-classic-limits-heading">
        <Text as="h4" id="lms-classic-limits-heading" variant="mediumPlus" block={true}>{strings.classicLimitsHeading}</Text>
        <ul data-testid="classic-limits">
          <li>{strings.classicLimitRooms}</li>
          <li>{strings.classicLimitTeams}</li>
        </ul>
        <Text block={true}>{strings.classicLimitFallback}</Text>
      </section>
    </Stack>
  );
}
