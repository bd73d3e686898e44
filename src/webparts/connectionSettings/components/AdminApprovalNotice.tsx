import * as React from 'react';
import { Link } from '@fluentui/react/lib/Link';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { TextField } from '@fluentui/react/lib/TextField';
import { format, sentenceGap, type IConnectionSettingsStrings } from '../loc';
import type { IRoomAccess } from '../model/connection';

/** MessageBar pads a span's last link on its left (`span a:last-child`), meant for a link after text: not inside brackets. */
const NO_GAP: React.CSSProperties = { paddingLeft: 0 };

export interface IAdminApprovalNoticeProps {
  strings: IConnectionSettingsStrings;
  /** The view's room access; the notice shows nothing without it. */
  rooms: IRoomAccess | undefined;
}

/**
 * R-MOD-5: rooms need a tenant admin's consent (Place.Read.All). Tells the catalog admin, before
 * and after sign-in, that everything else works without it, who can approve, whether a request is
 * pending, and gives a link to send them.
 */
export default function AdminApprovalNotice(props: IAdminApprovalNoticeProps): JSX.Element | null {
  const { strings, rooms } = props;
  if (!rooms) {
    return null;
  }
  if (rooms.available || !rooms.adminApproval) {
    return <Text block={true} variant="small" data-testid="rooms-available">{strings.roomsAvailable}</Text>;
  }
  const approval = rooms.adminApproval;
  const emails = approval.tenantAdmins.map((a) => a.email);
  // "Name (address)" in the page's language (full-width parentheses in Japanese). The address may
  // break where it is longer than the line (the page's overflow-wrap), never overflow it; a bracket
  // stays with the address by the line-breaking rules (no break after an opening one, before a closing one).
  const [open, close] = strings.inParentheses.split('{0}');
  const space = /^\s*/.exec(open)?.[0] ?? '';
  const mailto = `mailto:${emails.map(encodeURIComponent).join(',')}?subject=${encodeURIComponent(strings.roomsEmailSubject)}&body=${encodeURIComponent(format(strings.roomsEmailBody, approval.adminConsentUrl))}`;
  return (
    <MessageBar messageBarType={MessageBarType.info} isMultiline={true} data-testid="admin-approval-notice">
      <Stack tokens={{ childrenGap: 8 }}>
        <Text block={true} variant="medium"><strong>{strings.roomsApprovalTitle}</strong></Text>
        <Text block={true} variant="small">{strings.roomsApprovalText}</Text>
        {approval.tenantAdmins.length > 0 ? (
          // Inline rather than a list: the page's own lists (alert recipients) are found by their items.
          <Text block={true} variant="small" data-testid="tenant-admins">
            {strings.roomsTenantAdmins}
            {approval.tenantAdmins.map((a, i) => (
              <React.Fragment key={a.email}>{i > 0 ? strings.listSeparator : ''}{a.displayName}{space}<span>{open.trim()}<Link underline={true} href={`mailto:${a.email}`} style={NO_GAP}>{a.email}</Link>{close}</span></React.Fragment>
            ))}
          </Text>
        ) : <Text block={true} variant="small">{strings.roomsNoTenantAdminsKnown}</Text>}
        {approval.requestPending ? (
          <Text block={true} variant="small" data-testid="request-pending">{strings.roomsRequestPending}</Text>
        ) : approval.requestWorkflow && approval.requestUrl ? (
          <Text block={true} variant="small">
            {strings.roomsRequestHelp}{sentenceGap(strings)}<Link underline={true} href={approval.requestUrl} target="_blank" rel="noopener noreferrer">{strings.roomsRequestApproval}</Link>
          </Text>
        ) : null}
        <TextField label={strings.roomsConsentLinkLabel} value={approval.adminConsentUrl} readOnly={true} onFocus={(e) => e.currentTarget.select()} />
        {emails.length > 0 ? <Link href={mailto}>{strings.roomsEmailAdmins}</Link> : null}
      </Stack>
    </MessageBar>
  );
}
