import * as React from 'react';
import '@testing-library/jest-dom';
import { render, screen } from '@testing-library/react';
import { ThemeProvider } from '@fluentui/react/lib/Theme';
import en from '../loc/en-us';
import { FocusOnShow } from './FocusOnShow';
import { PageBoundary } from './PageBoundary';
import { pageClassName } from './pageStyles';
import { themeFor } from './theme';

/** The CSS Fluent's merge-styles wrote for a class name (its rules, media queries included), as the document has it. */
function rulesOf(className: string): string {
  const rules = Array.from(document.styleSheets).flatMap((sheet) => Array.from(sheet.cssRules).map((rule) => rule.cssText));
  return rules.filter((rule) => rule.indexOf(`.${className}`) >= 0).join('\n');
}

describe('pageStyles', () => {
  it('pageStyles - a pressed delivery-count toggle\'s label is in the text colour (the subtext colour is under 4.5:1 on the checked background), and in a forced-colours mode in the system\'s selection colours', () => {
    for (const host of ['sharepoint', 'teams-default', 'teams-dark'] as const) {
      const theme = themeFor(host);
      const className = pageClassName(theme, 'en');
      const rules = rulesOf(className).split('\n').map((rule) => rule.replace(/\s/g, ''));
      expect(rules).toContain(`.${className}.lms-delivery-count[aria-pressed="true"].lms-delivery-count-label{color:${theme.semanticColors.bodyText};}`);
      const forced = rules.filter((rule) => rule.startsWith('@media(forced-colors:active)'));
      expect(forced.some((rule) => /\.lms-delivery-count\[aria-pressed="true"\]\{[^}]*background:Highlight/.test(rule))).toBe(true);
      expect(forced.some((rule) => /\[aria-pressed="true"\]\.lms-delivery-count-label\{color:HighlightText/.test(rule))).toBe(true);
      // Only there: outside a forced-colours mode no system colour is used.
      expect(rules.filter((rule) => !rule.startsWith('@media') && /Highlight/.test(rule))).toEqual([]);
    }
  });

  it('pageStyles - labels go above their values only where the page is narrow (the media query keeps its nested rules)', () => {
    const className = pageClassName(themeFor('sharepoint'), 'ja');
    const rules = rulesOf(className).split('\n').map((rule) => rule.replace(/\s/g, ''));
    expect(rules).toContain(`.${className}.lms-grid-label{color:#605e5c;margin-top:0px;margin-right:0px;margin-bottom:0px;margin-left:0px;flex:0011em;}`);
    expect(rules).toContain(`@media(max-width:479px){.${className}.lms-grid-label{flex:00100%;}}`);
  });

  it('pageStyles - the regions the page moves the focus to show a focus outline for the keyboard (not outline: none)', () => {
    const theme = themeFor('sharepoint');
    render(
      <ThemeProvider theme={theme}>
        <FocusOnShow focusKey={1} data-testid="region">x</FocusOnShow>
        <PageBoundary strings={en} theme={theme}><span>page</span></PageBoundary>
      </ThemeProvider>
    );
    const region = screen.getByTestId('region');
    const wrapper = screen.getByText('page').parentElement as HTMLElement;
    for (const element of [region, wrapper]) {
      expect(element.style.outline).toBe('');
      const css = element.className.split(' ').map(rulesOf).join('').replace(/\s/g, '');
      expect(css).toContain(`:focus-visible{outline:2pxsolid${theme.semanticColors.focusBorder}`);
    }
  });
});
