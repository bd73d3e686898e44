/**
 * The preview host's services: the web part's real service classes with the preview's transport
 * (PnPjs with a bearer-token behaviour, fetch with a bearer token), the tokens coming from the local
 * tenant's dev-token endpoint (through the preview server) instead of SPFx's AadTokenProvider.
 * Small on purpose: main.tsx builds them and starts the page's first reads before React, Fluent UI
 * and the page's code have loaded; PnPjs loads in the settings store's own chunk.
 */
import type { Queryable } from '@pnp/queryable';
import type { HostTheme } from '../src/webparts/connectionSettings/components/theme';
import { ConnectionApi } from '../src/webparts/connectionSettings/services/ConnectionApi';
import { DeliveriesApi } from '../src/webparts/connectionSettings/services/DeliveriesApi';
import { fetchTransport } from '../src/webparts/connectionSettings/services/fetchTransport';
import { resilient } from '../src/webparts/connectionSettings/services/http';
import type { IServices } from '../src/webparts/connectionSettings/services/interfaces';
import { LazyDirectory } from '../src/webparts/connectionSettings/services/LazyDirectory';
import { LazySettingsStore } from '../src/webparts/connectionSettings/services/LazySettingsStore';

export interface IPreviewConfig {
  tenantOrigin: string;
  apiBaseUrl: string;
  apiResource: string;
}

export const USERS = [
  { upn: 'adele@contoso.test', label: 'Adele Vance - catalog admin of Catalog A' },
  { upn: 'alex@contoso.test', label: 'Alex Wilber - catalog admin of Catalog B' },
  { upn: 'nestor@contoso.test', label: 'Nestor Wilke - not an admin' },
  { upn: 'megan@contoso.test', label: 'Megan Bowen - tenant admin' }
];
export const CATALOGS = [
  { path: '/sites/catalog-a', label: 'Catalog A' },
  { path: '/sites/catalog-b', label: 'Catalog B' }
];
export const THEMES: Array<{ key: HostTheme; label: string }> = [
  { key: 'sharepoint', label: 'SharePoint site theme' },
  { key: 'teams-default', label: 'Teams - default' },
  { key: 'teams-dark', label: 'Teams - dark' },
  { key: 'teams-contrast', label: 'Teams - high contrast' }
];

export interface ISelection {
  user: string;
  catalog: string;
  lang: string;
  theme: HostTheme;
}

export function readSelection(search: string): ISelection {
  const q = new URLSearchParams(search);
  const theme = THEMES.find((t) => t.key === q.get('theme'));
  return {
    user: USERS.some((u) => u.upn === q.get('user')) ? (q.get('user') as string) : USERS[0].upn,
    catalog: CATALOGS.some((c) => c.path === q.get('catalog')) ? (q.get('catalog') as string) : CATALOGS[0].path,
    lang: q.get('lang') === 'ja' ? 'ja' : 'en',
    theme: theme ? theme.key : 'sharepoint'
  };
}

/** Which services a selection gets: a new user, catalog or language gets new ones. */
export function servicesKey(selection: ISelection): string {
  return `${selection.user}|${selection.catalog}|${selection.lang}`;
}

/**
 * Tokens as SPFx's AadTokenProvider would hand them to the signed-in user, cached until near
 * expiry; calls made while one is on its way share it.
 */
function tokenSource(user: string): (resource: string) => Promise<string> {
  const cache = new Map<string, Promise<{ token: string; until: number }>>();
  const ask = async (resource: string): Promise<{ token: string; until: number }> => {
    const response = await fetch(`/preview/token?user=${encodeURIComponent(user)}&resource=${encodeURIComponent(resource)}`);
    if (!response.ok) {
      throw new Error(`no token for ${resource}: ${response.status}`);
    }
    const body = await response.json() as { access_token: string; expires_in: number };
    return { token: body.access_token, until: Date.now() + (body.expires_in - 60) * 1000 };
  };
  return async (resource: string) => {
    const cached = cache.get(resource);
    const hit = cached ? await cached.catch(() => undefined) : undefined;
    if (hit && hit.until > Date.now()) {
      return hit.token;
    }
    if (cache.get(resource) === cached) {
      cache.set(resource, ask(resource));
    }
    const entry = cache.get(resource) as Promise<{ token: string; until: number }>;
    try {
      return (await entry).token;
    } catch (error) {
      // A failed ask is not kept: the next call asks again.
      if (cache.get(resource) === entry) {
        cache.delete(resource);
      }
      throw error;
    }
  };
}

/** PnPjs behaviour: a fresh bearer token on every request (BearerToken takes a fixed one). */
function DevBearerToken(getToken: () => Promise<string>) {
  return <T extends Queryable>(instance: T): T => {
    instance.on.auth.prepend(async (url: URL, init: RequestInit) => {
      (init.headers as Record<string, string>).Authorization = `Bearer ${await getToken()}`;
      return [url, init];
    });
    return instance;
  };
}

export interface IPreviewServices extends IServices {
  settingsStore: LazySettingsStore;
  connectionApi: ConnectionApi;
  /** Settles once both tokens are here and the settings store's code is loaded; never rejects. */
  warmUp(): Promise<void>;
}

function storeCode(): Promise<[typeof import('@pnp/sp'), typeof import('../src/webparts/connectionSettings/services/SettingsStore')]> {
  return Promise.all([import('@pnp/sp'), import('../src/webparts/connectionSettings/services/SettingsStore')]);
}

export function buildServices(config: IPreviewConfig, selection: ISelection, origin: string): IPreviewServices {
  const token = tokenSource(selection.user);
  const apiSend = resilient(fetchTransport(() => token(config.apiResource)));
  const site = `${config.tenantOrigin}${selection.catalog}`;
  return {
    // As in the web part: PnPjs and the store load in their own chunk, beside the first paint.
    // SharePoint and Graph are reached through the preview server (same origin, as the web part
    // is on SharePoint); the site's identity stays the tenant's URL.
    settingsStore: new LazySettingsStore(async () => {
      const [{ spfi, SPBrowser }, { SettingsStore }] = await storeCode();
      return new SettingsStore(spfi().using(SPBrowser({ baseUrl: `${origin}${selection.catalog}` }), DevBearerToken(() => token(config.tenantOrigin))), selection.catalog);
    }),
    connectionApi: new ConnectionApi(config.apiBaseUrl, site, apiSend, selection.lang),
    directory: new LazyDirectory(async () => {
      const [{ graphfi, GraphBrowser }, { Directory }] = await Promise.all([
        import('@pnp/graph'),
        import('../src/webparts/connectionSettings/services/Directory')
      ]);
      // GraphBrowser's baseUrl includes the version segment (GraphSPFx uses https://graph.microsoft.com/v1.0).
      return new Directory(graphfi().using(GraphBrowser({ baseUrl: `${origin}/v1.0` }), DevBearerToken(() => token('https://graph.microsoft.com'))));
    }),
    deliveries: new DeliveriesApi(config.apiBaseUrl, site, apiSend),
    warmUp: () => Promise.all([token(config.apiResource), token(config.tenantOrigin), storeCode()]).then(() => undefined, () => undefined)
  };
}
