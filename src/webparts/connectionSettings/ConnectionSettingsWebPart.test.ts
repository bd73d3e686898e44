import '@testing-library/jest-dom';
import { act, screen, waitFor, within } from '@testing-library/react';
import { ThemeProvider } from '@microsoft/sp-component-base';
import type { IConnectionSettingsProps } from './components/ConnectionSettings';
import { themeFor } from './components/theme';
import en from './loc/en-us';
import ja from './loc/ja-jp';
import type { IHttpRequest, IHttpResponse } from './services/http';
import { aadTransport } from './services/aadTransport';
import { notConnectedView } from './test/fakes';
import ConnectionSettingsWebPart from './ConnectionSettingsWebPart';

/**
 * The web part class itself (R-PAGE-8: its Teams wiring), run with stand-ins for SPFx's runtime: the
 * base class, the theme service, the page context and TeamsJS as SPFx hands them to a web part.
 * What would reach the network is faked too (the settings store, AadHttpClient's transport), and the
 * page is a stand-in that records what the class gives it; the class and what it builds are real.
 */

jest.mock('@microsoft/sp-webpart-base', () => ({
  // SPFx sets context and domElement before onInit; the test does (start below).
  BaseClientSideWebPart: class {
    public context: unknown;
    public domElement: unknown;
    protected onInit(): Promise<void> {
      return Promise.resolve();
    }
  }
}));
jest.mock('@microsoft/sp-core-library', () => ({ Version: { parse: (version: string) => ({ version }) } }));
jest.mock('@microsoft/sp-component-base', () => ({ ThemeProvider: { serviceKey: { id: 'ThemeProvider' } } }));

/** The settings stores the class made (one a web part), with what it asked of each. */
const mockStores: Array<{ calls: string[] }> = [];
/** How the next store answers whether the site has the settings list (a catalog). */
let mockHasSettingsList: () => Promise<boolean> = () => Promise.resolve(true);
jest.mock('./services/LazySettingsStore', () => ({
  LazySettingsStore: class {
    public calls: string[] = [];
    public constructor() {
      mockStores.push(this);
    }
    public preload(): void {
      this.calls.push('preload');
    }
    public prefetch(): void {
      this.calls.push('prefetch');
    }
    public hasSettingsList(): Promise<boolean> {
      this.calls.push('hasSettingsList');
      return mockHasSettingsList();
    }
  }
}));

/** The requests that reached AadHttpClient's place: each answers a connection view. */
const mockSent: Array<{ url: string; request: IHttpRequest }> = [];
jest.mock('./services/aadTransport', () => ({
  aadTransport: jest.fn(() => (url: string, request: IHttpRequest): Promise<IHttpResponse> => {
    mockSent.push({ url, request });
    const body = JSON.stringify(jest.requireActual('./test/fakes').notConnectedView());
    return Promise.resolve({ status: 200, ok: true, headers: { get: () => null }, text: () => Promise.resolve(body) });
  })
}));

/** The resources SPFx's token provider was asked a token for. */
const mockTokensFor: string[] = [];

/** Each render of the page, with the props the class gave it. */
const mockPages: IConnectionSettingsProps[] = [];
jest.mock('./components/ConnectionSettings', () => ({
  ConnectionSettings: (props: IConnectionSettingsProps) => {
    mockPages.push(props);
    return jest.requireActual('react').createElement('h2', { 'data-testid': 'page' }, props.strings.title);
  }
}));

const SITE = 'https://contoso.sharepoint.com/sites/catalog-a';
const APP_ID_URI = 'api://lms-m365-connection';
const AUTHORIZE = 'https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&state=s';
/** A site theme unlike every Teams theme and Fluent's default. */
const SITE_THEME = { palette: { themePrimary: '#038387' } };

interface ITeamsHost {
  /** What app.getContext answers; a promise that never settles is Teams leaving it unanswered. */
  getContext: () => Promise<{ app: { theme: string } }>;
  authenticate: jest.Mock<Promise<string>, [{ url: string; width?: number; height?: number }]>;
  /** The handler the class gave registerOnThemeChangeHandler. */
  themeHandler?: (theme: string) => void;
}

interface ISiteTheme {
  theme: typeof SITE_THEME | undefined;
  handlers: Array<(args: { theme: unknown }) => void>;
}

interface IHost {
  culture?: string;
  email?: string;
  teams?: ITeamsHost;
  siteTheme?: typeof SITE_THEME;
}

