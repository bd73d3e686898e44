import { mergeStyles, type ITheme } from '@fluentui/react/lib/Styling';

/**
 * The page's layout as Microsoft 365 admin pages have it: one form column of at most 640 px,
 * sections with headings from the type ramp, a card for the status, label/value pairs that
 * wrap onto two lines on narrow screens (a Teams side panel, a phone), and Save/Cancel in a footer.
 */
export function pageClassName(theme: ITheme, language: 'en' | 'ja'): string {
  const colors = theme.semanticColors;
  return mergeStyles({
    background: colors.bodyBackground,
    color: colors.bodyText,
    padding: '16px 16px 24px',
    // Japanese breaks between phrases, not inside them (no orphaned characters at line ends);
    // long addresses may still break anywhere rather than overflow.
    wordBreak: language === 'ja' ? 'keep-all' : 'normal',
    // 'anywhere' is newer than Fluent's style typings.
    overflowWrap: 'anywhere' as 'break-word',
    selectors: {
      '& .lms-column': { maxWidth: 640 },
      '& .lms-heading': { fontWeight: 600, marginBottom: 8 },
      '& .lms-subheading': { fontWeight: 600, margin: '4px 0' },
      '& .lms-hint': { color: colors.bodySubtext, marginTop: 4 },
      '& .lms-option-description': { color: colors.bodySubtext, paddingLeft: 26, marginTop: 2, marginBottom: 4 },
      '& .lms-list': { margin: '4px 0', paddingLeft: 20 },
      '& .lms-method-part': { marginTop: 16 },
      '& .lms-card': {
        border: `1px solid ${colors.bodyDivider}`,
        borderRadius: 4,
        padding: 16,
        background: colors.bodyBackground
      },
      '& .lms-grid': { margin: '12px 0 0' },
      '& .lms-grid-row': { display: 'flex', flexWrap: 'wrap', columnGap: '16px', padding: '3px 0' },
      '& .lms-grid-label': { color: colors.bodySubtext, margin: 0, flex: '0 0 11em' },
      '& .lms-grid-value': { margin: 0, flex: '1 1 12em', minWidth: 0 },
      '& .lms-delivery-counts': { display: 'flex', flexWrap: 'wrap', gap: '8px 16px', margin: 0 },
      '& .lms-delivery-count': { display: 'flex', flexDirection: 'column-reverse' },
      '& .lms-delivery-count dt': { color: colors.bodySubtext, fontSize: 12 },
      '& .lms-delivery-count dd': { margin: 0, fontSize: 20, fontWeight: 600, lineHeight: '28px' },
      '& .lms-delivery-list': { listStyle: 'none', margin: 0, padding: 0 },
      '& .lms-delivery': { borderTop: `1px solid ${colors.bodyDivider}`, padding: '8px 0' },
      '& .lms-delivery-reason': { margin: '4px 0 0' },
      '& .lms-footer': { borderTop: `1px solid ${colors.bodyDivider}`, paddingTop: 16 },
      '& h2, & h3, & h4': { margin: 0 },
      '@media (max-width: 479px)': { padding: '12px 12px 20px' }
    }
  });
}
