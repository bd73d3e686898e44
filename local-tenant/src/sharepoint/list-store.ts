import { randomUUID } from 'node:crypto';
import { FixtureSite } from '../state/fixture';

export interface SpField {
  Id: string;
  InternalName: string;
  StaticName: string;
  Title: string;
  TypeAsString: string;
  FieldTypeKind: number;
  Required: boolean;
  Hidden: boolean;
  ReadOnlyField: boolean;
  Choices?: string[];
  DefaultValue: string | null;
}

export interface SpItem {
  Id: number;
  GUID: string;
  version: number;
  values: Record<string, unknown>;
  Created: string;
  Modified: string;
  AuthorId: number;
  EditorId: number;
}

/** A content type on a site or a list: its ID and the IDs of the fields it holds. */
export interface SpContentType {
  Id: string;
  Name: string;
  Group: string;
  Description: string;
  fieldIds: string[];
}

/** A solution package added to a site and the versions of its features there. */
export interface SpInstalledApp {
  solutionId: string;
  title: string;
  version: string;
  features: Record<string, string>;
}

export interface SpList {
  Id: string;
  Title: string;
  Description: string;
  BaseTemplate: number;
  Hidden: boolean;
  EnableVersioning: boolean;
  /** Folder name under Lists/ (derived from the first title, as SharePoint does). */
  urlName: string;
  Created: string;
  fields: SpField[];
  contentTypes: SpContentType[];
  items: SpItem[];
  nextItemId: number;
}

/** A fixture site with the lists created on it since the start. */
export interface SpSite extends FixtureSite {
  lists: SpList[];
  /** Site columns. */
  fields: SpField[];
  contentTypes: SpContentType[];
  apps: SpInstalledApp[];
}

/** FieldTypeKind numbers and TypeAsString names, as SP.FieldType defines them. */
const FIELD_TYPES: Record<number, string> = {
  1: 'Integer', 2: 'Text', 3: 'Note', 4: 'DateTime', 5: 'Counter', 6: 'Choice', 7: 'Lookup', 8: 'Boolean',
  9: 'Number', 10: 'Currency', 11: 'URL', 15: 'MultiChoice', 17: 'Calculated', 20: 'User'
};

export function fieldTypeName(kind: number): string {
  return FIELD_TYPES[kind] ?? 'Text';
}

