/**
 * The preview host's entry: as the web part's onInit does, it starts the page's first reads (the
 * connection view from the API, the settings item from SharePoint, in parallel) before loading
 * React, Fluent UI and the page (page.tsx, its own chunk, fetched meanwhile through the HTML's
 * modulepreload links). The page's code is evaluated only once both reads are on the wire:
 * evaluating it holds the main thread, and a read still waiting for its token would wait for that
 * too (bench:page).
 */
import { timeFormat } from '../src/webparts/connectionSettings/components/formatTime';
import { buildServices, readSelection, type IPreviewConfig } from './services';

declare const window: Window & { __PREVIEW__: IPreviewConfig };

const config = window.__PREVIEW__;
const selection = readSelection(window.location.search);
const services = buildServices(config, selection, window.location.origin);
services.connectionApi.prefetchConnection();
services.settingsStore.prefetch();
// The status summary's time format costs tens of ms to make: made here, a task later (once the
// reads are on their way), while the page would only wait for its tokens.
setTimeout(() => timeFormat(selection.lang === 'ja' ? 'ja-JP' : 'en-US'), 0);
const rootElement = document.getElementById('root') as HTMLElement;
services.warmUp()
  // A task later: the reads' own continuations (token in hand -> fetch) have all run by then.
  .then(() => new Promise<void>((resolve) => { setTimeout(resolve, 0); }))
  .then(() => import('./page'))
  .then(({ renderPreview }) => renderPreview(rootElement, config, services))
  .catch((error: unknown) => {
    rootElement.textContent = `The preview page could not load: ${String(error instanceof Error ? error.message : error)}`;
  });
