/**
 * The preview host's page: the real React root with the real services, against the local tenant
 * and the connection API. Loaded by main.tsx once the page's first reads have started.
 */
import * as React from 'react';
import * as ReactDom from 'react-dom';
import { initializeIcons } from '@fluentui/react/lib/Icons';
import { ConnectionSettings } from '../src/webparts/connectionSettings/components/ConnectionSettings';
import { themeFor, type HostTheme } from '../src/webparts/connectionSettings/components/theme';
import { stringsFor } from '../src/webparts/connectionSettings/loc/all';
import { LmsPanel } from './LmsPanel';
import { buildServices, CATALOGS, readSelection, servicesKey, THEMES, USERS, type IPreviewConfig, type IPreviewServices, type ISelection } from './services';

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

function Preview(props: { config: IPreviewConfig; first: IPreviewServices }): JSX.Element {
  const { config, first } = props;
  const [selection, setSelection] = React.useState<ISelection>(() => readSelection(window.location.search));
  const key = servicesKey(selection);
  // The first selection's services are the ones whose reads main.tsx started.
  const firstKey = React.useRef<string>(key);
  const services = React.useMemo(
    () => key === firstKey.current ? first : buildServices(config, selection, window.location.origin),
    [config, first, key]
  );
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
          key={key}
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

export function renderPreview(rootElement: HTMLElement, config: IPreviewConfig, first: IPreviewServices): void {
  // Icon fonts come from the preview server, never from a CDN: the preview stays on loopback.
  initializeIcons('/preview/fonts/', { disableWarnings: true });
  ReactDom.render(<Preview config={config} first={first} />, rootElement);
}
