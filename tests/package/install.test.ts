/**
 * The built solution package installed on the local tenant's SharePoint, as a site owner adds it
 * (Site contents > New > App) and later upgrades it: the feature's element manifests, list schema
 * and upgrade actions are applied from the .sppkg itself, so provisioning is exercised, not assumed.
 * Version N is the package as 0.1 shipped it (fields only on the list, plain Item content type):
 * the built package with its feature assets swapped for tests/package/fixtures/sppkg-0.1.
 */
import { readFileSync, existsSync } from 'fs';
import path from 'path';
import JSZip from 'jszip';
import { spfi, SPBrowser, type SPFI } from '@pnp/sp';
import '@pnp/sp/webs';
import '@pnp/sp/lists';
import '@pnp/sp/items';
import '@pnp/sp/fields';
import '@pnp/sp/content-types';
import { BearerToken } from '@pnp/queryable';
import { startLocalTenant, type LocalTenant } from '../../local-tenant/src/index';
import { SettingsStore } from '../../src/webparts/connectionSettings/services/SettingsStore';
import { SETTINGS_FIELDS } from '../../src/webparts/connectionSettings/services/settingsFields';

const root = path.resolve(__dirname, '..', '..');
const sppkgPath = path.join(root, 'sharepoint', 'solution', 'lms-m365-connection.sppkg');
const solutionConfig = JSON.parse(readFileSync(path.join(root, 'config', 'package-solution.json'), 'utf8'));
const featureId: string = solutionConfig.solution.features[0].id;
const CONTENT_TYPE = '0x0100D0C1D3EA704840ACA11CC26524D87283';
const LIST_URL = 'Lists/LmsM365Connection';

let tenant: LocalTenant;
let current: Buffer;
let previous: Buffer;

/** The 0.1 package: this build with the feature's assets and versions as 0.1 had them. */
async function packageVersion01(built: Buffer): Promise<Buffer> {
  const zip = await JSZip.loadAsync(built);
  const fixture = (name: string): string => readFileSync(path.join(__dirname, 'fixtures', 'sppkg-0.1', name), 'utf8');
  zip.file(`${featureId}/elements.xml`, fixture('elements.xml'));
  zip.file('schema.xml', fixture('schema.xml'));
  const relsName = `_rels/feature_${featureId}.xml.rels`;
  const rels = (await zip.file(relsName)!.async('string')).replace(/<Relationship [^>]*Target="[^"]*upgrade-actions\.xml"[^>]*><\/Relationship>/g, '');
  zip.file(relsName, rels);
  zip.remove(`${featureId}/upgrade-actions.xml`);
  const featureXml = `feature_${featureId}.xml`;
  zip.file(featureXml, (await zip.file(featureXml)!.async('string')).replace(/Version="[\d.]+"/, 'Version="0.1.0.0"'));
  zip.file('AppManifest.xml', (await zip.file('AppManifest.xml')!.async('string')).replace(/ Version="[\d.]+"/, ' Version="0.1.0.0"'));
  return zip.generateAsync({ type: 'nodebuffer' });
}

async function install(site: string, sppkg: Buffer): Promise<{ status: number; body: Record<string, any> }> {
  const response = await fetch(`${tenant.origin}/_admin/sites/${site}/apps`, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: sppkg });
  return { status: response.status, body: (await response.json()) as Record<string, any> };
}

