import JSZip from 'jszip';
import { XMLParser } from 'fast-xml-parser';
import { fieldTypeName, ListStore, SpContentType, SpField, SpList, SpSite } from './list-store';

/**
 * What SharePoint does with a solution package's features when the app is added to a site or
 * upgraded there (docs/local-tenant.md, "Installing the app on a site"): element manifests
 * (Field, ContentType, ListInstance with a CustomSchema) on a first install,
 * the feature's UpgradeActions (VersionRange, ApplyElementManifests, AddContentTypeField) when the
 * site has an older version of the feature. Client-side components (web parts) are not run here.
 */

export class PackageError extends Error {}

export interface InstallResult {
  solution: { id: string; title: string; version: string };
  action: 'installed' | 'upgraded' | 'unchanged';
  features: Array<{ id: string; version: string; previousVersion: string | null }>;
}

type Xml = Record<string, unknown>;

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseAttributeValue: false,
  parseTagValue: false,
  isArray: (name) => ['Field', 'ContentType', 'ContentTypeRef', 'FieldRef', 'ListInstance', 'CHOICE', 'Relationship', 'VersionRange', 'ApplyElementManifests', 'ElementManifest', 'AddContentTypeField', 'Override'].includes(name)
});

const FIELD_KINDS: Record<string, number> = { Integer: 1, Text: 2, Note: 3, DateTime: 4, Choice: 6, Boolean: 8, Number: 9, Currency: 10, URL: 11, MultiChoice: 15, User: 20 };

const guid = (value: unknown): string => String(value ?? '').replace(/[{}]/g, '').toLowerCase();
const list = <T>(value: T[] | undefined): T[] => value ?? [];

/** "1.2.0.0" compared part by part. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

function fieldFromXml(f: Xml): SpField {
  const type = String(f['@Type'] ?? 'Text');
  const kind = FIELD_KINDS[type];
  const name = String(f['@Name'] ?? f['@StaticName'] ?? '');
  if (kind === undefined || !name || !f['@ID']) throw new PackageError(`Field ${name || '(no name)'}: needs an ID, a Name and a Type SharePoint knows (got '${type}').`);
  const choices = list((f.CHOICES as Xml | undefined)?.CHOICE as unknown[] | undefined).map(String);
  return {
    Id: guid(f['@ID']),
    InternalName: name,
    StaticName: String(f['@StaticName'] ?? name),
    Title: String(f['@DisplayName'] ?? name),
    TypeAsString: fieldTypeName(kind),
    FieldTypeKind: kind,
    Required: f['@Required'] === 'TRUE',
    Hidden: f['@Hidden'] === 'TRUE',
    ReadOnlyField: false,
    DefaultValue: f.Default === undefined ? null : String(f.Default),
    ...(choices.length ? { Choices: choices } : {})
  };
}

function contentTypeFromXml(ct: Xml): SpContentType {
  return {
    Id: String(ct['@ID']).toUpperCase().replace(/^0X/, '0x'),
    Name: String(ct['@Name'] ?? ''),
    Group: String(ct['@Group'] ?? ''),
    Description: String(ct['@Description'] ?? ''),
    fieldIds: list((ct.FieldRefs as Xml | undefined)?.FieldRef as Xml[] | undefined).map((r) => guid(r['@ID']))
  };
}

/** A field on a list that holds it already (by ID or internal name) is left as it is. */
function addListField(target: SpList, field: SpField): void {
  if (target.fields.some((f) => f.Id === field.Id || f.InternalName.toLowerCase() === field.InternalName.toLowerCase())) return;
  target.fields.push({ ...field });
}

/** Adds a content type to a list with every field it refers to (from the list or the site columns). */
function bindContentType(site: SpSite, target: SpList, ct: SpContentType, listFields: SpField[] = []): void {
  for (const id of ct.fieldIds) {
    const field = listFields.find((f) => f.Id === id) ?? site.fields.find((f) => f.Id === id);
    if (!field) throw new PackageError(`Content type ${ct.Name} refers to field {${id}}, which is neither a site column nor in the list schema.`);
    addListField(target, field);
  }
  if (!target.contentTypes.some((c) => c.Id === ct.Id)) target.contentTypes.push({ ...ct, fieldIds: [...ct.fieldIds] });
}

class Package {
  constructor(private readonly zip: JSZip) {}

  static async open(bytes: Buffer): Promise<Package> {
    try {
      return new Package(await JSZip.loadAsync(bytes));
    } catch {
      throw new PackageError('The file is not a solution package (.sppkg): it is not a zip archive.');
    }
  }

