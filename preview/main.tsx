/**
 * The preview host's page: the real React root with the real services, against the local tenant
 * and the connection API. Only the transport differs from SharePoint: PnPjs with a bearer-token
 * behaviour and fetch with a bearer token, the tokens coming from the local tenant's dev-token
 * endpoint (through the preview server) instead of SPFx's AadTokenProvider.
 */
import * as React from 'react';
import * as ReactDom from 'react-dom';
import { spfi, SPBrowser } from '@pnp/sp';
import { graphfi, GraphBrowser } from '@pnp/graph';
import type { Queryable } from '@pnp/queryable';
import { initializeIcons } from '@fluentui/react/lib/Icons';
import { ConnectionSettings } from '../src/webparts/connectionSettings/components/ConnectionSettings';
import { themeFor, type HostTheme } from '../src/webparts/connectionSettings/components/theme';
import { stringsFor } from '../src/webparts/connectionSettings/loc/all';
import { ConnectionApi } from '../src/webparts/connectionSettings/services/ConnectionApi';
import { DeliveriesApi } from '../src/webparts/connectionSettings/services/DeliveriesApi';
import { Directory } from '../src/webparts/connectionSettings/services/Directory';
import { fetchTransport } from '../src/webparts/connectionSettings/services/fetchTransport';
import { resilient } from '../src/webparts/connectionSettings/services/http';
import type { IServices } from '../src/webparts/connectionSettings/services/interfaces';
import { LazySettingsStore } from '../src/webparts/connectionSettings/services/LazySettingsStore';
import { LmsPanel } from './LmsPanel';

interface IPreviewConfig {
  tenantOrigin: string;
  apiBaseUrl: string;
  apiResource: string;
}

declare const window: Window & { __PREVIEW__: IPreviewConfig };

const USERS = [
  { upn: 'adele@contoso.test', label: 'Adele Vance - catalog admin of Catalog A' },
  { upn: 'alex@contoso.test', label: 'Alex Wilber - catalog admin of Catalog B' },
  { upn: 'nestor@contoso.test', label: 'Nestor Wilke - not an admin' },
  { upn: 'megan@contoso.test', label: 'Megan Bowen - tenant admin' }
];
const CATALOGS = [
  { path: '/sites/catalog-a', label: 'Catalog A' },
  { path: '/sites/catalog-b', label: 'Catalog B' }
];
const THEMES: Array<{ key: HostTheme; label: string }> = [
  { key: 'sharepoint', label: 'SharePoint site theme' },
  { key: 'teams-default', label: 'Teams - default' },
  { key: 'teams-dark', label: 'Teams - dark' },
  { key: 'teams-contrast', label: 'Teams - high contrast' }
];

interface ISelection {
  user: string;
  catalog: string;
  lang: string;
  theme: HostTheme;
}

function readSelection(): ISelection {
  const q = new URLSearchParams(window.location.search);
  const theme = THEMES.find((t) => t.key === q.get('theme'));
  return {
    user: USERS.some((u) => u.upn === q.get('user')) ? (q.get('user') as string) : USERS[0].upn,
    catalog: CATALOGS.some((c) => c.path === q.get('catalog')) ? (q.get('catalog') as string) : CATALOGS[0].path,
    lang: q.get('lang') === 'ja' ? 'ja' : 'en',
    theme: theme ? theme.key : 'sharepoint'
  };
}