async function sp(user: string, site: string): Promise<SPFI> {
  const response = await fetch(`${tenant.origin}/_admin/dev-token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ user, resource: tenant.origin }) });
  const { access_token: token } = (await response.json()) as { access_token: string };
  const url = `${tenant.origin}/sites/${site}`;
  return spfi(url).using(SPBrowser({ baseUrl: url }), BearerToken(token));
}

async function listFields(s: SPFI, site: string): Promise<Array<{ Id: string; InternalName: string; TypeAsString: string }>> {
  return s.web.getList(`/sites/${site}/${LIST_URL}`).fields();
}

beforeAll(async () => {
  if (!existsSync(sppkgPath)) {
    throw new Error(`${sppkgPath} does not exist: run "npm run package" first (npm test does).`);
  }
  current = readFileSync(sppkgPath);
  previous = await packageVersion01(current);
  tenant = await startLocalTenant({ port: 0, smtpPort: 0 });
});
afterAll(async () => tenant.close());
beforeEach(() => tenant.reset());

describe('installing the solution package on a site', () => {
  test('install - a new site gets the site columns, the content type and the hidden, versioned list bound to it with every field', async () => {
    const result = await install('catalog-b', current);
    expect(result.status).toBe(200);
    expect(result.body).toMatchObject({ action: 'installed', solution: { version: solutionConfig.solution.version }, features: [{ id: featureId, version: '1.0.0.0', previousVersion: null }] });
    const s = await sp('alex@contoso.test', 'catalog-b');
    const list = await s.web.getList(`/sites/catalog-b/${LIST_URL}`)();
    expect(list).toMatchObject({ Title: 'LMS Microsoft 365 connection', Hidden: true, EnableVersioning: true, ContentTypesEnabled: true });
    const fields = await listFields(s, 'catalog-b');
    for (const wanted of SETTINGS_FIELDS) {
      expect(fields.find((f) => f.InternalName === wanted.internalName)).toMatchObject({ Id: wanted.id });
    }
    const contentTypes: Array<{ StringId: string }> = await s.web.getList(`/sites/catalog-b/${LIST_URL}`).contentTypes();
    expect(contentTypes.map((c) => c.StringId)).toEqual([CONTENT_TYPE]);
    // The list takes the settings the web part writes.
    await s.web.getList(`/sites/catalog-b/${LIST_URL}`).items.add({ Title: 'Microsoft 365 connection', LmsEnabled: true, LmsAuthMethod: 'Classic', LmsConnectionStatus: 'Connected' });
  });

  test('install - a feature element SharePoint Online refuses in an SPFx package (ContentTypeBinding) fails the install, and the site keeps what it had', async () => {
    const zip = await JSZip.loadAsync(current);
    zip.file(`${featureId}/binding.xml`, `<?xml version="1.0" encoding="utf-8"?><Elements xmlns="http://schemas.microsoft.com/sharepoint/"><ContentTypeBinding ContentTypeId="${CONTENT_TYPE}" ListUrl="${LIST_URL}" /></Elements>`);
    const relsName = `_rels/feature_${featureId}.xml.rels`;
    const rels = await zip.file(relsName)!.async('string');
    zip.file(relsName, rels.replace('</Relationships>', `<Relationship Type="http://schemas.microsoft.com/sharepoint/2012/app/relationships/feature-elementmanifest" Target="/${featureId}/binding.xml" Id="binding"></Relationship></Relationships>`));
    const refused = await install('catalog-b', await zip.generateAsync({ type: 'nodebuffer' }));
    expect(refused.status).toBe(400);
    expect(refused.body.message).toMatch(/Feature definition with Id .* failed validation.*invalid child element 'ContentTypeBinding'/);
    const s = await sp('alex@contoso.test', 'catalog-b');
    expect(await s.web.lists.filter(`Title eq 'LMS Microsoft 365 connection'`)()).toEqual([]);
  });

  test('upgrade - a site with version 0.1 gets version 1.0; the page adds the fields its list lacks, its settings kept', async () => {
    const first = await install('catalog-a', previous);
    expect(first.body).toMatchObject({ action: 'installed', solution: { version: '0.1.0.0' }, features: [{ id: featureId, version: '0.1.0.0' }] });
    const s = await sp('adele@contoso.test', 'catalog-a');
    const list = s.web.getList(`/sites/catalog-a/${LIST_URL}`);
    expect((await list.contentTypes()).map((c: { StringId: string }) => c.StringId)).toEqual(['0x0100']);
    await list.items.add({ Title: 'Microsoft 365 connection', LmsEnabled: true, LmsAlertRecipients: 'adele@contoso.test' });

    const second = await install('catalog-a', current);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ action: 'upgraded', solution: { version: solutionConfig.solution.version }, features: [{ id: featureId, version: '1.0.0.0', previousVersion: '0.1.0.0' }] });
    // The older list keeps the Item content type (SharePoint Online takes no ContentTypeBinding from
    // an SPFx feature); an admin opening the page adds every field it lacks.
    expect((await list.contentTypes()).map((c: { StringId: string }) => c.StringId)).toEqual(['0x0100']);
    await new SettingsStore(s, '/sites/catalog-a').load();
    const fields = await listFields(s, 'catalog-a');
    for (const wanted of SETTINGS_FIELDS) {
      expect(fields.filter((f) => f.InternalName === wanted.internalName)).toEqual([expect.objectContaining({ Id: wanted.id })]);
    }
    const items = await list.items.select('LmsEnabled', 'LmsAlertRecipients')();
    expect(items).toEqual([expect.objectContaining({ LmsEnabled: true, LmsAlertRecipients: 'adele@contoso.test' })]);

    const again = await install('catalog-a', current);
    expect(again.body.action).toBe('unchanged');
    const older = await install('catalog-a', previous);
    expect(older.status).toBe(400);
    expect(older.body.message).toMatch(/older/);
  });

  test('install - a file that is not a solution package is refused with the reason', async () => {
    const result = await install('catalog-a', Buffer.from('not a zip'));
    expect(result.status).toBe(400);
    expect(result.body).toEqual({ error: 'invalid_package', message: expect.stringMatching(/not a zip/) });
  });
});

describe('the web part and an older settings list', () => {
  test('settings store - an admin opening the page adds the fields a hand-made or older list lacks, and keeps its item', async () => {
    const s = await sp('adele@contoso.test', 'catalog-a');
    const { list } = await s.web.lists.ensure('LmsM365Connection', '', 100, false, { Hidden: true });
    await list.fields.addBoolean('LmsEnabled');
    await list.fields.addMultilineText('LmsAlertRecipients');
    await list.items.add({ Title: 'Microsoft 365 connection', LmsEnabled: true, LmsAlertRecipients: 'adele@contoso.test' });

    const store = new SettingsStore(s, '/sites/catalog-a');
    const settings = await store.load();
    expect(settings).toMatchObject({ enabled: true, method: 'modern', alertRecipients: ['adele@contoso.test'] });
    const names = (await listFields(s, 'catalog-a')).map((f) => f.InternalName);
    for (const wanted of SETTINGS_FIELDS) {
      expect(names.filter((n) => n === wanted.internalName)).toHaveLength(1);
    }
    // The web part writes only the admin's columns (the connection's are the API's).
    await store.save({ enabled: false, alertRecipients: ['megan@contoso.test'] }, settings.etag);
    expect(await store.load()).toMatchObject({ enabled: false, alertRecipients: ['megan@contoso.test'], method: 'modern' });
  });

  test('settings store - a site without the list gets it with every field, under its title', async () => {
    const s = await sp('alex@contoso.test', 'catalog-b');
    const store = new SettingsStore(s, '/sites/catalog-b');
    // The list, and its one item with the defaults (the API writes its columns into that item).
    expect(await store.load()).toMatchObject({ enabled: false, alertRecipients: [], etag: expect.any(String) });
    const list = await s.web.getList(`/sites/catalog-b/${LIST_URL}`)();
    expect(list.Title).toBe('LMS Microsoft 365 connection');
    const fields = await listFields(s, 'catalog-b');
    expect(SETTINGS_FIELDS.every((f) => fields.some((x) => x.InternalName === f.internalName && x.Id === f.id))).toBe(true);
  });
});

describe('the settings store on a provisioned site', () => {
  test('settings store - the item is read beside the list check, not after it: one round trip to load the settings', async () => {
    const events: string[] = [];
    const watched = (instance: SPFI): SPFI => instance.using((q) => {
      q.on.pre(async (url: string, init: RequestInit, result: unknown) => {
        events.push(`start ${/\/fields/.test(url) ? 'fields' : 'items'}`);
        return [url, init, result];
      });
      q.on.post(async (url: URL, result: unknown) => {
        events.push(`end ${/\/fields/.test(url.pathname) ? 'fields' : 'items'}`);
        return [url, result];
      });
      return q;
    });
    const s = await sp('adele@contoso.test', 'catalog-a');
    // The first visit makes the list and its item; the next one finds them both.
    await new SettingsStore(s, '/sites/catalog-a').load();
    const settings = await new SettingsStore(watched(s), '/sites/catalog-a').load();
    expect(settings).toMatchObject({ enabled: false, alertRecipients: [], etag: expect.any(String) });
    // The item's read starts before the check's answer is back (read after the check, it would
    // start after it). Which of the two requests is sent first, or answered first, is the
    // machine's business: a loaded machine may answer the item before the check is even sent.
    expect(events.indexOf('start items')).toBeGreaterThanOrEqual(0);
    expect(events.indexOf('start items')).toBeLessThan(events.indexOf('end fields'));
    expect(events).toHaveLength(4);
  });
});