interface ILifecycle {
  onInit(): Promise<void>;
  onDispose(): void;
  render(): void;
}

function teamsHost(getContext: ITeamsHost['getContext'] = () => Promise.resolve({ app: { theme: 'default' } })): ITeamsHost {
  const message = { type: 'lms-m365-connection', catalog: SITE, ok: true, completion: 'k'.repeat(43) };
  return { getContext, authenticate: jest.fn((params: { url: string; width?: number; height?: number }) => Promise.resolve(JSON.stringify(message))) };
}

/** The SPFx context a web part gets, as far as the class reads it. */
function contextFor(host: IHost, themes: ISiteTheme): unknown {
  const teams = host.teams;
  return {
    pageContext: {
      web: { absoluteUrl: SITE, serverRelativeUrl: '/sites/catalog-a' },
      cultureInfo: { currentUICultureName: host.culture || 'en-US' },
      user: { email: host.email === undefined ? 'adele@contoso.test' : host.email, loginName: 'i:0#.f|membership|adele@contoso.test' }
    },
    aadTokenProviderFactory: {
      getTokenProvider: () => Promise.resolve({
        getToken: (resource: string) => {
          mockTokensFor.push(resource);
          return Promise.resolve(`token for ${resource}`);
        }
      })
    },
    aadHttpClientFactory: { name: 'aadHttpClientFactory' },
    serviceScope: {
      consume: (key: unknown) => {
        if (key !== ThemeProvider.serviceKey) {
          throw new Error('only the theme provider is consumed');
        }
        return {
          tryGetTheme: () => themes.theme,
          themeChangedEvent: {
            add: (_owner: unknown, handler: (args: { theme: unknown }) => void) => themes.handlers.push(handler),
            remove: (_owner: unknown, handler: (args: { theme: unknown }) => void) => {
              themes.handlers.splice(themes.handlers.indexOf(handler), 1);
            }
          }
        };
      }
    },
    sdks: teams
      ? {
        microsoftTeams: {
          teamsJs: {
            app: { getContext: () => teams.getContext(), registerOnThemeChangeHandler: (handler: (theme: string) => void) => { teams.themeHandler = handler; } },
            authentication: { authenticate: teams.authenticate }
          }
        }
      }
      : {}
  };
}

interface IStarted {
  part: ILifecycle;
  element: HTMLElement;
  themes: ISiteTheme;
  store: { calls: string[] };
  /** The props of the page's last render. */
  page: () => IConnectionSettingsProps;
}

/** The web part as SPFx builds it: its context and element set, onInit not yet called. */
function create(host: IHost = {}): { part: ILifecycle; element: HTMLElement; themes: ISiteTheme } {
  const themes: ISiteTheme = { theme: host.siteTheme, handlers: [] };
  const element = document.createElement('div');
  document.body.appendChild(element);
  const part = new ConnectionSettingsWebPart();
  Object.assign(part, { context: contextFor(host, themes), domElement: element });
  return { part: part as unknown as ILifecycle, element, themes };
}

/** onInit, then render: what SPFx does when the page loads. */
async function start(host: IHost = {}): Promise<IStarted> {
  const built = create(host);
  await built.part.onInit();
  act(() => built.part.render());
  return { ...built, store: mockStores[mockStores.length - 1], page: () => mockPages[mockPages.length - 1] };
}

/** What the page gives a sign-in it starts; cancel ends it as the admin's Cancel does. */
function signInContext(): { apiOrigin: string; catalog: string; onBlocked: () => void; signal: AbortSignal; cancel: () => void } {
  const controller = new AbortController();
  return { apiOrigin: 'http://api.test', catalog: SITE, onBlocked: () => undefined, signal: controller.signal, cancel: () => controller.abort() };
}

/** The clock's own setTimeout, kept before a test fakes it. */
const realSetTimeout = setTimeout;

beforeEach(() => {
  mockStores.length = 0;
  mockPages.length = 0;
  mockSent.length = 0;
  mockTokensFor.length = 0;
  mockHasSettingsList = () => Promise.resolve(true);
  document.body.innerHTML = '';
});

afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
});

