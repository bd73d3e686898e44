import * as React from 'react';
import { ChoiceGroup, type IChoiceGroupOption } from '@fluentui/react/lib/ChoiceGroup';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';
import type { AuthMethod, IConnectionView, Transport } from '../model/connection';
import type { IFormErrors, IFormValues } from '../model/form';
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
  focusPassword: boolean;
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
  const options: IChoiceGroupOption[] = [
    optionWithDescription('modern', strings.methodModern, strings.methodModernDescription),
    optionWithDescription('classic', strings.methodClassic, strings.methodClassicDescription)
  ];
  return (
    <section aria-labelledby="lms-account-heading">
      <Text as="h3" id="lms-account-heading" variant="large" block={true} className="lms-heading">{strings.accountHeading}</Text>
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
              focusPassword={props.focusPassword}
            />
          </LazyBoundary>
        )}
      </div>
    </section>
  );
}
