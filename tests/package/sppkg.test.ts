/**
 * Opens the built solution package (npm run package -> an OPC zip) and checks what a tenant
 * admin will deploy: the web part and its hosts, the list-provisioning feature, the API
 * permission request and the bundled assets.
 */
import { readFileSync, existsSync } from 'fs';
import path from 'path';
import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';

const root = path.resolve(__dirname, '..', '..');
const sppkgPath = path.join(root, 'sharepoint', 'solution', 'lms-m365-connection.sppkg');
const solutionConfig = JSON.parse(readFileSync(path.join(root, 'config', 'package-solution.json'), 'utf8'));
const apiConfig = JSON.parse(readFileSync(path.join(root, 'config', 'connection-api.json'), 'utf8'));
const webPartManifest = JSON.parse(
  readFileSync(path.join(root, 'src', 'webparts', 'connectionSettings', 'ConnectionSettingsWebPart.manifest.json'), 'utf8')
    .replace(/^\s*\/\/.*$/gm, '')
);
const webPartId: string = webPartManifest.id;
const featureId: string = solutionConfig.solution.features[0].id;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['Field', 'CHOICE', 'Relationship', 'WebApiPermissionRequest'].indexOf(name) >= 0 });

let zip: JSZip;
async function text(name: string): Promise<string> {
  const file = zip.file(name);
  if (!file) {
    throw new Error(`${name} is not in the package; it holds: ${Object.keys(zip.files).join(', ')}`);
  }
  return file.async('string');
}

beforeAll(async () => {
  if (!existsSync(sppkgPath)) {
    throw new Error(`${sppkgPath} does not exist: run "npm run package" first (npm test does).`);
  }
  zip = await JSZip.loadAsync(readFileSync(sppkgPath));
});

describe('solution package', () => {
  test('sppkg - declares the web part with its hosts and English and Japanese title and description', async () => {
    const elements = xml.parse(await text(`${featureId}/WebPart_${webPartId}.xml`));
    const component = elements.Elements.ClientSideComponent;
    expect(component.Id).toBe(webPartId);
    const manifest = JSON.parse(component.ComponentManifest);
    expect(manifest.componentType).toBe('WebPart');
    expect([...manifest.supportedHosts].sort()).toEqual(['SharePointFullPage', 'SharePointWebPart', 'TeamsTab']);
    const entry = manifest.preconfiguredEntries[0];
    for (const field of ['title', 'description']) {
      expect(entry[field]['en-US']).toMatch(/\S/);
      expect(entry[field]['ja-JP']).toMatch(/[\u3040-\u30ff\u4e00-\u9faf]/);
    }
  });

  test('sppkg - includes the client-side assets: the bundle and the Teams icons', async () => {
    const names = Object.keys(zip.files);
    expect(solutionConfig.solution.includeClientSideAssets).toBe(true);
    expect(names.some((n) => /^ClientSideAssets\/connection-settings-web-part_[0-9a-f]+\.js$/.test(n))).toBe(true);
    expect(names).toContain(`ClientSideAssets/${webPartId}_color.png`);
    expect(names).toContain(`ClientSideAssets/${webPartId}_outline.png`);
    const bundle = await text(names.find((n) => /^ClientSideAssets\/connection-settings-web-part_.*\.js$/.test(n))!);
    // the API location from config/connection-api.json is compiled in
    expect(bundle).toContain(apiConfig.appIdUri);
  });

  test('sppkg - requests the connection API permission named in config/connection-api.json', async () => {
    const app = xml.parse(await text('AppManifest.xml')).App;
    expect(app.WebApiPermissionRequests.WebApiPermissionRequest).toEqual([
      { ResourceId: apiConfig.resource, Scope: apiConfig.scope }
    ]);
  });

  test('sppkg - its feature provisions a hidden, versioned settings list from schema.xml', async () => {
    const rels = xml.parse(await text(`_rels/feature_${featureId}.xml.rels`)).Relationships.Relationship;
    const targets = rels.map((r: { Target: string }) => r.Target);
    expect(targets).toEqual(expect.arrayContaining([`/${featureId}/elements.xml`, '/schema.xml']));

    const feature = xml.parse(await text(`feature_${featureId}.xml`)).Feature;
    expect(feature.Scope).toBe('Web');

    const list = xml.parse(await text(`${featureId}/elements.xml`)).Elements.ListInstance;
    expect(list).toMatchObject({
      CustomSchema: 'schema.xml',
      TemplateType: '100',
      Url: 'Lists/LmsM365Connection',
      Hidden: 'TRUE',
      VersioningEnabled: 'TRUE'
    });
  });

  test('sppkg - the list has one field per non-secret setting and nothing secret', async () => {
    const schema = xml.parse(await text('schema.xml')).List;
    const fields: Array<{ Name: string; Type: string; CHOICES?: { CHOICE: string[] } }> = schema.MetaData.Fields.Field;
    const byName = new Map(fields.map((f) => [f.Name, f]));
    expect([...byName.keys()].sort()).toEqual([
      'LmsAccountEmail', 'LmsAlertRecipients', 'LmsAuthMethod', 'LmsConnectionId', 'LmsConnectionStatus',
      'LmsEnabled', 'LmsLastCheck', 'LmsStatusCode', 'LmsTransport'
    ]);
    expect(byName.get('LmsEnabled')).toMatchObject({ Type: 'Boolean', Default: 0 });
    expect(byName.get('LmsAuthMethod')!.CHOICES!.CHOICE).toEqual(['Modern', 'Classic']);
    expect(byName.get('LmsTransport')!.CHOICES!.CHOICE).toEqual(['Graph', 'SmtpOAuth']);
    expect(byName.get('LmsConnectionStatus')!.CHOICES!.CHOICE).toEqual(['NotConnected', 'Connected', 'Lost', 'Error']);
    expect(byName.get('LmsLastCheck')!.Type).toBe('DateTime');
    for (const name of byName.keys()) {
      expect(name).not.toMatch(/password|secret|token|key/i);
    }
  });
});
