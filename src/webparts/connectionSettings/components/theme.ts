import { createTheme, type IPartialTheme, type ITheme } from '@fluentui/react/lib/Styling';

/** Where the page runs: the SharePoint site theme, or one of the Teams client's themes. */
export type HostTheme = 'sharepoint' | 'teams-default' | 'teams-dark' | 'teams-contrast';

const TEAMS_DEFAULT: IPartialTheme = {
  palette: {
    themePrimary: '#6264a7', themeLighterAlt: '#f7f7fb', themeLighter: '#e1e1f1', themeLight: '#c8c9e4',
    themeTertiary: '#989ac9', themeSecondary: '#7173b0', themeDarkAlt: '#585a95', themeDark: '#4a4c7e',
    themeDarker: '#37385d', neutralLighterAlt: '#f3f2f1', neutralLighter: '#ebebeb', neutralLight: '#e1e1e1',
    neutralQuaternaryAlt: '#d1d1d1', neutralQuaternary: '#c8c8c8', neutralTertiaryAlt: '#c0c0c0',
    neutralTertiary: '#a19f9d', neutralSecondary: '#605e5c', neutralPrimaryAlt: '#3b3a39',
    neutralPrimary: '#252423', neutralDark: '#201f1e', black: '#11100f', white: '#ffffff'
  }
};

const TEAMS_DARK: IPartialTheme = {
  isInverted: true,
  palette: {
    themePrimary: '#a6a7dc', themeLighterAlt: '#07070d', themeLighter: '#1b1b2f', themeLight: '#313259',
    themeTertiary: '#6465a8', themeSecondary: '#9293d0', themeDarkAlt: '#aeafe0', themeDark: '#babbe5',
    themeDarker: '#cbcced', neutralLighterAlt: '#2b2b2b', neutralLighter: '#333333', neutralLight: '#3d3d3d',
    neutralQuaternaryAlt: '#464646', neutralQuaternary: '#4d4d4d', neutralTertiaryAlt: '#6b6b6b',
    neutralTertiary: '#c8c8c8', neutralSecondary: '#d0d0d0', neutralPrimaryAlt: '#dadada',
    neutralPrimary: '#ffffff', neutralDark: '#f4f4f4', black: '#f8f8f8', white: '#1f1f1f'
  },
  // Fluent derives disabled colours from the palette's light neutrals, which are bright in an
  // inverted palette: a disabled button would look enabled. Teams dark's own disabled colours.
  semanticColors: {
    disabledBackground: '#2e2e2e',
    disabledText: '#6e6e6e',
    disabledBodyText: '#6e6e6e',
    disabledSubtext: '#5c5c5c',
    buttonBackgroundDisabled: '#2e2e2e',
    buttonTextDisabled: '#6e6e6e',
    buttonBorderDisabled: '#3d3d3d',
    primaryButtonBackgroundDisabled: '#2e2e2e',
    primaryButtonTextDisabled: '#6e6e6e'
  }
};

const TEAMS_CONTRAST: IPartialTheme = {
  isInverted: true,
  palette: {
    themePrimary: '#ffff01', themeLighterAlt: '#0a0a00', themeLighter: '#292900', themeLight: '#4d4d00',
    themeTertiary: '#999900', themeSecondary: '#e0e000', themeDarkAlt: '#ffff1a', themeDark: '#ffff3d',
    themeDarker: '#ffff70', neutralLighterAlt: '#0b0b0b', neutralLighter: '#151515', neutralLight: '#252525',
    neutralQuaternaryAlt: '#2f2f2f', neutralQuaternary: '#373737', neutralTertiaryAlt: '#595959',
    neutralTertiary: '#ffffff', neutralSecondary: '#ffffff', neutralPrimaryAlt: '#ffffff',
    neutralPrimary: '#ffffff', neutralDark: '#ffffff', black: '#ffffff', white: '#000000'
  },
  semanticColors: {
    link: '#ffff01',
    linkHovered: '#ffff70',
    inputBorder: '#ffffff',
    buttonBorder: '#ffffff',
    inputPlaceholderText: '#ffffff',
    disabledText: '#3ff23f',
    disabledBodyText: '#3ff23f',
    // High contrast marks what is disabled with its own colour (green), text and border alike.
    buttonTextDisabled: '#3ff23f',
    primaryButtonTextDisabled: '#3ff23f',
    buttonBorderDisabled: '#3ff23f',
    buttonBackgroundDisabled: '#000000',
    primaryButtonBackgroundDisabled: '#000000'
  }
};

/**
 * The Fluent UI theme for the host: SharePoint's site theme when given (ThemeProvider in SPFx),
 * otherwise Fluent's default; Teams' three themes otherwise. Components use only theme tokens.
 */
export function themeFor(host: HostTheme, siteTheme?: IPartialTheme): ITheme {
  switch (host) {
    case 'teams-default':
      return createTheme(TEAMS_DEFAULT);
    case 'teams-dark':
      return createTheme(TEAMS_DARK);
    case 'teams-contrast':
      return createTheme(TEAMS_CONTRAST);
    default:
      return createTheme(siteTheme || {});
  }
}

/** Teams' app.theme values ('default', 'dark', 'contrast') to a host theme. */
export function hostThemeFromTeams(teamsTheme: string | undefined): HostTheme {
  if (teamsTheme === 'dark') {
    return 'teams-dark';
  }
  if (teamsTheme === 'contrast') {
    return 'teams-contrast';
  }
  return 'teams-default';
}
