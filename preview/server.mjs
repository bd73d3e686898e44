// The preview host: one page rendering the web part's real React root with the real services
// against the local tenant and the connection API (docs/design.md, preview host).
//
// - GET /                      the page (switcher for user, catalog, language, theme)
// - GET /preview/assets/*      the page's bundle, built by esbuild at start
// - GET /preview/fonts/*       Fluent UI's icon font, served locally
// - GET /preview/token         a dev token for the selected user (stands in for SPFx's AadTokenProvider)
// - /sites/*, /v1.0/*          proxied to the local tenant, so SharePoint and Graph are same-origin
//                              as they are for a web part on SharePoint, and the browser never
//                              has to trust the tenant's certificate for them
// - /_mailbox, /_faults        the tenant's mailbox viewer and fault controls, proxied the same way
//                              (with the /_admin/faults, /_admin/reset and mailbox calls they make)
// - POST /_admin/reset         resets the tenant and then every fixture catalog's connection at the
//                              API (switched off, no recipients, disconnected), so the page shows
//                              the fixture's state and not a connection the tenant no longer knows
// - POST /preview/lms/queue, /preview/lms/status, /preview/lms/session, /preview/lms/session-status
//                              the LMS panel's back end (preview/lms.ts): queues notifications, puts and cancels sessions, and
//                              reads their status with the LMS back end's app-only token, which
//                              stays in this process
//
// `node preview/server.mjs` starts it from PREVIEW_PORT / PREVIEW_TENANT_ORIGIN / PREVIEW_API_BASE_URL.
import { createServer } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as esbuild from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const connectionApi = JSON.parse(readFileSync(path.join(root, 'config', 'connection-api.json'), 'utf8'));
const fontsDir = path.join(root, 'node_modules', '@fluentui', 'font-icons-mdl2', 'fonts');
const PROXIED = /^\/(sites\/|v1\.0\/|_mailbox(\/|$)|_faults$|_admin\/(faults|reset|mailboxes)(\/|$))/;
const FORWARDED_HEADERS = ['accept', 'authorization', 'content-type', 'if-match', 'if-none-match', 'x-http-method', 'x-requestdigest', 'odata-version', 'consistencylevel', 'prefer'];
const fixture = JSON.parse(readFileSync(path.join(root, 'local-tenant', 'fixtures', 'tenant.json'), 'utf8'));
const TYPES = { '.js': 'text/javascript; charset=utf-8', '.woff': 'font/woff', '.css': 'text/css' };

/** Builds the page bundle once; code splitting keeps the lazily loaded panels separate, as in SPFx. */
export async function buildPreviewBundle({ apiBaseUrl, minify = true }) {
  const result = await esbuild.build({
    entryPoints: [path.join(here, 'main.tsx')],
    bundle: true,
    format: 'esm',
    splitting: true,
    outdir: '/preview/assets',
    write: false,
    minify,
    target: 'es2019',
    metafile: true,
    logLevel: 'silent',
    define: {
      'process.env.NODE_ENV': '"production"',
      __CONNECTION_API__: JSON.stringify({
        resource: connectionApi.resource,
        scope: connectionApi.scope,
        appIdUri: connectionApi.appIdUri,
        baseUrl: apiBaseUrl.replace(/\/+$/, '')
      })
    }
  });
  const files = new Map();
  for (const file of result.outputFiles) {
    files.set('/preview/assets/' + path.basename(file.path), file.contents);
  }
  return { files, preload: firstLoad(result.metafile) };
}

/**
 * What the first visit loads, for <link rel="modulepreload">: the entry's imports and the chunks
 * its start-up imports at once, each with its own static imports. The browser then fetches them
 * beside main.js instead of finding them one import level at a time (bench:page). `boot` is what
 * the first reads need (the entry's imports, PnPjs and the settings store); `page` is React,
 * Fluent UI and the page, fetched at low priority so they do not hold up the reads' tokens on the
 * preview server's few connections.
 */
