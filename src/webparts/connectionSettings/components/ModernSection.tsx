import * as React from 'react';
import { ChoiceGroup, type IChoiceGroupOption } from '@fluentui/react/lib/ChoiceGroup';
import { Text } from '@fluentui/react/lib/Text';
import { Stack } from '@fluentui/react/lib/Stack';
import { useTheme } from '@fluentui/react/lib/Theme';
import { PrimaryButton } from '@fluentui/react/lib/Button';
import type { IConnectionSettingsStrings } from '../loc';
import type { IConnectionView, Transport } from '../model/connection';
import { LazyBoundary } from './LazyBoundary';
import AdminApprovalNotice from './AdminApprovalNotice';

const OrgConsentOption = React.lazy(() => import(/* webpackChunkName: 'lms-org-consent' */ './OrgConsentOption'));

export interface IModernSectionProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView | undefined;
  transport: Transport;
  orgConsent: boolean;
  showOrgConsentOption: boolean;
  disabled: boolean;
  transportChanged: boolean;
  changedMark: JSX.Element;
  onTransportChange: (transport: Transport) => void;
  onOrgConsentChange: (orgConsent: boolean) => void;
  /**
   * What the admin must read before a sign-in (permissions, requirements, consent, Connect). Hidden
   * while a Modern connection exists: the connected view's "Change account" reveals it.
   */
  showSignIn: boolean;
  /** Id of that part, which the "Change account" button controls. */
  signInId: string;
  /** Connect appears while no healthy Modern connection matches the form; it saves and signs in. */
  showConnect: boolean;
  onConnect: () => void;
}

/** R-MOD-3, R-MOD-4, R-MOD-5, R-MOD-8: what the admin must know before signing in. */
export function ModernSection(props: IModernSectionProps): JSX.Element {
  const { strings, view, transport } = props;
  const theme = useTheme();
  const options: IChoiceGroupOption[] = [
    { key: 'graph', text: strings.transportGraph },
    { key: 'smtp-oauth', text: strings.transportSmtp }
  ];
  const smtp = transport === 'smtp-oauth';
  return (
    <Stack tokens={{ childrenGap: 12 }}>
      <div>
        <ChoiceGroup
          label={strings.transportLabel}
          options={options}
          styles={{ label: { color: theme.semanticColors.bodyText } }}
          selectedKey={transport}
          disabled={props.disabled}
          onChange={(ev?: React.FormEvent<HTMLElement | HTMLInputElement>, option?: IChoiceGroupOption) => {
            if (option) { props.onTransportChange(option.key as Transport); }
          }}
        />
        {props.transportChanged ? props.changedMark : null}
      </div>
      <AdminApprovalNotice strings={strings} rooms={view?.rooms} />
      {props.showSignIn ? (
        <Stack id={props.signInId} tokens={{ childrenGap: 12 }}>
          <section aria-labelledby="lms-permissions-heading">
            <Text as="h4" id="lms-permissions-heading" variant="mediumPlus" block={true}>{strings.permissionsHeading}</Text>
            <ul data-testid="permissions">
              <li>{strings.permissionMailSend}</li>
              <li>{strings.permissionPlaceRead}</li>
              <li>{strings.permissionCalendars}</li>
              <li>{strings.permissionUserRead}</li>
              <li>{strings.permissionOfflineAccess}</li>
              {smtp ? <li>{strings.permissionSmtpSend}</li> : null}
            </ul>
          </section>
          <section aria-labelledby="lms-requirements-heading">
            <Text as="h4" id="lms-requirements-heading" variant="mediumPlus" block={true}>{strings.requirementsHeading}</Text>
            <ul data-testid="requirements">
              <li>{strings.requirementCloudMailbox}</li>
              <li>{strings.requirementNotShared}</li>
              {smtp ? <li>{strings.requirementSmtpAuth}</li> : null}
            </ul>
          </section>
          {view ? (
            <Text block={true} data-testid="org-consent-status">
              {view.orgConsent.granted ? strings.orgConsentGranted : strings.orgConsentNotGranted}
            </Text>
          ) : null}
          {props.showOrgConsentOption ? (
            <LazyBoundary strings={strings}>
              <OrgConsentOption strings={strings} checked={props.orgConsent} disabled={props.disabled} onChange={props.onOrgConsentChange} />
            </LazyBoundary>
          ) : null}
          {props.showConnect ? (
            <div><PrimaryButton text={strings.connect} onClick={props.onConnect} disabled={props.disabled} /></div>
          ) : null}
        </Stack>
      ) : null}
    </Stack>
  );
}
