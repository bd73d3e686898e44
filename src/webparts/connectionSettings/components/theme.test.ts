import { hostThemeFromTeams, themeFor } from './theme';

describe('theme (R-PAGE-8)', () => {
  it('theme - on SharePoint the site theme is the page\'s: its palette drives the primary button and links; in Teams the client\'s theme is, whatever the site has', () => {
    const site = { palette: { themePrimary: '#038387', themeDarkAlt: '#02757a', neutralPrimary: '#323130' } };
    const sharePoint = themeFor('sharepoint', site);
    expect(sharePoint.palette.themePrimary).toBe('#038387');
    expect(sharePoint.semanticColors.primaryButtonBackground).toBe('#038387');
    expect(sharePoint.semanticColors.link).toBe('#038387');
    // Without a site theme (the preview host), Fluent's default.
    expect(themeFor('sharepoint').palette.themePrimary).toBe('#0078d4');
    for (const host of ['teams-default', 'teams-dark', 'teams-contrast'] as const) {
      expect(themeFor(host, site).palette.themePrimary).not.toBe('#038387');
    }
    expect(themeFor('teams-dark', site).isInverted).toBe(true);
    expect([hostThemeFromTeams('dark'), hostThemeFromTeams('contrast'), hostThemeFromTeams('default'), hostThemeFromTeams(undefined)]).toEqual(['teams-dark', 'teams-contrast', 'teams-default', 'teams-default']);
  });
});