/** Tokens as SPFx's AadTokenProvider would hand them to the signed-in user, cached until near expiry. */
function tokenSource(user: string): (resource: string) => Promise<string> {
  const cache = new Map<string, { token: string; until: number }>();
  return async (resource: string) => {
    const hit = cache.get(resource);
    if (hit && hit.until > Date.now()) {
      return hit.token;
    }
    const response = await fetch(`/preview/token?user=${encodeURIComponent(user)}&resource=${encodeURIComponent(resource)}`);
    if (!response.ok) {
      throw new Error(`no token for ${resource}: ${response.status}`);
    }
    const body = await response.json() as { access_token: string; expires_in: number };
    cache.set(resource, { token: body.access_token, until: Date.now() + (body.expires_in - 60) * 1000 });
    return body.access_token;
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

function preloaded(store: LazySettingsStore): LazySettingsStore {
  store.preload();
  return store;
}

function buildServices(config: IPreviewConfig, selection: ISelection): IServices {
  const token = tokenSource(selection.user);
  const here = window.location.origin;
  // SharePoint and Graph are reached through the preview server (same origin, as the web part
  // is on SharePoint); the site's identity stays the tenant's URL.
  const sp = spfi().using(SPBrowser({ baseUrl: `${here}${selection.catalog}` }), DevBearerToken(() => token(config.tenantOrigin)));
  // GraphBrowser's baseUrl includes the version segment (GraphSPFx uses https://graph.microsoft.com/v1.0).
  const graph = graphfi().using(GraphBrowser({ baseUrl: `${here}/v1.0` }), DevBearerToken(() => token('https://graph.microsoft.com')));
  return {
    // As in the web part: the store's code loads beside the first paint (its own chunk).
    settingsStore: preloaded(new LazySettingsStore(async () => {
      const { SettingsStore } = await import('../src/webparts/connectionSettings/services/SettingsStore');
      return new SettingsStore(sp, selection.catalog);
    })),
    connectionApi: new ConnectionApi(config.apiBaseUrl, `${config.tenantOrigin}${selection.catalog}`, resilient(fetchTransport(() => token(config.apiResource))), selection.lang),
    directory: new Directory(graph),
    deliveries: new DeliveriesApi(config.apiBaseUrl, `${config.tenantOrigin}${selection.catalog}`, resilient(fetchTransport(() => token(config.apiResource))))
  };
}

function Select(props: { id: string; label: string; value: string; options: Array<{ value: string; label: string }>; onChange: (value: string) => void }): JSX.Element {
  return (
    <label htmlFor={props.id} style={{ display: 'inline-flex', flexDirection: 'column', marginRight: 16, fontSize: 13 }}>
      {props.label}
      <select id={props.id} value={props.value} onChange={(e) => props.onChange(e.target.value)} style={{ fontSize: 14, padding: 4 }}>
        {props.options.map((o) => <option key={o.value} value={o.value}>{o.label}</option>)}
      </select>
    </label>
  );
}

function Preview(props: { config: IPreviewConfig }): JSX.Element {
  const { config } = props;
  const [selection, setSelection] = React.useState<ISelection>(readSelection);
  const services = React.useMemo(() => buildServices(config, selection), [config, selection.user, selection.catalog, selection.lang]);
  const strings = stringsFor(selection.lang === 'ja' ? 'ja-JP' : 'en-US');
  const theme = React.useMemo(() => themeFor(selection.theme), [selection.theme]);

  const choose = (patch: Partial<ISelection>): void => {
    const next = { ...selection, ...patch };
    const q = new URLSearchParams({ user: next.user, catalog: next.catalog, lang: next.lang, theme: next.theme });
    window.history.replaceState(null, '', `?${q.toString()}`);
    setSelection(next);
  };

  return (
    <>
      <header style={{ background: '#f3f2f1', color: '#201f1e', padding: '8px 16px', borderBottom: '1px solid #8a8886', fontFamily: 'Segoe UI, sans-serif' }}>
        <h1 style={{ fontSize: 16, margin: '0 0 8px' }}>Preview host - local tenant</h1>
        <nav aria-label="Preview controls" style={{ display: 'flex', flexWrap: 'wrap', alignItems: 'flex-end' }}>
          <Select id="preview-user" label="Signed-in user" value={selection.user} options={USERS.map((u) => ({ value: u.upn, label: u.label }))} onChange={(user) => choose({ user })} />
          <Select id="preview-catalog" label="Catalog" value={selection.catalog} options={CATALOGS.map((c) => ({ value: c.path, label: c.label }))} onChange={(catalog) => choose({ catalog })} />
          <Select id="preview-lang" label="Language" value={selection.lang} options={[{ value: 'en', label: 'English (en-US)' }, { value: 'ja', label: '日本語 (ja-JP)' }]} onChange={(lang) => choose({ lang })} />
          <Select id="preview-theme" label="Theme" value={selection.theme} options={THEMES.map((t) => ({ value: t.key, label: t.label }))} onChange={(theme) => choose({ theme: theme as HostTheme })} />
          <a href="/_mailbox" target="_blank" rel="noreferrer" style={{ marginRight: 16, color: '#005a9e' }}>Mailbox viewer</a>
          <a href="/_faults" target="_blank" rel="noreferrer" style={{ color: '#005a9e' }}>Fault controls</a>
        </nav>
      </header>
      <main>
        <ConnectionSettings
          key={`${selection.user}|${selection.catalog}|${selection.lang}`}
          services={services}
          strings={strings}
          theme={theme}
          userEmail={selection.user}
          pageOrigin={window.location.origin}
        />
      </main>
      <LmsPanel catalog={selection.catalog} catalogLabel={CATALOGS.find((c) => c.path === selection.catalog)?.label ?? selection.catalog} />
    </>
  );
}

// Icon fonts come from the preview server, never from a CDN: the preview stays on loopback.
initializeIcons('/preview/fonts/', { disableWarnings: true });
const rootElement = document.getElementById('root') as HTMLElement;
ReactDom.render(<Preview config={window.__PREVIEW__} />, rootElement);