/** Characters SharePoint drops from a list's URL when it derives it from the title. */
export function listUrlName(title: string): string {
  return title.replace(/[~"#%&*:<>?/\\{|}.]/g, '').trim() || 'List';
}

/** SP.Data.<Name>ListItem, the entity type SharePoint names a list's items by. */
export function itemEntityType(list: SpList): string {
  const name = list.urlName.replace(/ /g, '_x0020_');
  return `SP.Data.${name.charAt(0).toUpperCase()}${name.slice(1)}ListItem`;
}

function builtInFields(): SpField[] {
  const f = (InternalName: string, FieldTypeKind: number, ReadOnlyField: boolean, Title = InternalName): SpField => ({
    Id: randomUUID(), InternalName, StaticName: InternalName, Title, TypeAsString: fieldTypeName(FieldTypeKind), FieldTypeKind, Required: false, Hidden: false, ReadOnlyField, DefaultValue: null
  });
  return [f('ID', 5, true), f('Title', 2, false), f('Created', 4, true), f('Modified', 4, true), f('Author', 20, true, 'Created By'), f('Editor', 20, true, 'Modified By')];
}

/** The lists of every catalog site, kept in memory. */
export class ListStore {
  sites: SpSite[] = [];

  constructor(private readonly fixtureSites: FixtureSite[]) {
    this.reset();
  }

  reset(): void {
    this.sites = this.fixtureSites.map((s) => ({ ...s, owners: s.owners.map((o) => o.toLowerCase()), members: s.members.map((m) => m.toLowerCase()), lists: [], fields: [], contentTypes: [], apps: [], appPermissions: (s.appPermissions ?? []).map((p) => ({ ...p, roles: [...p.roles] })) }));
  }

  siteByPath(path: string): SpSite | undefined {
    const wanted = path.replace(/\/+$/, '').toLowerCase();
    return this.sites.find((s) => s.path.toLowerCase() === wanted);
  }

  siteById(id: string): SpSite | undefined {
    return this.sites.find((s) => s.id === id.toLowerCase());
  }

  addList(site: SpSite, props: { Title: string; Description?: string; BaseTemplate?: number; Hidden?: boolean; EnableVersioning?: boolean; urlName?: string }): SpList {
    const list: SpList = {
      Id: randomUUID(),
      Title: props.Title,
      Description: props.Description ?? '',
      BaseTemplate: props.BaseTemplate ?? 100,
      Hidden: props.Hidden ?? false,
      EnableVersioning: props.EnableVersioning ?? false,
      urlName: props.urlName ?? listUrlName(props.Title),
      Created: new Date().toISOString(),
      fields: builtInFields(),
      contentTypes: [{ Id: '0x0100', Name: 'Item', Group: 'List Content Types', Description: 'Create a new list item.', fieldIds: [] }],
      items: [],
      nextItemId: 1
    };
    site.lists.push(list);
    return list;
  }

  listByTitle(site: SpSite, title: string): SpList | undefined {
    return site.lists.find((l) => l.Title.toLowerCase() === title.toLowerCase());
  }

  listById(site: SpSite, id: string): SpList | undefined {
    const wanted = id.replace(/[{}]/g, '').toLowerCase();
    return site.lists.find((l) => l.Id === wanted);
  }

  listByUrl(site: SpSite, serverRelativeUrl: string): SpList | undefined {
    const wanted = decodeURIComponent(serverRelativeUrl).replace(/\/+$/, '').toLowerCase();
    return site.lists.find((l) => `${site.path}/lists/${l.urlName}`.toLowerCase() === wanted);
  }

  /** A field by internal name or title, as getByInternalNameOrTitle looks it up. */
  field(list: SpList, name: string): SpField | undefined {
    return list.fields.find((f) => f.InternalName === name) ?? list.fields.find((f) => f.Title === name);
  }
}

/** Why a value cannot go into a field, in SharePoint's words; null when it can. */
export function fieldValueProblem(field: SpField, value: unknown): string | null {
  if (field.ReadOnlyField) return `Field '${field.InternalName}' is read-only.`;
  if (value === null) return null;
  switch (field.TypeAsString) {
    case 'Boolean':
      return typeof value === 'boolean' ? null : `Cannot convert a primitive value to the expected type 'Edm.Boolean'.`;
    case 'Text':
      return typeof value === 'string' && value.length <= 255 ? null : `The value of field '${field.InternalName}' must be text of at most 255 characters.`;
    case 'Note':
      return typeof value === 'string' ? null : `The value of field '${field.InternalName}' must be text.`;
    case 'Choice':
      return typeof value === 'string' && (field.Choices ?? []).includes(value) ? null : `The value '${String(value)}' is not one of the choices of field '${field.InternalName}'.`;
    case 'DateTime':
      return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? null : `The value of field '${field.InternalName}' is not a valid date.`;
    case 'Number':
    case 'Integer':
    case 'Currency':
      return typeof value === 'number' && Number.isFinite(value) ? null : `The value of field '${field.InternalName}' must be a number.`;
    default:
      return null;
  }
}

/** Checks every value first, then writes them all: a bad field leaves the item untouched. */
export function applyValues(list: SpList, item: SpItem, values: unknown, editorId: number): string | null {
  if (typeof values !== 'object' || values === null || Array.isArray(values)) return 'The request body must be a JSON object of field values.';
  const normalised: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(values)) {
    if (name.startsWith('__') || name.startsWith('odata.') || name.startsWith('@odata')) continue;
    const field = list.fields.find((f) => f.InternalName === name);
    if (!field) return `The property '${name}' does not exist on type '${itemEntityType(list)}'. Make sure to only use property names that are defined by the type.`;
    const problem = fieldValueProblem(field, value);
    if (problem) return problem;
    normalised[name] = field.TypeAsString === 'DateTime' && typeof value === 'string' ? new Date(value).toISOString().replace(/\.\d+Z$/, 'Z') : value;
  }
  Object.assign(item.values, normalised);
  item.version += 1;
  item.Modified = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  item.EditorId = editorId;
  return null;
}

export function newItem(list: SpList, authorId: number): SpItem {
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return { Id: list.nextItemId++, GUID: randomUUID(), version: 0, values: {}, Created: now, Modified: now, AuthorId: authorId, EditorId: authorId };
}