  async text(name: string): Promise<string> {
    const file = this.zip.file(name.replace(/\\/g, '/').replace(/^\//, ''));
    if (!file) throw new PackageError(`The package has no ${name}.`);
    return file.async('string');
  }

  async xml(name: string): Promise<Xml> {
    return xml.parse(await this.text(name)) as Xml;
  }

  /** Targets of a part's relationships, of one type (…/relationships/<type>). */
  async related(part: string, type: string): Promise<string[]> {
    const name = `${part.includes('/') ? part.slice(0, part.lastIndexOf('/') + 1) : ''}_rels/${part.slice(part.lastIndexOf('/') + 1)}.rels`;
    if (!this.zip.file(name)) return [];
    const rels = list(((await this.xml(name)).Relationships as Xml | undefined)?.Relationship as Xml[] | undefined);
    return rels.filter((r) => String(r['@Type']).endsWith(`/${type}`)).map((r) => String(r['@Target']).replace(/^\//, ''));
  }
}

interface Feature {
  id: string;
  version: string;
  manifests: string[];
  upgradeActions: string[];
}

async function readFeatures(pkg: Package): Promise<Feature[]> {
  const features: Feature[] = [];
  for (const part of await pkg.related('AppManifest.xml', 'manifest-feature')) {
    const f = (await pkg.xml(part)).Feature as Xml | undefined;
    if (!f) throw new PackageError(`${part} is not a feature definition.`);
    features.push({
      id: guid(f['@Id']),
      version: String(f['@Version'] ?? '1.0.0.0'),
      manifests: await pkg.related(part, 'feature-elementmanifest'),
      upgradeActions: await pkg.related(part, 'feature-upgradeactions')
    });
  }
  return features;
}

/** Applies one element manifest to a site, as feature activation does. */
async function applyManifest(pkg: Package, store: ListStore, site: SpSite, manifest: string): Promise<void> {
  const elements = (await pkg.xml(manifest)).Elements as Xml | undefined;
  if (!elements) throw new PackageError(`${manifest} is not an element manifest (<Elements>).`);
  for (const f of list(elements.Field as Xml[] | undefined)) {
    const field = fieldFromXml(f);
    if (!site.fields.some((s) => s.Id === field.Id)) site.fields.push(field);
  }
  for (const c of list(elements.ContentType as Xml[] | undefined)) {
    const ct = contentTypeFromXml(c);
    const missing = ct.fieldIds.find((id) => !site.fields.some((s) => s.Id === id));
    if (missing) throw new PackageError(`Content type ${ct.Name} refers to field {${missing}}, which is not a site column.`);
    if (!site.contentTypes.some((s) => s.Id === ct.Id)) site.contentTypes.push(ct);
  }
  for (const li of list(elements.ListInstance as Xml[] | undefined)) {
    await applyListInstance(pkg, store, site, li);
  }
}

/**
 * SharePoint Online validates an SPFx feature's element manifests against a narrower schema than
 * classic features: `ContentTypeBinding` fails it, and with it the whole app install
 * (sp-dev-docs#10005, "Feature definition with Id ... failed validation").
 */
const REFUSED_ELEMENTS = ['ContentTypeBinding'];

async function validateFeature(pkg: Package, feature: Feature): Promise<void> {
  for (const manifest of feature.manifests) {
    const elements = (await pkg.xml(manifest)).Elements as Xml | undefined;
    const refused = REFUSED_ELEMENTS.find((name) => elements?.[name] !== undefined);
    if (refused) {
      throw new PackageError(`There were problems with the app web definition in the package. Feature definition with Id ${feature.id} failed validation, file '${manifest}': The element 'Elements' in namespace 'http://schemas.microsoft.com/sharepoint/' has invalid child element '${refused}' in namespace 'http://schemas.microsoft.com/sharepoint/'.`);
    }
  }
}

async function applyListInstance(pkg: Package, store: ListStore, site: SpSite, li: Xml): Promise<void> {
  const url = String(li['@Url'] ?? '');
  const match = /^Lists\/([^/]+)$/i.exec(url);
  if (!match) throw new PackageError(`ListInstance ${String(li['@Title'])}: Url must be Lists/<name> (got '${url}').`);
  if (store.listByUrl(site, `${site.path}/${url}`)) return; // a list that exists is kept as it is
  const created = store.addList(site, {
    Title: String(li['@Title'] ?? match[1]),
    Description: String(li['@Description'] ?? ''),
    BaseTemplate: Number(li['@TemplateType'] ?? 100),
    Hidden: li['@Hidden'] === 'TRUE',
    EnableVersioning: li['@VersioningEnabled'] === 'TRUE',
    urlName: match[1]
  });
  if (!li['@CustomSchema']) return;
  const schema = ((await pkg.xml(String(li['@CustomSchema']))).List as Xml | undefined)?.MetaData as Xml | undefined;
  if (!schema) throw new PackageError(`${String(li['@CustomSchema'])} is not a list schema (<List><MetaData>).`);
  const listFields = list((schema.Fields as Xml | undefined)?.Field as Xml[] | undefined).map(fieldFromXml);
  for (const field of listFields) addListField(created, field);
  const cts = (schema.ContentTypes as Xml | undefined) ?? {};
  // The schema's content types replace the list's default Item.
  if (list(cts.ContentType as Xml[] | undefined).length + list(cts.ContentTypeRef as Xml[] | undefined).length > 0) created.contentTypes = [];
  for (const c of list(cts.ContentType as Xml[] | undefined)) bindContentType(site, created, contentTypeFromXml(c), listFields);
  for (const r of list(cts.ContentTypeRef as Xml[] | undefined)) {
    const id = String(r['@ID']);
    const ct = site.contentTypes.find((c) => c.Id.toLowerCase() === id.toLowerCase());
    if (ct) bindContentType(site, created, ct, listFields);
    else if (id === '0x01') created.contentTypes.push({ Id: '0x0100', Name: 'Item', Group: 'List Content Types', Description: 'Create a new list item.', fieldIds: [] });
    else throw new PackageError(`${String(li['@CustomSchema'])}: ContentTypeRef ${id} is not a site content type.`);
  }
}

async function upgrade(pkg: Package, store: ListStore, site: SpSite, feature: Feature, from: string): Promise<void> {
  for (const file of feature.upgradeActions) {
    const doc = await pkg.xml(file);
    // The file holds an <UpgradeActions> element, or (as Microsoft's tutorial writes it) its children.
    const root = (doc.UpgradeActions as Xml | undefined) ?? doc;
    const ranges: Xml[] = [root, ...list(root.VersionRange as Xml[] | undefined)];
    for (const range of ranges) {
      if (range !== root) {
        const begin = String(range['@BeginVersion'] ?? '0.0.0.0');
        const end = range['@EndVersion'] === undefined ? null : String(range['@EndVersion']);
        if (compareVersions(from, begin) < 0 || (end !== null && compareVersions(from, end) >= 0)) continue;
      }
      for (const apply of list(range.ApplyElementManifests as Xml[] | undefined)) {
        for (const m of list(apply.ElementManifest as Xml[] | undefined)) await applyManifest(pkg, store, site, String(m['@Location']));
      }
      for (const add of list(range.AddContentTypeField as Xml[] | undefined)) {
        const ctId = String(add['@ContentTypeId']).toLowerCase();
        const fieldId = guid(add['@FieldId']);
        const ct = site.contentTypes.find((c) => c.Id.toLowerCase() === ctId);
        const field = site.fields.find((f) => f.Id === fieldId);
        if (!ct || !field) throw new PackageError(`AddContentTypeField: no site content type ${ctId} or site column {${fieldId}}.`);
        if (!ct.fieldIds.includes(fieldId)) ct.fieldIds.push(fieldId);
        if (add['@PushDown'] === 'TRUE') {
          for (const l of site.lists.filter((x) => x.contentTypes.some((c) => c.Id.toLowerCase() === ctId))) {
            addListField(l, field);
            const listCt = l.contentTypes.find((c) => c.Id.toLowerCase() === ctId);
            if (listCt && !listCt.fieldIds.includes(fieldId)) listCt.fieldIds.push(fieldId);
          }
        }
      }
    }
  }
}

/**
 * Adds the app to a site, or upgrades it there: a feature the site does not have is activated
 * (its element manifests applied), a feature the site has at an older version is upgraded (its
 * upgrade actions for that version applied), a feature at the same version is left alone.
 */
export async function installApp(store: ListStore, site: SpSite, bytes: Buffer): Promise<InstallResult> {
  const pkg = await Package.open(bytes);
  const app = ((await pkg.xml('AppManifest.xml')).App as Xml | undefined);
  if (!app) throw new PackageError('The package has no App element in AppManifest.xml.');
  const solutionId = guid(app['@ProductID']);
  const version = String(app['@Version'] ?? '');
  const title = String((app.Properties as Xml | undefined)?.Title ?? app['@Name'] ?? '');
  if (!solutionId || !/^\d+(\.\d+){3}$/.test(version)) throw new PackageError('AppManifest.xml needs a ProductID and a four-part Version.');
  const features = await readFeatures(pkg);
  for (const feature of features) await validateFeature(pkg, feature);
  const installed = site.apps.find((a) => a.solutionId === solutionId);
  if (installed && compareVersions(version, installed.version) < 0) {
    throw new PackageError(`This site has version ${installed.version} of the app; ${version} is older.`);
  }
  // All or nothing: work on a copy of the site's lists and columns, then keep it.
  const draft: SpSite = structuredClone(site);
  const results: InstallResult['features'] = [];
  for (const feature of features) {
    const previous = installed?.features[feature.id] ?? null;
    if (previous === null) {
      for (const manifest of feature.manifests) {
        if (/\/WebPart_[^/]+\.xml$/i.test(manifest) || /ClientSideComponent/.test(await pkg.text(manifest))) continue;
        await applyManifest(pkg, store, draft, manifest);
      }
    } else if (compareVersions(feature.version, previous) > 0) {
      await upgrade(pkg, store, draft, feature, previous);
    }
    results.push({ id: feature.id, version: feature.version, previousVersion: previous });
  }
  const action: InstallResult['action'] = !installed ? 'installed' : compareVersions(version, installed.version) > 0 ? 'upgraded' : 'unchanged';
  draft.apps = [...draft.apps.filter((a) => a.solutionId !== solutionId), { solutionId, title, version, features: Object.fromEntries(results.map((r) => [r.id, r.version])) }];
  Object.assign(site, draft);
  return { solution: { id: solutionId, title, version }, action, features: results };
}
