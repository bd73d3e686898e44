import { mergeStyles, type ITheme } from '@fluentui/react/lib/Styling';

/**
 * An element the page moves the focus to (a message, a heading, an item): no outline for a
 * pointer, a visible one for the keyboard, in the theme's focus colour.
 */
export function focusTargetClassName(theme: ITheme): string {
  return mergeStyles({
    outline: 'none',
    selectors: {
      ':focus-visible': { outline: `2px solid ${theme.semanticColors.focusBorder}`, outlineOffset: '2px' }
    }
  });
}

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
    // Japanese breaks between phrases where the browser can find them (word-break: auto-phrase,
    // Chromium: Edge, Chrome and Teams), elsewhere between characters with the strict line-break
    // rules (no small kana or closing bracket at a line's start). keep-all, which breaks only at
    // spaces, split "メール アドレス" and left runs without a space to be cut anywhere.
    // Long addresses may still break anywhere rather than overflow.
    wordBreak: 'normal',
    lineBreak: language === 'ja' ? 'strict' : 'auto',
    // 'anywhere' is newer than Fluent's style typings.
    overflowWrap: 'anywhere' as 'break-word',
    selectors: {
      // Fluent's message bars set word-break: break-word on their text, which would cut words again.
      '@supports (word-break: auto-phrase)': language === 'ja' ? { wordBreak: 'auto-phrase' as 'normal', selectors: { '.ms-MessageBar-innerText': { wordBreak: 'auto-phrase' as 'normal' } } } : {},
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
      // A value narrower than 16em goes under its label (a Teams side panel, a phone, a message bar).
      '& .lms-grid-value': { margin: 0, flex: '1 1 16em', minWidth: 0 },
      // Why / What to do, nested under the state's heading: a label column as wide as its words.
      '& .lms-reason-grid .lms-grid-label': { flex: '0 0 7em' },
      '& .lms-delivery-counts': { display: 'flex', flexWrap: 'wrap', gap: '4px 8px', margin: '0 -6px' },
      // Each count a toggle button that reads as the figure it shows: label first for screen readers, figure on top.
      '& .lms-delivery-count': {
        display: 'flex', flexDirection: 'column-reverse', alignItems: 'flex-start', padding: '2px 6px', margin: 0,
        font: 'inherit', color: colors.bodyText, background: 'transparent', border: '1px solid transparent', borderRadius: 2, cursor: 'pointer'
      },
      '& .lms-delivery-count:hover:not(:disabled)': { background: colors.buttonBackgroundHovered },
      '& .lms-delivery-count[aria-pressed="true"]': { background: colors.buttonBackgroundChecked, borderColor: colors.inputBorder },
      '& .lms-delivery-count:focus-visible': { outline: `1px solid ${colors.focusBorder}`, outlineOffset: '1px' },
      '& .lms-delivery-count:disabled': { cursor: 'default', color: colors.bodyText },
      '& .lms-delivery-count-label': { color: colors.bodySubtext, fontSize: 12 },
      // Pressed, the label is on the checked background, where the subtext colour is under 4.5:1.
      '& .lms-delivery-count[aria-pressed="true"] .lms-delivery-count-label': { color: colors.bodyText },
      '& .lms-delivery-count-value': { fontSize: 20, fontWeight: 600, lineHeight: '28px' },
      '& .lms-delivery-count-failed': { color: colors.errorIcon },
      // High contrast (Windows contrast themes): the system's selection colours show which toggle is pressed.
      // (Inside a media query merge-styles takes selectors without "&": one with it would leave the query.)
      '@media (forced-colors: active)': {
        selectors: {
          '.lms-delivery-count[aria-pressed="true"]': { forcedColorAdjust: 'none', background: 'Highlight', borderColor: 'Highlight', color: 'HighlightText' },
          '.lms-delivery-count[aria-pressed="true"] .lms-delivery-count-label, .lms-delivery-count[aria-pressed="true"] .lms-delivery-count-value': { color: 'HighlightText' },
          '.lms-delivery-count:focus-visible, .lms-delivery:focus-visible': { outlineColor: 'Highlight' }
        }
      },
      '& .lms-delivery-list': { listStyle: 'none', margin: 0, padding: 0 },
      '& .lms-delivery': { borderTop: `1px solid ${colors.bodyDivider}`, padding: '8px 0' },
      // An item the focus is moved to (the first of those "Show older" added).
      '& .lms-delivery:focus': { outline: 'none' },
      '& .lms-delivery:focus-visible': { outline: `2px solid ${colors.focusBorder}`, outlineOffset: '2px' },
      // A heading the focus is moved to (the page's title after a reload, a card's heading).
      '& h2[tabindex="-1"]:focus, & h3[tabindex="-1"]:focus': { outline: 'none' },
      '& h2[tabindex="-1"]:focus-visible, & h3[tabindex="-1"]:focus-visible': { outline: `2px solid ${colors.focusBorder}`, outlineOffset: '2px' },
      '& .lms-delivery-reason': { margin: '4px 0 0' },
      '& .lms-footer': { borderTop: `1px solid ${colors.bodyDivider}`, paddingTop: 16 },
      '& h2, & h3, & h4': { margin: 0 },
      // Narrow (a phone, a Teams side panel): labels above their values, so a long value (a Japanese
      // remedy) gets the card's whole width rather than a strip beside its label.
      // (Nested selectors without "&": with it, merge-styles would apply them at every width.)
      '@media (max-width: 479px)': { padding: '12px 12px 20px', selectors: { '.lms-grid-label, .lms-reason-grid .lms-grid-label': { flex: '0 0 100%' } } }
    }
  });
}
