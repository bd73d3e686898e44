import * as React from 'react';
import * as ReactDom from 'react-dom';
import { Version } from '@microsoft/sp-core-library';
import { BaseClientSideWebPart } from '@microsoft/sp-webpart-base';
import { ThemeProvider, type ThemeChangedEventArgs, type IReadonlyTheme } from '@microsoft/sp-component-base';
import type { IPartialTheme } from '@fluentui/react/lib/Styling';
import { connectionApiConfig } from '../../shared/connectionApiConfig';
import { ConnectionSettings, type IConnectionSettingsProps } from './components/ConnectionSettings';
import { NotCatalogNotice } from './components/NotCatalogNotice';
import { hostThemeFromTeams, themeFor, type HostTheme } from './components/theme';
import { isJapanese, loadStrings, type IConnectionSettingsStrings } from './loc';
import { aadTransport } from './services/aadTransport';
import { ConnectionApi } from './services/ConnectionApi';
import { DeliveriesApi } from './services/DeliveriesApi';
import { LazyDirectory } from './services/LazyDirectory';
import { resilient, tokenFirst, withDeadline } from './services/http';
import type { IServices } from './services/interfaces';
import { LazySettingsStore } from './services/LazySettingsStore';
import { signInLauncherFor, type ISignInLauncher } from './services/signInLauncher';
import { fromLauncher } from './signIn/launchSignIn';

/** Wires the SPFx context into services and renders the page; no logic of its own. */
export default class ConnectionSettingsWebPart extends BaseClientSideWebPart<Record<string, never>> {
  private _services: IServices | undefined;
  private _siteTheme: IReadonlyTheme | undefined;
  private _hostTheme: HostTheme = 'sharepoint';
  private _strings: IConnectionSettingsStrings | undefined;
  private _themeProvider: ThemeProvider | undefined;
  private _signIn: ISignInLauncher | undefined;
  /** A Teams tab on a team's site that is not a catalog: it says so instead of making one. */
  private _notCatalog: boolean = false;
  /** Set by onDispose: a Teams theme change after it renders nothing. */
  private _disposed: boolean = false;

  protected async onInit(): Promise<void> {
    await super.onInit();
    const context = this.context;
    const web = context.pageContext.web;
    const api = connectionApiConfig();
    // PnPjs and the settings store load beside the strings: the first paint does not need them.
    const settingsStore = new LazySettingsStore(async () => {
      const [{ spfi, SPFx }, { SettingsStore }] = await Promise.all([
        import(/* webpackChunkName: 'lms-settings-store' */ '@pnp/sp'),
        import(/* webpackChunkName: 'lms-settings-store' */ './services/SettingsStore')
      ]);
      return new SettingsStore(spfi().using(SPFx(context)), web.serverRelativeUrl);
    });
    const culture = context.pageContext.cultureInfo.currentUICultureName;
    // The token first, outside each request's timeout (an MFA prompt takes longer than 20 s).
    const tokens = context.aadTokenProviderFactory.getTokenProvider();
    tokens.catch(() => undefined); // eslint-disable-line @typescript-eslint/no-floating-promises -- said by the first request that needs it
    const apiSend = tokenFirst(async () => (await tokens).getToken(api.appIdUri), resilient(aadTransport(context.aadHttpClientFactory, api.appIdUri)));
    const connectionApi = new ConnectionApi(api.baseUrl, web.absoluteUrl, apiSend, isJapanese(culture) ? 'ja' : 'en');
    const teams = context.sdks.microsoftTeams;
    // The page's first reads start now, beside the strings and the first paint (bench:page): the
    // page's first load takes their answers. In Teams the settings wait for the catalog check below,
    // as reading them makes the list on a site that lacks it.
    connectionApi.prefetchConnection();
    if (teams) {
      settingsStore.preload();
    } else {
      settingsStore.prefetch();
    }
    this._strings = await loadStrings(culture);
    this._services = {
      settingsStore,
      connectionApi,
      deliveries: new DeliveriesApi(api.baseUrl, web.absoluteUrl, apiSend),
      directory: new LazyDirectory(async () => {
        const [{ graphfi, SPFx: GraphSPFx }, { Directory }] = await Promise.all([
          import(/* webpackChunkName: 'lms-directory' */ '@pnp/graph'),
          import(/* webpackChunkName: 'lms-directory' */ './services/Directory')
        ]);
        return new Directory(graphfi().using(GraphSPFx(context)));
      })
    };

    this._themeProvider = context.serviceScope.consume(ThemeProvider.serviceKey);
    this._siteTheme = this._themeProvider.tryGetTheme();
    this._themeProvider.themeChangedEvent.add(this, this._onThemeChanged);

    // In Teams, TeamsJS opens the sign-in window (window.open may leave Teams with no opener).
    this._signIn = signInLauncherFor({ teams: teams ? teams.teamsJs.authentication : undefined, apiBaseUrl: api.baseUrl });
    if (teams) {
      // A tab manages its own team's site; where that is not a catalog it must not become one.
      // If the check itself fails, the page loads and shows the error as it would anywhere.
      // Teams' context decides the theme; if it does not come, the page still renders (default theme).
      const [isCatalog, teamsTheme] = await Promise.all([
        settingsStore.hasSettingsList().catch(() => true),
        withDeadline(teams.teamsJs.app.getContext(), 5000).then((c) => c.app.theme, () => 'default')
      ]);
      this._notCatalog = !isCatalog;
      if (isCatalog) {
        settingsStore.prefetch();
      }
      this._hostTheme = hostThemeFromTeams(teamsTheme);
      // TeamsJS keeps one handler and has no way to remove it: after onDispose it must do nothing.
      teams.teamsJs.app.registerOnThemeChangeHandler((theme: string) => {
        if (this._disposed) {
          return;
        }
        this._hostTheme = hostThemeFromTeams(theme);
        this.render();
      });
    }
  }

  public render(): void {
    if (!this._services || !this._strings || this._disposed) {
      return;
    }
    const theme = themeFor(this._hostTheme, this._siteTheme as IPartialTheme | undefined);
    if (this._notCatalog) {
      ReactDom.render(React.createElement(NotCatalogNotice, { strings: this._strings, theme, siteUrl: this.context.pageContext.web.absoluteUrl }), this.domElement);
      return;
    }
    const props: IConnectionSettingsProps = {
      services: this._services,
      strings: this._strings,
      theme,
      userEmail: this.context.pageContext.user.email || this.context.pageContext.user.loginName,
      pageOrigin: window.location.origin,
      launchSignIn: this._signIn ? fromLauncher(this._signIn) : undefined
    };
    ReactDom.render(React.createElement(ConnectionSettings, props), this.domElement);
  }

  protected onDispose(): void {
    this._disposed = true;
    if (this._themeProvider) {
      this._themeProvider.themeChangedEvent.remove(this, this._onThemeChanged);
    }
    ReactDom.unmountComponentAtNode(this.domElement);
  }

  private _onThemeChanged = (args: ThemeChangedEventArgs): void => {
    this._siteTheme = args.theme;
    this.render();
  };

  protected get dataVersion(): Version {
    return Version.parse('1.0');
  }
}