describe('ConnectionSettingsWebPart (R-PAGE-8)', () => {
  it('ConnectionSettingsWebPart - SharePoint: the site theme is the page\'s, the connection and the settings are read at once, the sign-in opens a browser window', async () => {
    const open = jest.spyOn(window, 'open').mockImplementation(() => ({ closed: false, close: () => undefined, location: { href: '' } }) as unknown as Window);
    const { page, store, element } = await start({ siteTheme: SITE_THEME });
    expect(element).toContainElement(screen.getByTestId('page'));
    expect(page().theme.palette.themePrimary).toBe('#038387');
    expect(page().strings).toBe(en);
    expect(page().userEmail).toBe('adele@contoso.test');
    expect(page().pageOrigin).toBe(window.location.origin);
    // No catalog check outside Teams: the settings are read beside the first paint.
    expect(store.calls).toEqual(['prefetch']);
    // The connection was asked for before the page asked, through AadHttpClient for the API, in English.
    expect(aadTransport).toHaveBeenCalledWith({ name: 'aadHttpClientFactory' }, APP_ID_URI);
    await waitFor(() => expect(mockSent).toHaveLength(1));
    expect(mockSent[0].url).toBe(`http://api.test/v1/catalogs/${encodeURIComponent(SITE)}/connection`);
    expect(mockSent[0].request.headers['Accept-Language']).toBe('en');
    // The token for the API was asked for first, outside the request's own timeout.
    expect(mockTokensFor).toEqual([APP_ID_URI]);
    // ... and the page's first read takes that answer rather than asking again.
    await expect(page().services.connectionApi.getConnection()).resolves.toEqual(notConnectedView());
    expect(mockSent).toHaveLength(1);

    const signIn = signInContext();
    const launched = page().launchSignIn!(Promise.resolve(AUTHORIZE), signIn);
    expect(open).toHaveBeenCalledWith('about:blank', 'lms-m365-sign-in', 'width=520,height=680');
    signIn.cancel();
    await expect(launched).resolves.toEqual({ outcome: 'cancelled' });
  });

  it('ConnectionSettingsWebPart - SharePoint: a site theme change re-renders the page in it; onDispose removes the handler and unmounts the page', async () => {
    const { part, page, themes, element } = await start({ siteTheme: SITE_THEME });
    expect(themes.handlers).toHaveLength(1);
    const renders = mockPages.length;
    act(() => themes.handlers[0]({ theme: { palette: { themePrimary: '#c50f1f' } } }));
    expect(mockPages).toHaveLength(renders + 1);
    expect(page().theme.palette.themePrimary).toBe('#c50f1f');

    act(() => part.onDispose());
    expect(themes.handlers).toHaveLength(0);
    expect(element).toBeEmptyDOMElement();
    // SPFx may still call render after dispose: nothing is drawn again.
    act(() => part.render());
    expect(element).toBeEmptyDOMElement();
    expect(mockPages).toHaveLength(renders + 1);
  });

  it('ConnectionSettingsWebPart - a user without an email address is named by their login', async () => {
    const { page } = await start({ email: '' });
    expect(page().userEmail).toBe('i:0#.f|membership|adele@contoso.test');
  });

  it('ConnectionSettingsWebPart - Japanese UI culture: Japanese strings, and the API is asked in Japanese', async () => {
    const { page } = await start({ culture: 'ja-JP' });
    expect(page().strings).toBe(ja);
    expect(screen.getByTestId('page')).toHaveTextContent(ja.title);
    await waitFor(() => expect(mockSent).toHaveLength(1));
    expect(mockSent[0].request.headers['Accept-Language']).toBe('ja');
  });

  it('ConnectionSettingsWebPart - Teams: the sign-in goes through TeamsJS\'s authentication, not window.open', async () => {
    const open = jest.spyOn(window, 'open');
    const teams = teamsHost();
    const { page } = await start({ teams, siteTheme: SITE_THEME });
    const signIn = signInContext();
    const launched = page().launchSignIn!(Promise.resolve(AUTHORIZE), signIn);
    await expect(launched).resolves.toEqual({ outcome: 'signed-in', completion: 'k'.repeat(43) });
    expect(teams.authenticate).toHaveBeenCalledWith({ url: `http://api.test/v1/auth/teams-start?authorize=${encodeURIComponent(AUTHORIZE)}`, width: 520, height: 680 });
    expect(open).not.toHaveBeenCalled();
  });

  it('ConnectionSettingsWebPart - Teams: the client\'s dark theme is the page\'s, not the site\'s; a Teams theme change re-renders in it, and after onDispose draws nothing', async () => {
    const teams = teamsHost(() => Promise.resolve({ app: { theme: 'dark' } }));
    const { part, page, element } = await start({ teams, siteTheme: SITE_THEME });
    const dark = themeFor('teams-dark');
    expect(page().theme.isInverted).toBe(true);
    expect(page().theme.semanticColors.bodyBackground).toBe(dark.semanticColors.bodyBackground);
    expect(page().theme.palette.themePrimary).toBe(dark.palette.themePrimary);

    const renders = mockPages.length;
    act(() => teams.themeHandler!('contrast'));
    expect(mockPages).toHaveLength(renders + 1);
    expect(page().theme.palette.themePrimary).toBe(themeFor('teams-contrast').palette.themePrimary);

    act(() => part.onDispose());
    expect(element).toBeEmptyDOMElement();
    // TeamsJS keeps the handler: a change after dispose must not draw the page again.
    act(() => teams.themeHandler!('default'));
    expect(element).toBeEmptyDOMElement();
    expect(mockPages).toHaveLength(renders + 1);
  });

  it('ConnectionSettingsWebPart - Teams on a catalog: the settings are read only once the catalog check says the list is there', async () => {
    let answer: (isCatalog: boolean) => void = () => undefined;
    mockHasSettingsList = () => new Promise<boolean>((resolve) => { answer = resolve; });
    const { part } = create({ teams: teamsHost() });
    const init = part.onInit();
    await waitFor(() => expect(mockStores[0].calls).toEqual(['preload', 'hasSettingsList']));
    answer(true);
    await init;
    expect(mockStores[0].calls).toEqual(['preload', 'hasSettingsList', 'prefetch']);
    act(() => part.render());
    expect(screen.getByTestId('page')).toHaveTextContent(en.title);
  });

  it.each([['en-US', en], ['ja-JP', ja]] as const)('ConnectionSettingsWebPart - Teams on a site that is not a catalog: the notice in the Teams theme, no page and no settings read (%s)', async (culture, strings) => {
    mockHasSettingsList = () => Promise.resolve(false);
    const { store, element } = await start({ culture, teams: teamsHost(() => Promise.resolve({ app: { theme: 'dark' } })) });
    expect(store.calls).toEqual(['preload', 'hasSettingsList']);
    expect(mockPages).toHaveLength(0);
    const notice = screen.getByTestId('not-catalog');
    expect(element).toContainElement(notice);
    // Fluent's MessageBar shows its text a moment after it mounts.
    expect(await within(notice).findByText(strings.notCatalogTitle)).toBeInTheDocument();
    expect(notice).toHaveTextContent(SITE);
    // NotCatalogNotice paints its background from the theme it is given: Teams dark's.
    expect(element.firstElementChild).toHaveStyle({ background: themeFor('teams-dark').semanticColors.bodyBackground });
  });

  it('ConnectionSettingsWebPart - Teams: a catalog check that fails still loads the page and reads the settings', async () => {
    mockHasSettingsList = () => Promise.reject(new Error('403'));
    const { store } = await start({ teams: teamsHost() });
    expect(store.calls).toEqual(['preload', 'hasSettingsList', 'prefetch']);
    expect(screen.getByTestId('page')).toBeInTheDocument();
    expect(screen.queryByTestId('not-catalog')).not.toBeInTheDocument();
  });

  it('ConnectionSettingsWebPart - Teams: a getContext that never answers still renders, in Teams\' default theme, after 5 s', async () => {
    jest.useFakeTimers();
    const teams = teamsHost(() => new Promise(() => undefined));
    const { part } = create({ teams, siteTheme: SITE_THEME });
    let done = false;
    const init = part.onInit().then(() => { done = true; });
    await jest.advanceTimersByTimeAsync(4900);
    expect(done).toBe(false);
    await jest.advanceTimersByTimeAsync(100);
    // What the deadline set off settles before the next turn of the real clock.
    await new Promise<void>((resolve) => realSetTimeout(resolve, 0));
    expect(done).toBe(true);
    await init;
    act(() => part.render());
    expect(mockPages[mockPages.length - 1].theme.palette.themePrimary).toBe(themeFor('teams-default').palette.themePrimary);
    expect(teams.themeHandler).toBeDefined();
  });

  it('ConnectionSettingsWebPart - Teams: a getContext that fails renders in Teams\' default theme', async () => {
    const { page } = await start({ teams: teamsHost(() => Promise.reject(new Error('not in Teams'))), siteTheme: SITE_THEME });
    expect(page().theme.palette.themePrimary).toBe(themeFor('teams-default').palette.themePrimary);
  });
});
