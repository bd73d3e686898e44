import * as React from 'react';
import { ThemeProvider } from '@fluentui/react/lib/Theme';
import type { ITheme } from '@fluentui/react/lib/Styling';
import { MessageBar, MessageBarType } from '@fluentui/react/lib/MessageBar';
import { Text } from '@fluentui/react/lib/Text';
import type { IConnectionSettingsStrings } from '../loc';

export interface INotCatalogNoticeProps {
  strings: IConnectionSettingsStrings;
  theme: ITheme;
  /** The site the Teams tab is on (its team's site). */
  siteUrl: string;
}

/**
 * What a Teams tab shows on a team's site that is not a catalog (R-SEC-2: the app is not added
 * there). The page would otherwise create a settings list and make the site a catalog.
 */
export function NotCatalogNotice(props: INotCatalogNoticeProps): JSX.Element {
  const { strings, theme } = props;
  const [before, after] = strings.notCatalogBody.split('{0}');
  return (
    <ThemeProvider theme={theme} lang={strings.locale} style={{ background: theme.semanticColors.bodyBackground, color: theme.semanticColors.bodyText, padding: 16 }}>
      <Text as="h2" variant="xLarge" block={true}>{strings.title}</Text>
      <div data-testid="not-catalog">
        <MessageBar messageBarType={MessageBarType.warning} isMultiline={true}>
          <strong>{strings.notCatalogTitle}</strong>
          <p>{before}<code>{props.siteUrl}</code>{after}</p>
        </MessageBar>
      </div>
    </ThemeProvider>
  );
}
