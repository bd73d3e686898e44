import * as React from 'react';
import { Icon } from '@fluentui/react/lib/Icon';
import { Link } from '@fluentui/react/lib/Link';
import { Stack } from '@fluentui/react/lib/Stack';
import { Text } from '@fluentui/react/lib/Text';
import { useTheme } from '@fluentui/react/lib/Theme';
import { format, type IConnectionSettingsStrings } from '../loc';
import type { IVisitorView } from '../services/interfaces';
import { useIds } from './ids';

export interface IVisitorViewProps {
  strings: IConnectionSettingsStrings;
  visitor: IVisitorView;
}

/**
 * What someone who cannot manage the catalog sees (issue 14, point 5): a neutral read-only summary
 * or a plain sentence, and who to ask - never an error bar over a greyed-out form.
 */
export function VisitorView(props: IVisitorViewProps): JSX.Element {
  const { strings, visitor } = props;
  const theme = useTheme();
  const id = useIds();
  const summary = visitor.summary;
  const state = !summary ? undefined
    : summary.state === 'connected' ? (summary.enabled ? strings.stateSending : strings.statePaused)
      : summary.state === 'not-connected' ? strings.stateNotConnected : strings.stateLost;
  // Each owner a mail link (or, with no email known, their name), in the sentence's place for them ({0}).
  const [before, after] = (visitor.owners.length === 1 ? strings.visitorAskOwner : strings.visitorAskOwners).split('{0}');
  const owners = visitor.owners.map((o, i) => (
    <React.Fragment key={i}>{i > 0 ? strings.listSeparator : ''}{o.email
      ? <Link href={`mailto:${o.email}`} underline={true}>{format(strings.nameWithEmail, o.displayName, o.email)}</Link>
      : <span data-testid="visitor-owner-unlinked">{o.displayName}</span>}</React.Fragment>
  ));
  return (
    <section aria-labelledby={id('visitor-heading')} className="lms-card" data-testid="visitor-view">
      <Stack horizontal={true} tokens={{ childrenGap: 12 }} verticalAlign="start">
        <Icon iconName="Lock" aria-hidden={true} styles={{ root: { fontSize: 20, lineHeight: 28, color: theme.semanticColors.bodySubtext } }} />
        <Stack tokens={{ childrenGap: 8 }} styles={{ root: { minWidth: 0 } }}>
          <Text as="h3" id={id('visitor-heading')} variant="large" block={true} styles={{ root: { fontWeight: 600 } }}>{strings.visitorHeading}</Text>
          {summary ? (
            <dl className="lms-grid">
              <div className="lms-grid-row">
                <dt className="lms-grid-label">{strings.statusLabel}</dt>
                <dd className="lms-grid-value" data-testid="visitor-state">{state}</dd>
              </div>
              {summary.accountEmail ? (
                <div className="lms-grid-row">
                  <dt className="lms-grid-label">{strings.accountLabel}</dt>
                  <dd className="lms-grid-value" data-testid="visitor-account">{summary.accountEmail}</dd>
                </div>
              ) : null}
            </dl>
          ) : <Text block={true} data-testid="visitor-hidden">{strings.visitorCannotSee}</Text>}
          <Text block={true} data-testid="visitor-owners">
            {owners.length > 0 ? <>{before}{owners}{after}</> : strings.visitorAskOwnersUnknown}
          </Text>
        </Stack>
      </Stack>
    </section>
  );
}
