/**
 * Opens the built solution package (npm run package -> an OPC zip) and checks what a tenant
 * admin will deploy: the web part and its hosts, the list-provisioning feature, the API
 * permission request and the bundled assets.
 */
import { readFileSync, existsSync } from 'fs';
import path from 'path';
import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { SETTINGS_FIELDS } from '../../src/webparts/connectionSettings/services/settingsFields';

const root = path.resolve(__dirname, '..', '..');
const sppkgPath = path.join(root, 'sharepoint', 'solution', 'lms-m365-connection.sppkg');
const solutionConfig = JSON.parse(readFileSync(path.join(root, 'config', 'package-solution.json'), 'utf8'));
const apiConfig = JSON.parse(readFileSync(path.join(root, 'config', 'connection-api.json'), 'utf8'));
const webPartManifest = JSON.parse(
  readFileSync(path.join(root, 'src', 'webparts', 'connectionSettings', 'ConnectionSettingsWebPart.manifest.json'), 'utf8')
    .replace(/^\s*\/\/.*$/gm, '')
);
const webPartId: string = webPartManifest.id;
const publisher = JSON.parse(readFileSync(path.join(root, 'config', 'publisher.json'), 'utf8'));
const featureId: string = solutionConfig.solution.features[0].id;

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['Field', 'FieldRef', 'CHOICE', 'Relationship', 'WebApiPermissionRequest', 'ContentType', 'VersionRange', 'ElementManifest', 'LocalizedString'].indexOf(name) >= 0 });

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

  /**
   * On "Sync to Teams" SharePoint writes the Teams app manifest from these values (Microsoft's
   * "Deployment options for SharePoint Framework solutions for Microsoft Teams"): name.short from
   * the web part's title, description.short and .full from its description, developer from
   * package-solution.json. Over a limit of the Teams manifest schema, Teams refuses the app.
   */
  test('sppkg - every value SharePoint copies into the Teams manifest fits its Teams limit, in English and Japanese', async () => {
    const elements = xml.parse(await text(`${featureId}/WebPart_${webPartId}.xml`));
    const manifest = JSON.parse(elements.Elements.ClientSideComponent.ComponentManifest);
    const entry = manifest.preconfiguredEntries[0];
    const length = (value: string): number => [...value].length;
    const cultures = Object.keys(entry.title);
    expect(cultures).toEqual(expect.arrayContaining(['default', 'en-US', 'ja-JP']));
    for (const culture of cultures) {
      expect(length(entry.title[culture])).toBeLessThanOrEqual(30); // name.short
      expect(length(entry.description[culture])).toBeLessThanOrEqual(80); // description.short
      expect(entry.title[culture]).not.toBe(entry.description[culture]);
    }
    expect(length(manifest.alias)).toBeLessThanOrEqual(64); // packageName
    const developer = JSON.parse(xml.parse(await text('AppManifest.xml')).App.Properties.DeveloperProperties);
    expect(length(developer.name)).toBeGreaterThan(0);
    expect(length(developer.name)).toBeLessThanOrEqual(32);
    for (const url of [developer.websiteUrl, developer.privacyUrl, developer.termsOfUseUrl]) {
      expect(url).toMatch(/^https:\/\/[^\s]+$/);
      expect(length(url)).toBeLessThanOrEqual(2048);
    }
    expect(length(developer.mpnId)).toBeLessThanOrEqual(10);
    // The page has no property pane: the tab's configure step must not open an empty one.
    expect(manifest.canUpdateConfiguration).toBe(false);
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

  test('sppkg - requests the connection API permission named in config/connection-api.json and Graph User.ReadBasic.All for the people picker', async () => {
    const app = xml.parse(await text('AppManifest.xml')).App;
    expect(app.WebApiPermissionRequests.WebApiPermissionRequest).toEqual([
      { ResourceId: apiConfig.resource, Scope: apiConfig.scope },
      { ResourceId: 'Microsoft Graph', Scope: 'User.ReadBasic.All' }
    ]);
  });

  test('sppkg - what a tenant admin sees: the solution title, publisher from config/publisher.json, icon, screenshots, categories, en and ja descriptions', async () => {
    const app = xml.parse(await text('AppManifest.xml')).App;
    expect(app.Properties.Title).toBe('LMS Microsoft 365 connection');
    expect(JSON.parse(app.Properties.DeveloperProperties)).toEqual({
      name: publisher.name, websiteUrl: publisher.websiteUrl, privacyUrl: publisher.privacyUrl, termsOfUseUrl: publisher.termsOfUseUrl, mpnId: publisher.mpnId
    });
    const names = Object.keys(zip.files);
    const icon = names.find((n) => /\.png$/i.test(n) && !n.startsWith('ClientSideAssets/') && /icon/i.test(n));
    expect(icon).toBeDefined();
    expect(solutionConfig.solution.metadata.screenshotPaths.length).toBeGreaterThan(0);
    for (const shot of solutionConfig.solution.metadata.screenshotPaths as string[]) {
      expect(existsSync(path.join(root, 'sharepoint', shot))).toBe(true);
    }
    expect(solutionConfig.solution.metadata.categories.length).toBeGreaterThan(0);
    const short = app.Properties.ShortDescription.LocalizedString.map((l: { CultureName: string }) => l.CultureName);
    expect(short).toEqual(expect.arrayContaining(['default', 'ja-JP']));
  });

  test('sppkg - its feature provisions site columns, a content type and a hidden, versioned settings list bound to it', async () => {
    const rels = xml.parse(await text(`_rels/feature_${featureId}.xml.rels`)).Relationships.Relationship;
    const targets = rels.map((r: { Target: string }) => r.Target);
    expect(targets).toEqual(expect.arrayContaining([`/${featureId}/elements.xml`, '/schema.xml', `/${featureId}/upgrade-actions.xml`]));
    // SharePoint Online's feature validation refuses ContentTypeBinding in an SPFx package (sp-dev-docs#10005): no manifest may carry one.
    for (const target of targets.filter((t: string) => t.endsWith('.xml') && t !== '/schema.xml')) {
      expect([target, await text(target.slice(1))]).toEqual([target, expect.not.stringMatching(/<(\w+:)?ContentTypeBinding\b/)]);
    }

    const feature = xml.parse(await text(`feature_${featureId}.xml`)).Feature;
    expect(feature.Scope).toBe('Web');

    const elements = xml.parse(await text(`${featureId}/elements.xml`)).Elements;
    expect(elements.ListInstance).toMatchObject({
      CustomSchema: 'schema.xml',
      TemplateType: '100',
      Url: 'Lists/LmsM365Connection',
      Hidden: 'TRUE',
      VersioningEnabled: 'TRUE'
    });
    const siteColumns: Array<{ ID: string; Name: string }> = elements.Field;
    const contentType = elements.ContentType[0];
    expect(contentType.ID).toMatch(/^0x0100[0-9A-F]{32}$/);
    expect(contentType.FieldRefs.FieldRef.map((r: { ID: string }) => r.ID).sort()).toEqual(siteColumns.map((f) => f.ID).sort());
    // The list carries the whole content type with the same fields (sp-dev-docs#1518).
    const schema = xml.parse(await text('schema.xml')).List;
    expect(schema.EnableContentTypes).toBe('TRUE');
    expect(schema.MetaData.ContentTypes.ContentType[0].ID).toBe(contentType.ID);
    expect(schema.MetaData.Fields.Field.map((f: { ID: string }) => f.ID).sort()).toEqual(siteColumns.map((f) => f.ID).sort());
  });

  test('sppkg - the web part adds exactly the provisioned fields to an older list (same IDs, names and definitions)', async () => {
    const siteColumns: Array<{ ID: string; Name: string }> = xml.parse(await text(`${featureId}/elements.xml`)).Elements.Field;
    expect(SETTINGS_FIELDS.map((f) => f.internalName)).toEqual(siteColumns.map((f) => f.Name));
    for (const field of SETTINGS_FIELDS) {
      const column = siteColumns.find((c) => c.Name === field.internalName)!;
      expect(`{${field.id}}`).toBe(column.ID);
      expect(xml.parse(field.schemaXml).Field).toEqual([column]);
    }
  });

  test('sppkg - a version bump with upgrade actions brings a 0.x list to the 1.0 schema', async () => {
    const app = xml.parse(await text('AppManifest.xml')).App;
    const feature = xml.parse(await text(`feature_${featureId}.xml`)).Feature;
    expect(app.Version).toBe(solutionConfig.solution.version);
    expect(feature.Version).toBe('1.0.0.0');
    const upgrade = xml.parse(await text(`${featureId}/upgrade-actions.xml`)).UpgradeActions;
    expect(upgrade.VersionRange).toEqual([{
      BeginVersion: '0.0.0.0',
      EndVersion: '1.0.0.0',
      ApplyElementManifests: { ElementManifest: [{ Location: `${featureId}\\elements.xml` }] }
    }]);
  });

  test('sppkg - the list has one field per non-secret setting and nothing secret', async () => {
    const fields: Array<{ Name: string; Type: string; CHOICES?: { CHOICE: string[] } }> = xml.parse(await text(`${featureId}/elements.xml`)).Elements.Field;
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
