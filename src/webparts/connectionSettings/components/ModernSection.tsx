import * as React from 'react';
import { ActionButton } from '@fluentui/react/lib/Button';
import { ChoiceGroup, type IChoiceGroupOption } from '@fluentui/react/lib/ChoiceGroup';
import { Text } from '@fluentui/react/lib/Text';
import { Stack } from '@fluentui/react/lib/Stack';
import type { IConnectionSettingsStrings } from '../loc';
import type { IConnectionView, Transport } from '../model/connection';
import { orgConsentCovers } from '../model/form';
import { useIds } from './ids';
import { LazyBoundary } from './LazyBoundary';
import { optionWithDescription } from './optionWithDescription';
import AdminApprovalNotice from './AdminApprovalNotice';

const OrgConsentOption = React.lazy(() => import(/* webpackChunkName: 'lms-org-consent' */ './OrgConsentOption'));

export interface IModernSectionProps {
  strings: IConnectionSettingsStrings;
  view: IConnectionView | undefined;
  transport: Transport;
  orgConsent: boolean;
  showOrgConsentOption: boolean;
  disabled: boolean;
  onTransportChange: (transport: Transport) => void;
  onOrgConsentChange: (orgConsent: boolean) => void;
  /**
   * What the admin must read before a sign-in (permissions, requirements, consent). Hidden while a
   * Modern connection exists: the summary's "Change account" reveals it.
   */
  showSignIn: boolean;
  /** Id of that part, which the "Change account" button controls. */
  signInId: string;
}

/** R-MOD-3, R-MOD-4, R-MOD-5, R-MOD-8: what the admin must know before signing in. */
export function ModernSection(props: IModernSectionProps): JSX.Element {
  const { strings, view, transport } = props;
  const smtp = transport === 'smtp-oauth';
  const id = useIds();
  // The transport is an expert's choice (Graph by default): folded unless it is not the default.
  const [advanced, setAdvanced] = React.useState<boolean>(smtp);
  const options: IChoiceGroupOption[] = [
    optionWithDescription('graph', strings.transportGraph, strings.transportGraphDescription, id),
    optionWithDescription('smtp-oauth', strings.transportSmtp, strings.transportSmtpDescription, id)
  ];
  return (
    <Stack tokens={{ childrenGap: 12 }}>
      {props.showSignIn ? (
        <Stack id={props.signInId} tokens={{ childrenGap: 12 }}>
          <section aria-labelledby={id('permissions-heading')}>
            <Text as="h4" id={id('permissions-heading')} variant="mediumPlus" block={true} className="lms-subheading">{strings.permissionsHeading}</Text>
            <ul data-testid="permissions" className="lms-list">
              <li>{strings.permissionMailSend}</li>
              <li>{strings.permissionPlaceRead}</li>
              <li>{strings.permissionCalendars}</li>
              <li>{strings.permissionUserRead}</li>
              <li>{strings.permissionOfflineAccess}</li>
              {smtp ? <li>{strings.permissionSmtpSend}</li> : null}
            </ul>
          </section>
          <section aria-labelledby={id('requirements-heading')}>
            <Text as="h4" id={id('requirements-heading')} variant="mediumPlus" block={true} className="lms-subheading">{strings.requirementsHeading}</Text>
            <ul data-testid="requirements" className="lms-list">
              <li>{strings.requirementCloudMailbox}</li>
              <li>{strings.requirementNotShared}</li>
              {smtp ? <li>{strings.requirementSmtpAuth}</li> : null}
            </ul>
          </section>
          {view ? (
            <Text block={true} data-testid="org-consent-status">
              {orgConsentCovers(view, transport) ? strings.orgConsentGranted : strings.orgConsentNotGranted}
            </Text>
          ) : null}
          {props.showOrgConsentOption ? (
            <LazyBoundary strings={strings}>
              <OrgConsentOption strings={strings} checked={props.orgConsent} disabled={props.disabled} onChange={props.onOrgConsentChange} />
            </LazyBoundary>
          ) : null}
          {/* Beside the consent option: a tenant admin must approve what Entra reserves for admins (rooms). */}
          <AdminApprovalNotice strings={strings} rooms={view?.rooms} />
        </Stack>
      ) : (
        // Connected, the sign-in part is folded away, but rooms may still wait for a tenant admin.
        <AdminApprovalNotice strings={strings} rooms={view?.rooms} />
      )}
      <div>
        <ActionButton
          iconProps={{ iconName: advanced ? 'ChevronUp' : 'ChevronDown' }}
          text={strings.advancedLabel}
          aria-expanded={advanced}
          aria-controls={advanced ? id('advanced') : undefined}
          onClick={() => setAdvanced(!advanced)}
          styles={{ root: { paddingLeft: 0 } }}
        />
        {advanced ? (
          <div id={id('advanced')}>
            <ChoiceGroup
              label={strings.transportLabel}
              options={options}
              selectedKey={transport}
              disabled={props.disabled}
              onChange={(ev?: React.FormEvent<HTMLElement | HTMLInputElement>, option?: IChoiceGroupOption) => {
                if (option) { props.onTransportChange(option.key as Transport); }
              }}
            />
          </div>
        ) : null}
      </div>
    </Stack>
  );
}
