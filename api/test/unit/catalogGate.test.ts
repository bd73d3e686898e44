import { CatalogGate } from '../../src/catalogs/catalogGate';
import { ApiError } from '../../src/errors/apiError';
import type { GraphClient } from '../../src/graph/graphClient';
import { SETTINGS_LIST, type SettingsListStore, type SettingsListState } from '../../src/sharepoint/listMirror';

/** A gate over a fake Graph that knows `sites` (path -> its lists' names) and counts its requests. */
function gateOver(sites: Record<string, string[]>, options: { failing?: boolean | ApiError; registered?: string[]; empty?: 'site' | 'lists'; denied?: string[] } = {}) {
  const requests: string[] = [];
  const methods: string[] = [];
  const graph = {
    request: async (_token: string, method: string, path: string) => {
      requests.push(path);
      methods.push(method);
      if (options.failing) {
        throw options.failing instanceof ApiError ? options.failing : new ApiError('SERVICE_UNAVAILABLE', { upstream: 'Graph 503' });
      }
      const site = /^\/sites\/[^:]+:(\/sites\/[^:]+):/.exec(path);
      if (site) {
        if (options.denied?.includes(site[1])) {
          throw new ApiError('PERMISSIONS_MISSING', { upstream: 'Graph 403 accessDenied' });
        }
        if (!sites[site[1]]) {
          throw new ApiError('NOT_FOUND', { upstream: 'Graph 404 itemNotFound' });
        }
        // Graph's client answers null for a body it could not read (204, empty).
        return options.empty === 'site' ? null : { id: `id${site[1]}` };
      }
      const lists = /^\/sites\/([^/]+)\/lists/.exec(path);
      const listed = decodeURIComponent(lists?.[1] ?? '').replace(/^id/, '');
      return options.empty === 'lists' ? null : { value: (sites[listed] ?? []).map((name) => ({ id: `list-${name}`, name })) };
    }
  } as unknown as GraphClient;
  const kept = new Map<string, SettingsListState>();
  const lists = {
    read: async (catalog: string) => kept.get(catalog) ?? { siteId: null, listId: null },
    write: async (catalog: string, state: SettingsListState) => void kept.set(catalog, state)
  } as unknown as SettingsListStore;
  return { gate: new CatalogGate({ graph, appToken: async () => 't', lists, registered: options.registered ?? [] }), requests, methods, kept };
}

const refusal = new ApiError('NOT_CONNECTED', { detail: 'as it was' });

describe('CatalogGate.neverConnected - the LMS told precisely why a catalog nothing was connected to refuses', () => {
  it('a site that is no catalog is NOT_A_CATALOG; a catalog (its settings list, or registered) that nobody connected is NOT_CONNECTED saying so', async () => {
    const { gate } = gateOver({ '/sites/catalog-a': [SETTINGS_LIST], '/sites/team': ['Documents'] }, { registered: ['https://t.test/sites/Registered'] });
    const answer = async (url: string) => {
      const e = await gate.neverConnected(url, refusal);
      return [e.code, e.detail];
    };
    expect(await answer('https://t.test/sites/catalog-a')).toEqual(['NOT_CONNECTED', 'No account has been connected to this catalog yet: a catalog admin connects one on its settings page.']);
    expect(await answer('https://t.test/sites/registered')).toEqual(['NOT_CONNECTED', expect.stringMatching(/^No account has been connected/)]);
    expect(await answer('https://t.test/sites/team')).toEqual(['NOT_A_CATALOG', expect.stringMatching(/not a catalog \(no settings list, not registered\): check the URL/)]);
    expect(await answer('https://t.test/sites/catalgo-a')).toEqual(['NOT_A_CATALOG', expect.any(String)]);
  });

  it('each URL is asked of Graph once in NEVER_CONNECTED_KEPT_MS, whatever its case (an LMS repeating a wrong URL costs no Graph request each time)', async () => {
    const { gate, requests } = gateOver({ '/sites/team': ['Documents'] });
    for (let i = 0; i < 5; i++) {
      expect((await gate.neverConnected(i % 2 ? 'https://t.test/sites/nope' : 'https://t.test/sites/NOPE', refusal)).code).toBe('NOT_A_CATALOG');
      expect((await gate.neverConnected('https://t.test/sites/team', refusal)).code).toBe('NOT_A_CATALOG');
    }
    expect(requests).toHaveLength(3);
  });

  it('when Graph does not answer, the refusal is answered as it was, and the gate asks again next time', async () => {
    const { gate, requests } = gateOver({}, { failing: true });
    expect(await gate.neverConnected('https://t.test/sites/catalog-a', refusal)).toBe(refusal);
    expect(await gate.neverConnected('https://t.test/sites/catalog-a', refusal)).toBe(refusal);
    expect(requests).toHaveLength(2);
  });
});

