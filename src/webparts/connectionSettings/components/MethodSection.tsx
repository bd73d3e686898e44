import * as React from 'react';
import { ChoiceGroup, type IChoiceGroupOption } from '@fluentui/react/lib/ChoiceGroup';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';
import type { AuthMethod, IConnectionView, Transport } from '../model/connection';
import type { IFormErrors, IFormValues } from '../model/form';
import { useIds } from './ids';
import { LazyBoundary } from './LazyBoundary';
import { ModernSection } from './ModernSection';
import { optionWithDescription } from './optionWithDescription';

const ClassicSection = React.lazy(() => import(/* webpackChunkName: 'lms-classic' */ './ClassicSection'));

export interface IMethodSectionProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView;
  values: IFormValues;
  errors: IFormErrors;
  disabled: boolean;
  /** The part that makes a new connection; folded while the connection in place is kept. */
  accountFormShown: boolean;
  accountFormId: string;
  /** The Classic field that takes the focus as the account form opens (Reconnect: the password; Change account: the address). */
  focusField?: 'email' | 'password';
  showOrgConsentOption: boolean;
  onMethodChange: (method: AuthMethod) => void;
  onTransportChange: (transport: Transport) => void;
  onOrgConsentChange: (orgConsent: boolean) => void;
  onEmailChange: (email: string) => void;
  onPasswordChange: (password: string) => void;
}

/** R-PAGE-4: the method, each option with its description, and the chosen method's part. */
export function MethodSection(props: IMethodSectionProps): JSX.Element {
  const { strings, values, view } = props;
  const id = useIds();
  const options: IChoiceGroupOption[] = [
    optionWithDescription('modern', strings.methodModern, strings.methodModernDescription, id),
    optionWithDescription('classic', strings.methodClassic, strings.methodClassicDescription, id)
  ];
  return (
    <section aria-labelledby={id('account-heading')}>
      <Text as="h3" id={id('account-heading')} variant="large" block={true} className="lms-heading">{strings.accountHeading}</Text>
      <ChoiceGroup
        label={strings.methodLabel}
        options={options}
        selectedKey={values.method}
        disabled={props.disabled}
        onChange={(ev?: React.FormEvent<HTMLElement | HTMLInputElement>, option?: IChoiceGroupOption) => {
          if (option) { props.onMethodChange(option.key as AuthMethod); }
        }}
      />
      <div className="lms-method-part">
        {values.method === 'modern' ? (
          <ModernSection
            strings={strings}
            view={view}
            transport={values.transport}
            orgConsent={values.orgConsent}
            showOrgConsentOption={props.showOrgConsentOption}
            disabled={props.disabled}
            onTransportChange={props.onTransportChange}
            onOrgConsentChange={props.onOrgConsentChange}
            showSignIn={props.accountFormShown}
            signInId={props.accountFormId}
          />
        ) : (
          <LazyBoundary strings={strings}>
            <ClassicSection
              strings={strings}
              email={values.classicEmail}
              password={values.classicPassword}
              errors={props.errors}
              disabled={props.disabled}
              onEmailChange={props.onEmailChange}
              onPasswordChange={props.onPasswordChange}
              showForm={props.accountFormShown}
              formId={props.accountFormId}
              focusField={props.focusField}
            />
          </LazyBoundary>
        )}
      </div>
    </section>
  );
}