function firstLoad(metafile) {
  const outputs = metafile.outputs;
  const name = (key) => '/preview/assets/' + path.basename(key);
  const byEntry = (pattern) => Object.keys(outputs).filter((key) => pattern.test(outputs[key].entryPoint ?? ''));
  const seen = new Set();
  const closure = (keys) => {
    const found = [];
    const visit = (key) => {
      if (seen.has(key) || !outputs[key]) {
        return;
      }
      seen.add(key);
      found.push(key);
      for (const imported of outputs[key].imports) {
        if (imported.kind === 'import-statement') {
          visit(imported.path);
        }
      }
    };
    keys.forEach(visit);
    return found;
  };
  const [entry] = byEntry(/(^|\/)preview\/main\.tsx$/);
  const boot = closure([entry, ...byEntry(/(^|\/)(services\/SettingsStore\.ts|@pnp\/sp\/index\.js)$/)]).filter((key) => key !== entry);
  const page = closure(byEntry(/(^|\/)preview\/page\.tsx$/));
  return { boot: boot.map(name), page: page.map(name) };
}

/** The LMS panel's server side (preview/lms.ts), bundled for Node with the typed client it uses. */
async function loadLmsBackend(options) {
  const result = await esbuild.build({
    entryPoints: [path.join(here, 'lms.ts')],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent'
  });
  const { lmsBackend } = await import(`data:text/javascript;base64,${Buffer.from(result.outputFiles[0].contents).toString('base64')}`);
  // The development tenant's LMS back end app (docs/local-tenant.md): a secret of the fixture, read here on the server.
  const fixture = JSON.parse(readFileSync(options.fixturePath ?? path.join(root, 'local-tenant', 'fixtures', 'tenant.json'), 'utf8'));
  return lmsBackend({
    tenantOrigin: options.tenantOrigin,
    tenantId: fixture.tenant.id,
    apiBaseUrl: options.apiBaseUrl,
    apiAppIdUri: connectionApi.appIdUri,
    clientId: fixture.apps.lmsBackend.appId,
    clientSecret: fixture.apps.lmsBackend.clientSecret,
    ca: options.ca
  });
}

const CATALOG_PATH = /^\/sites\/[A-Za-z0-9_-]{1,100}$/;
const EMAIL = /^[^\s@<>"]{1,64}@[A-Za-z0-9.-]{1,190}$/;

/** Reads a small JSON body from the page; undefined when it is not one (the panel always sends JSON). */
async function jsonBody(req) {
  if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
    return undefined;
  }
  const raw = await readBody(req);
  if (raw.length > 16_384) {
    return undefined;
  }
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return undefined;
  }
}