describe('CatalogGate.isCatalog / require - what counts as a catalog (R-SEC-2)', () => {
  it('a site is found by its path, its lists read (GET, Graph\'s two requests), and the settings list found is kept, so the next question asks Graph nothing', async () => {
    const { gate, requests, methods, kept } = gateOver({ '/sites/catalog-a': ['Documents', SETTINGS_LIST] });
    expect(await gate.isCatalog('https://t.test/sites/catalog-a')).toBe(true);
    expect(requests).toEqual(['/sites/t.test:/sites/catalog-a:?$select=id', expect.stringMatching(/^\/sites\/id%2Fsites%2Fcatalog-a\/lists/)]);
    expect(methods).toEqual(['GET', 'GET']);
    expect(kept.get('https://t.test/sites/catalog-a')).toEqual({ siteId: 'id/sites/catalog-a', listId: `list-${SETTINGS_LIST}` });
    expect(await gate.isCatalog('https://t.test/sites/catalog-a')).toBe(true);
    expect(requests).toHaveLength(2);
  });

  it('a settings list already known (the mirror keeps its id) is a catalog without asking Graph - even when Graph would not answer', async () => {
    const { gate, requests, kept } = gateOver({}, { failing: true });
    kept.set('https://t.test/sites/catalog-b', { siteId: 'site-b', listId: 'list-b', failure: null });
    expect(await gate.isCatalog('https://t.test/sites/catalog-b')).toBe(true);
    await expect(gate.require('https://t.test/sites/catalog-b')).resolves.toBeUndefined();
    expect(requests).toEqual([]);
  });

  it('a site Graph answers without an id, or whose lists come back empty, is no catalog (and its lists are not asked for without a site id)', async () => {
    const noSite = gateOver({ '/sites/catalog-a': [SETTINGS_LIST] }, { empty: 'site' });
    expect(await noSite.gate.isCatalog('https://t.test/sites/catalog-a')).toBe(false);
    expect(noSite.requests).toHaveLength(1);
    const noLists = gateOver({ '/sites/catalog-a': [SETTINGS_LIST] }, { empty: 'lists' });
    expect(await noLists.gate.isCatalog('https://t.test/sites/catalog-a')).toBe(false);
    expect(noLists.kept.size).toBe(0);
  });

  it('require refuses a site that is no catalog with NOT_A_CATALOG, and lets a registered one (any case) or one with the settings list through; Graph failing is not a yes', async () => {
    const { gate } = gateOver({ '/sites/catalog-a': [SETTINGS_LIST], '/sites/team': ['Documents'] }, { registered: ['https://t.test/sites/Registered'] });
    await expect(gate.require('https://t.test/sites/team')).rejects.toMatchObject({ code: 'NOT_A_CATALOG' });
    await expect(gate.require('https://t.test/sites/nowhere')).rejects.toMatchObject({ code: 'NOT_A_CATALOG' });
    await expect(gate.require('https://t.test/sites/catalog-a')).resolves.toBeUndefined();
    await expect(gate.require('https://t.test/sites/REGISTERED')).resolves.toBeUndefined();
    const failing = gateOver({ '/sites/catalog-a': [SETTINGS_LIST] }, { failing: true });
    await expect(failing.gate.require('https://t.test/sites/catalog-a')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});

describe('CatalogGate - a site the API holds no grant on (Sites.Selected: Graph answers 403)', () => {
  it('is no catalog - every catalog has the grant - and the LMS is told NOT_A_CATALOG once per NEVER_CONNECTED_KEPT_MS, not a Graph request a call', async () => {
    const { gate, requests } = gateOver({ '/sites/team': ['Documents'] }, { denied: ['/sites/team'] });
    expect(await gate.isCatalog('https://t.test/sites/team')).toBe(false);
    for (let i = 0; i < 3; i++) {
      expect((await gate.neverConnected('https://t.test/sites/team', refusal)).code).toBe('NOT_A_CATALOG');
    }
    expect(requests).toHaveLength(2);
    // A failure that is not Graph's 403 (no upstream answer at all) is no answer: it is not taken for one.
    const unanswered = gateOver({ '/sites/team': ['Documents'] }, { failing: new ApiError('SERVICE_UNAVAILABLE', { unanswered: true }) });
    await expect(unanswered.gate.isCatalog('https://t.test/sites/team')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
  });
});