function caFor(options) {
  if (options.caCertificate) {
    return options.caCertificate;
  }
  const file = path.join(root, '.local', 'certs', 'ca.pem');
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

function page(config, preload) {
  // The config is JSON inside a script: escape '<' so no value can end the script element.
  const json = JSON.stringify(config).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Microsoft 365 connection settings - preview</title>
<link rel="icon" href="data:,">
<style>body{margin:0;font-family:"Segoe UI","Noto Sans CJK JP",sans-serif}</style>
</head>
<body>
<div id="root"></div>
<script>
window.__PREVIEW__ = ${json};
// Fluent UI would fetch its web fonts from Microsoft's CDN; the preview stays on loopback
// (SharePoint serves those fonts itself in production).
window.FabricConfig = { fontBaseUrl: '' };
</script>
<script type="module" src="/preview/assets/main.js"></script>
${preload.boot.map((href) => `<link rel="modulepreload" href="${href}">`).join('\n')}
${preload.page.map((href) => `<link rel="modulepreload" href="${href}" fetchpriority="low">`).join('\n')}
</body>
</html>`;
}

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** One request to the tenant; settles within 30 s whatever the tenant does. `tls`: { ca, agent }. */
function tenantRequest(tenantOrigin, tls, method, pathAndQuery, headers, body) {
  const target = new URL(pathAndQuery, tenantOrigin);
  const requester = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = requester(target, { method, headers, ca: tls.ca, agent: tls.agent, timeout: 30_000 }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 502, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error('the local tenant did not answer within 30 s')));
    req.on('error', reject);
    req.end(body);
  });
}

/** A catalog back to the fixture at the API, as its first owner would do it from the page. */
async function resetCatalog(tenantOrigin, apiBaseUrl, tls, site) {
  const tokenAnswer = await tenantRequest(tenantOrigin, tls, 'POST', '/_admin/dev-token', { 'Content-Type': 'application/json' },
    JSON.stringify({ user: site.owners[0], resource: connectionApi.appIdUri }));
  if (tokenAnswer.status !== 200) {
    throw new Error(`no token for ${site.owners[0]}: ${tokenAnswer.status}`);
  }
  const auth = { Authorization: `Bearer ${JSON.parse(tokenAnswer.body.toString('utf8')).access_token}` };
  const url = `${apiBaseUrl}/v1/catalogs/${encodeURIComponent(`${tenantOrigin}${site.path}`)}/connection`;
  const read = await fetch(url, { headers: auth });
  if (!read.ok) {
    throw new Error(`reading ${site.path} at the API: ${read.status}`);
  }
  const patched = await fetch(url, {
    method: 'PATCH',
    headers: { ...auth, 'Content-Type': 'application/json', 'If-Match': read.headers.get('etag') ?? 'W/"new"' },
    body: JSON.stringify({ enabled: false, transport: 'graph', alertRecipients: [] })
  });
  const deleted = await fetch(url, { method: 'DELETE', headers: auth });
  if (!patched.ok || !deleted.ok) {
    throw new Error(`resetting ${site.path} at the API: ${patched.status}, ${deleted.status}`);
  }
}

export async function startPreview(options = {}) {
  const port = options.port ?? Number(process.env.PREVIEW_PORT ?? 4300);
  const host = options.host ?? 'localhost';
  const tenantOrigin = (options.tenantOrigin ?? process.env.PREVIEW_TENANT_ORIGIN ?? 'https://localhost:4800').replace(/\/+$/, '');
  const apiBaseUrl = (options.apiBaseUrl ?? process.env.PREVIEW_API_BASE_URL ?? 'http://localhost:4700').replace(/\/+$/, '');
  const ca = caFor(options);
  // Connections to the tenant stay open between requests: a TLS handshake for every token and
  // every SharePoint request would be much of what the page waits for (bench:page).
  const tls = { ca, agent: tenantOrigin.startsWith('https:') ? new HttpsAgent({ keepAlive: true, ca }) : new HttpAgent({ keepAlive: true }) };
  const { files: assets, preload } = await buildPreviewBundle({ apiBaseUrl });
  const html = page({ tenantOrigin, apiBaseUrl, apiResource: connectionApi.appIdUri }, preload);
  const lms = await loadLmsBackend({ tenantOrigin, apiBaseUrl, ca, fixturePath: options.fixturePath });

  const server = createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://preview.invalid');
      if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html')) {
        return send(res, 200, html, { 'Content-Type': 'text/html; charset=utf-8' });
      }
      if (req.method === 'GET' && assets.has(url.pathname)) {
        return send(res, 200, assets.get(url.pathname), { 'Content-Type': TYPES['.js'] });
      }
      if (req.method === 'GET' && url.pathname.startsWith('/preview/fonts/')) {
        const name = path.basename(url.pathname);
        const file = path.join(fontsDir, name);
        if (/^[\w.-]+\.woff$/.test(name) && existsSync(file)) {
          return send(res, 200, readFileSync(file), { 'Content-Type': TYPES['.woff'], 'Cache-Control': 'max-age=3600' });
        }
        return send(res, 404, 'not found');
      }
      if (req.method === 'GET' && url.pathname === '/preview/token') {
        const answer = await tenantRequest(tenantOrigin, tls, 'POST', '/_admin/dev-token', { 'Content-Type': 'application/json' },
          JSON.stringify({ user: url.searchParams.get('user'), resource: url.searchParams.get('resource') }));
        return send(res, answer.status, answer.body, { 'Content-Type': 'application/json' });
      }
      if (req.method === 'POST' && url.pathname === '/_admin/reset') {
        await readBody(req);
        const answer = await tenantRequest(tenantOrigin, tls, 'POST', '/_admin/reset', {}, undefined);
        if (answer.status !== 200) {
          return send(res, answer.status, answer.body, { 'Content-Type': 'application/json' });
        }
        await Promise.all(fixture.sites.map((site) => resetCatalog(tenantOrigin, apiBaseUrl, tls, site)));
        return send(res, 200, JSON.stringify({ reset: true, catalogs: fixture.sites.map((site) => site.path) }), { 'Content-Type': 'application/json' });
      }
      if (req.method === 'POST' && (url.pathname === '/preview/lms/queue' || url.pathname === '/preview/lms/status')) {
        const body = await jsonBody(req);
        const json = { 'Content-Type': 'application/json' };
        if (!body || typeof body.catalog !== 'string' || !CATALOG_PATH.test(body.catalog)) {
          return send(res, 400, JSON.stringify({ error: 'bad_request', message: 'a JSON body with catalog: "/sites/<name>" is required' }), json);
        }
        let answer;
        if (url.pathname === '/preview/lms/queue') {
          if (!['one', 'burst'].includes(body.kind) || typeof body.to !== 'string' || !EMAIL.test(body.to)) {
            return send(res, 400, JSON.stringify({ error: 'bad_request', message: 'kind must be "one" or "burst" and to an email address' }), json);
          }
          answer = await lms.queue({ catalog: body.catalog, kind: body.kind, to: body.to });
        } else {
          const ids = Array.isArray(body.ids) ? body.ids.filter((id) => typeof id === 'string' && /^[\w-]{1,64}$/.test(id)).slice(0, 100) : [];
          answer = await lms.statuses(body.catalog, ids);
        }
        return send(res, answer.status, JSON.stringify(answer.body), json);
      }
      if (req.method === 'POST' && (url.pathname === '/preview/lms/session' || url.pathname === '/preview/lms/session-status')) {
        const body = await jsonBody(req);
        const json = { 'Content-Type': 'application/json' };
        if (!body || typeof body.catalog !== 'string' || !CATALOG_PATH.test(body.catalog) || typeof body.sessionId !== 'string' || !/^preview-[\w-]{1,64}$/.test(body.sessionId)) {
          return send(res, 400, JSON.stringify({ error: 'bad_request', message: 'a JSON body with catalog: "/sites/<name>" and sessionId: "preview-..." is required' }), json);
        }
        if (url.pathname === '/preview/lms/session-status') {
          const answer = await lms.sessionStatus(body.catalog, body.sessionId);
          return send(res, answer.status, JSON.stringify(answer.body), json);
        }
        const valid = ['create', 'move', 'cancel'].includes(body.action) && Number.isInteger(body.revision) && body.revision > 0 && Number.isInteger(body.day) && body.day >= 0 && body.day < 365
          && typeof body.to === 'string' && EMAIL.test(body.to) && (body.room === null || (typeof body.room === 'string' && EMAIL.test(body.room))) && typeof body.teams === 'boolean';
        if (!valid) {
          return send(res, 400, JSON.stringify({ error: 'bad_request', message: 'action (create, move, cancel), revision, day, to, room and teams are required' }), json);
        }
        const answer = await lms.session({ catalog: body.catalog, action: body.action, sessionId: body.sessionId, revision: body.revision, day: body.day, to: body.to, room: body.room, teams: body.teams });
        return send(res, answer.status, JSON.stringify(answer.body), json);
      }
      if (PROXIED.test(url.pathname)) {
        const headers = {};
        for (const name of FORWARDED_HEADERS) {
          if (req.headers[name] !== undefined) {
            headers[name] = req.headers[name];
          }
        }
        const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : await readBody(req);
        const answer = await tenantRequest(tenantOrigin, tls, req.method, url.pathname + url.search, headers, body);
        const back = {};
        for (const [name, value] of Object.entries(answer.headers)) {
          if (['content-type', 'etag', 'retry-after', 'location'].includes(name)) {
            back[name] = value;
          }
        }
        return send(res, answer.status, answer.body, back);
      }
      return send(res, 404, 'not found', { 'Content-Type': 'text/plain' });
    } catch (error) {
      return send(res, 502, JSON.stringify({ error: 'preview_proxy_failed', message: String(error && error.message) }), { 'Content-Type': 'application/json' });
    }
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  const bound = server.address().port;
  return {
    url: `http://${host}:${bound}/`,
    port: bound,
    close: () => new Promise((resolve) => {
      server.closeAllConnections?.();
      tls.agent.destroy();
      server.close(() => resolve());
    })
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const preview = await startPreview();
  process.stdout.write(`Preview host: ${preview.url}\n`);
  const stop = () => preview.close().then(() => process.exit(0));
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
