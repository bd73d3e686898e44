import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { randomBytes, randomUUID } from 'node:crypto';
import { sharePointError } from '../http/server';
import { SigningKey } from '../identity/jwt';
import { Caller, callerFromToken } from '../graph/caller';
import { parseFilter } from '../graph/filter';
import { mailAddress, type Account, type TenantState } from '../state/tenant-state';
import { applyValues, fieldTypeName, itemEntityType, newItem, SpField, SpItem, SpList, SpSite } from './list-store';
import { argumentOf, collection, entity, entityBody, formatOf, ODataFormat, primitive, splitSegments } from './odata';
import { EDIT_ITEMS, includes, isNone, MANAGE_LISTS, type Mask, maskOf } from './permissions';
import { loginName, siteUserId } from './users';
import { installApp, PackageError } from './provisioning';

const ERR = {
  accessDenied: '-2147024891, System.UnauthorizedAccessException',
  notFound: '-2147024894, System.IO.FileNotFoundException',
  argument: '-1, System.ArgumentException',
  // An item id the list does not have (as SharePoint Online answers it; pnp/cli-microsoft365's tests record it).
  itemMissing: '-2147024809, System.ArgumentException',
  listMissing: '-1, System.ArgumentException',
  clientService: '-1, Microsoft.SharePoint.Client.ClientServiceException',
  invalidQuery: '-1, Microsoft.SharePoint.Client.InvalidClientQueryException',
  duplicate: '-2130575342, Microsoft.SharePoint.SPException',
  // A $select (or $filter / $orderby) naming what the item type lacks (pnp/pnpjs#2204 and
  // nittygritty-uk/Atvero-Issues#5 in JSON light, mrackley/HillbillyCascade#7 in verbose).
  fieldMissing: '-1, Microsoft.SharePoint.SPException'
} as const;

interface Ctx {
  req: FastifyRequest;
  reply: FastifyReply;
  state: TenantState;
  site: SpSite;
  caller: Caller;
  /** The caller's effective permissions on the site, worked out once per request. */
  mask: Mask;
  format: ODataFormat;
  method: string;
  webUrl: string;
}

const fail = (c: Ctx, status: number, code: string, message: string): FastifyReply => c.reply.code(status).send(sharePointError(c.req, code, message));
const accessDenied = (c: Ctx): FastifyReply => fail(c, 403, ERR.accessDenied, 'Access denied.');
const metadata = (c: Ctx, what: string): string => `${c.webUrl}/_api/$metadata#${what}`;

/** SharePoint REST (/_api) for each catalog site: the subset PnPjs v4 uses for the settings list. */
export function registerSharePoint(app: FastifyInstance, state: TenantState, key: SigningKey): void {
  app.route({
    method: ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'],
    url: '/sites/:site/_api/*',
    handler: async (req, reply) => {
      const { site: name } = req.params as { site: string };
      const site = state.lists.siteByPath(`/sites/${name}`);
      if (!site) return reply.code(404).send(sharePointError(req, ERR.notFound, 'File Not Found.'));
      const header = req.headers.authorization ?? '';
      const result = /^Bearer\s+\S+/i.test(header) ? callerFromToken(header.replace(/^Bearer\s+/i, ''), state, key, [state.origin, `${state.origin}/`]) : null;
      if (!result || !result.ok) {
        return reply
          .code(401)
          .header('www-authenticate', `Bearer realm="${state.tenantId}",client_id="00000003-0000-0ff1-ce00-000000000000",trusted_issuers="00000001-0000-0000-c000-000000000000@*",authorization_uri="${state.origin}/${state.tenantId}/oauth2/authorize"`)
          .send({ error_description: result ? 'Invalid issuer or signature.' : 'Unsupported security token.' });
      }
      // SharePoint Online takes app-only tokens only from certificate credentials; a token got
      // with a client secret is refused although Entra issued it.
      if (result.caller.kind === 'app' && result.caller.credential !== 'certificate') {
        return reply
          .code(401)
          .header('x-ms-diagnostics', '3001000;reason="There has been an error authenticating the request.";category="invalid_client"')
          .send({ error_description: 'Unsupported app only token.' });
      }
      const override = String(req.headers['x-http-method'] ?? '').toUpperCase();
      const c: Ctx = { req, reply, state, site, caller: result.caller, mask: maskOf(site, result.caller), format: formatOf(req), method: req.method === 'POST' && override ? override : req.method, webUrl: `${state.origin}${site.path}` };
      if (isNone(c.mask)) return accessDenied(c);
      reply.header('sprequestguid', randomBytes(16).toString('hex'));
      return route(c, splitSegments((req.params as Record<string, string>)['*'].split('?')[0]));
    }
  });
}

function route(c: Ctx, segs: string[]): unknown {
  const [first, ...rest] = segs;
  const lower = (first ?? '').toLowerCase();
  if (lower === 'contextinfo' && c.method === 'POST') return contextInfo(c);
  if (lower === 'site' && rest.length === 0) return entity(c.format, { uri: `${c.webUrl}/_api/site`, editLink: 'site', type: 'SP.Site' }, metadata(c, 'SP.ApiData.Sites/@Element'), { Id: c.site.id, Url: c.webUrl, ServerRelativeUrl: c.site.path });
  if (lower !== 'web') return fail(c, 404, ERR.invalidQuery, `The expression "${segs.join('/')}" is not valid.`);
  return web(c, rest);
}

function contextInfo(c: Ctx): unknown {
  const info = {
    FormDigestTimeoutSeconds: 1800,
    FormDigestValue: `0x${randomBytes(64).toString('hex').toUpperCase()},${new Date().toUTCString()}`,
    LibraryVersion: '16.0.25000.12001',
    SiteFullUrl: c.webUrl,
    SupportedSchemaVersions: ['14.0.0.0', '15.0.0.0'],
    WebFullUrl: c.webUrl
  };
  if (c.format === 'verbose') return { d: { GetContextWebInformation: { __metadata: { type: 'SP.ContextWebInformation' }, ...info } } };
  return c.format === 'minimal' ? { 'odata.metadata': metadata(c, 'SP.ContextWebInformation'), ...info } : info;
}

function userJson(c: Ctx, account: Account): Record<string, unknown> {
  return {
    Id: siteUserId(c.state, account),
    IsHiddenInUI: false,
    LoginName: loginName(account),
    Title: account.displayName,
    PrincipalType: 1,
    Email: account.mailbox === 'none' ? '' : mailAddress(account),
    Expiration: '',
    IsEmailAuthenticationGuestUser: false,
    IsShareByEmailGuestUser: false,
    IsSiteAdmin: c.site.owners.includes(account.upn),
    UserId: { NameId: account.id.replace(/-/g, '').slice(0, 16), NameIdIssuer: 'urn:federation:microsoftonline' },
    UserPrincipalName: account.upn
  };
}

function userEntity(c: Ctx, account: Account): Record<string, unknown> {
  const id = siteUserId(c.state, account);
  return entityBody(c.format, { uri: `${c.webUrl}/_api/Web/GetUserById(${id})`, editLink: `Web/GetUserById(${id})`, type: 'SP.User' }, userJson(c, account));
}

function web(c: Ctx, segs: string[]): unknown {
  if (segs.length === 0 && c.method === 'GET') {
    return entity(c.format, { uri: `${c.webUrl}/_api/Web`, editLink: 'Web', type: 'SP.Web' }, metadata(c, 'SP.ApiData.Webs/@Element'), {
      Id: c.site.webId,
      Title: c.site.title,
      Url: c.webUrl,
      ServerRelativeUrl: c.site.path,
      WebTemplate: 'SITEPAGEPUBLISHING',
      Language: 1033,
      Created: '2026-01-01T00:00:00Z'
    });
  }
  const [first, ...rest] = segs;
  const lower = first.toLowerCase();
  if (lower === 'currentuser' && rest.length === 0) {
    if (c.caller.kind === 'app') {
      const app = { Id: 1073741823, Title: 'SharePoint App', LoginName: 'i:0i.t|00000003-0000-0ff1-ce00-000000000000|app@sharepoint', Email: '', IsSiteAdmin: false, PrincipalType: 1, UserPrincipalName: null };
      return entity(c.format, { uri: `${c.webUrl}/_api/Web/CurrentUser`, editLink: 'Web/CurrentUser', type: 'SP.User' }, metadata(c, 'SP.ApiData.Users/@Element'), app);
    }
    const body = userEntity(c, c.caller.user);
    return c.format === 'verbose' ? { d: body } : c.format === 'minimal' ? { 'odata.metadata': metadata(c, 'SP.ApiData.Users/@Element'), ...body } : body;
  }
  if (lower === 'effectivebasepermissions' && rest.length === 0) {
    const value = { High: String(c.mask.High), Low: String(c.mask.Low) };
    if (c.format === 'verbose') return { d: { EffectiveBasePermissions: { __metadata: { type: 'SP.BasePermissions' }, ...value } } };
    return c.format === 'minimal' ? { 'odata.metadata': metadata(c, 'SP.ApiData.Webs/@Element/EffectiveBasePermissions'), ...value } : value;
  }
  if (lower.startsWith('doesuserhavepermissions(') && rest.length === 0) {
    const wanted = permissionArgument(first, c.req.query as Record<string, string>);
    if (!wanted) return fail(c, 400, ERR.argument, 'The parameter permissionMask must be an SP.BasePermissions value { High, Low }.');
    return primitive(c.format, metadata(c, 'Edm.Boolean'), 'DoesUserHavePermissions', includes(c.mask, wanted));
  }
  if (lower === 'associatedownergroup') {
    const owners = c.site.owners.map((u) => c.state.accountByUpn(u)).filter((a): a is Account => !!a);
    if (rest.length === 0) {
      return entity(c.format, { uri: `${c.webUrl}/_api/Web/AssociatedOwnerGroup`, editLink: 'Web/AssociatedOwnerGroup', type: 'SP.Group' }, metadata(c, 'SP.ApiData.Groups/@Element'), { Id: 3, Title: `${c.site.title} Owners`, LoginName: `${c.site.title} Owners`, PrincipalType: 8, OwnerTitle: `${c.site.title} Owners` });
    }
    if (rest.length === 1 && rest[0].toLowerCase() === 'users') return collection(c.format, metadata(c, 'SP.ApiData.Users'), owners.map((a) => userEntity(c, a)));
  }
  if (lower === 'lists' && rest.length === 0) {
    if (c.method === 'GET') return collection(c.format, metadata(c, 'SP.ApiData.Lists'), c.site.lists.map((l) => listEntity(c, l)));
    if (c.method === 'POST') return addList(c);
  }
  let list: SpList | undefined;
  let after: string[] = [];
  const title = lower === 'lists' && rest.length > 0 ? argumentOf(rest[0], 'getbytitle') : null;
  const byId = lower === 'lists' && rest.length > 0 ? argumentOf(rest[0], 'getbyid') : null;
  const inline = argumentOf(first, 'lists');
  const byUrl = argumentOf(first, 'getlist');
  if (title !== null) [list, after] = [c.state.lists.listByTitle(c.site, title), rest.slice(1)];
  else if (byId !== null) [list, after] = [c.state.lists.listById(c.site, byId), rest.slice(1)];
  else if (inline !== null) [list, after] = [c.state.lists.listById(c.site, inline), rest];
  else if (byUrl !== null) [list, after] = [c.state.lists.listByUrl(c.site, byUrl), rest];
  else return fail(c, 404, ERR.invalidQuery, `The expression "web/${segs.join('/')}" is not valid.`);
  if (!list) return fail(c, 404, ERR.listMissing, `List '${title ?? byId ?? inline ?? byUrl}' does not exist at site with URL '${c.webUrl}'.`);
  return listRoute(c, list, after);
}

/** The permission mask in doesUserHavePermissions(@v)?@v={'High':'..','Low':'..'} or inline. */
function permissionArgument(segment: string, query: Record<string, string>): { High: number; Low: number } | null {
  const inner = segment.slice(segment.indexOf('(') + 1, -1);
  const text = inner.startsWith('@') ? (query[inner] ?? '') : inner;
  const high = text.match(/high'?\s*[:=]\s*'?(\d+)/i);
  const low = text.match(/low'?\s*[:=]\s*'?(\d+)/i);
  return high && low ? { High: Number(high[1]), Low: Number(low[1]) } : null;
}

function listEntity(c: Ctx, l: SpList): Record<string, unknown> {
  return entityBody(c.format, { uri: `${c.webUrl}/_api/Web/Lists(guid'${l.Id}')`, editLink: `Web/Lists(guid'${l.Id}')`, type: 'SP.List', etag: '"1"' }, {
    Id: l.Id,
    Title: l.Title,
    Description: l.Description,
    BaseTemplate: l.BaseTemplate,
    BaseType: 0,
    Hidden: l.Hidden,
    EnableVersioning: l.EnableVersioning,
    ContentTypesEnabled: l.contentTypes.some((ct) => ct.Id !== '0x0100'),
    ItemCount: l.items.length,
    Created: l.Created,
    EntityTypeName: `${l.urlName.replace(/ /g, '_x0020_')}List`,
    ListItemEntityTypeFullName: itemEntityType(l),
    ParentWebUrl: c.site.path
  });
}

const LIST_PROPS = ['Title', 'Description', 'Hidden', 'EnableVersioning', 'BaseTemplate', 'ContentTypesEnabled', 'AllowContentTypes', 'OnQuickLaunch', 'NoCrawl'];

function listProps(body: Record<string, unknown>): string | null {
  for (const k of Object.keys(body)) {
    if (k === '__metadata' || k.startsWith('odata.')) continue;
    if (!LIST_PROPS.includes(k)) return `The property '${k}' does not exist on type 'SP.List'. Make sure to only use property names that are defined by the type.`;
  }
  return null;
}

function addList(c: Ctx): unknown {
  if (!includes(c.mask, MANAGE_LISTS)) return accessDenied(c);
  const body = (c.req.body ?? {}) as Record<string, unknown>;
  const problem = listProps(body);
  if (problem) return fail(c, 400, ERR.invalidQuery, problem);
  if (typeof body.Title !== 'string' || !body.Title.trim()) return fail(c, 400, ERR.argument, 'The list title must not be empty.');
  if (c.state.lists.listByTitle(c.site, body.Title)) return fail(c, 500, ERR.duplicate, `A list, survey, discussion board, or document library with the specified title already exists in this Web site.  Please choose another title.`);
  const list = c.state.lists.addList(c.site, {
    Title: body.Title,
    Description: typeof body.Description === 'string' ? body.Description : '',
    BaseTemplate: typeof body.BaseTemplate === 'number' ? body.BaseTemplate : 100,
    Hidden: body.Hidden === true,
    EnableVersioning: body.EnableVersioning === true
  });
  const e = listEntity(c, list);
  return c.reply.code(201).send(c.format === 'verbose' ? { d: e } : c.format === 'minimal' ? { 'odata.metadata': metadata(c, 'SP.ApiData.Lists/@Element'), ...e } : e);
}

function listRoute(c: Ctx, list: SpList, segs: string[]): unknown {
  if (segs.length === 0) {
    if (c.method === 'GET') {
      const e = listEntity(c, list);
      return c.format === 'verbose' ? { d: e } : c.format === 'minimal' ? { 'odata.metadata': metadata(c, 'SP.ApiData.Lists/@Element'), ...e } : e;
    }
    if (!includes(c.mask, MANAGE_LISTS)) return accessDenied(c);
    if (c.method === 'MERGE' || c.method === 'PATCH') {
      const body = (c.req.body ?? {}) as Record<string, unknown>;
      const problem = listProps(body);
      if (problem) return fail(c, 400, ERR.invalidQuery, problem);
      if (typeof body.Title === 'string' && body.Title.trim()) list.Title = body.Title;
      if (typeof body.Description === 'string') list.Description = body.Description;
      if (typeof body.Hidden === 'boolean') list.Hidden = body.Hidden;
      if (typeof body.EnableVersioning === 'boolean') list.EnableVersioning = body.EnableVersioning;
      return c.reply.code(204).send();
    }
    if (c.method === 'DELETE') {
      c.site.lists = c.site.lists.filter((l) => l !== list);
      return c.reply.code(200).send();
    }
  }
  const [first, ...rest] = segs;
  const lower = (first ?? '').toLowerCase();
  if (lower === 'fields') return fieldsRoute(c, list, rest);
  if (lower === 'contenttypes' && rest.length === 0 && c.method === 'GET') {
    return collection(c.format, metadata(c, 'SP.ApiData.ContentTypes'), list.contentTypes.map((ct) => entityBody(c.format, { uri: `${c.webUrl}/_api/Web/Lists(guid'${list.Id}')/ContentTypes('${ct.Id}')`, editLink: `Web/Lists(guid'${list.Id}')/ContentTypes('${ct.Id}')`, type: 'SP.ContentType' }, {
      Id: { StringValue: ct.Id }, StringId: ct.Id, Name: ct.Name, Group: ct.Group, Description: ct.Description
    })));
  }
  const itemId = argumentOf(first, 'items') ?? (lower === 'items' && rest.length > 0 ? argumentOf(rest[0], 'getbyid') : null);
  if (lower === 'items' && rest.length === 0) return itemsRoute(c, list);
  if (itemId !== null) {
    const item = list.items.find((i) => String(i.Id) === itemId);
    if (!item) return fail(c, 404, ERR.itemMissing, 'Item does not exist. It may have been deleted by another user.');
    return itemRoute(c, list, item);
  }
  return fail(c, 404, ERR.invalidQuery, `The expression "${segs.join('/')}" is not valid.`);
}

function fieldEntity(c: Ctx, list: SpList, f: SpField): Record<string, unknown> {
  const { Choices, ...rest } = f;
  const choices = Choices ? { Choices: c.format === 'verbose' ? { __metadata: { type: 'Collection(Edm.String)' }, results: Choices } : Choices } : {};
  return entityBody(c.format, { uri: `${c.webUrl}/_api/Web/Lists(guid'${list.Id}')/Fields(guid'${f.Id}')`, editLink: `Web/Lists(guid'${list.Id}')/Fields(guid'${f.Id}')`, type: `SP.Field${f.TypeAsString === 'Note' ? 'MultiLineText' : f.TypeAsString === 'DateTime' ? 'DateTime' : f.TypeAsString}` }, { ...rest, ...choices });
}

/** Internal names SharePoint derives from a display name (spaces and symbols hex-escaped, 32 chars). */
export function internalNameFor(title: string): string {
  return title.replace(/[^A-Za-z0-9_]/g, (ch) => `_x${ch.charCodeAt(0).toString(16).padStart(4, '0')}_`).slice(0, 32);
}

function fieldsRoute(c: Ctx, list: SpList, segs: string[]): unknown {
  const single = (f: SpField): Record<string, unknown> => {
    const e = fieldEntity(c, list, f);
    return c.format === 'verbose' ? { d: e } : c.format === 'minimal' ? { 'odata.metadata': metadata(c, 'SP.ApiData.Fields/@Element'), ...e } : e;
  };
  if (segs.length === 0 && c.method === 'GET') return collection(c.format, metadata(c, 'SP.ApiData.Fields'), list.fields.map((f) => fieldEntity(c, list, f)));
  if (segs.length === 1 && c.method === 'GET') {
    const name = argumentOf(segs[0], 'getbyinternalnameortitle') ?? argumentOf(segs[0], 'getbytitle');
    const field = name === null ? undefined : c.state.lists.field(list, name);
    if (!field) return fail(c, 400, ERR.argument, `Column '${name ?? segs[0]}' does not exist. It may have been deleted by another user.`);
    return single(field);
  }
  if (c.method !== 'POST' || segs.length > 1) return fail(c, 404, ERR.invalidQuery, `The expression "fields/${segs.join('/')}" is not valid.`);
  if (!includes(c.mask, MANAGE_LISTS)) return accessDenied(c);
  const body = (c.req.body ?? {}) as Record<string, unknown>;
  let spec: { id?: string; title: string; internal: string; kind: number; choices?: string[]; required: boolean; defaultValue: string | null };
  if (segs.length === 1 && segs[0].toLowerCase() === 'createfieldasxml') {
    const xml = String(((body.parameters ?? {}) as Record<string, unknown>).SchemaXml ?? '');
    const attr = (n: string): string | null => xml.match(new RegExp(`\\b${n}="([^"]*)"`))?.[1] ?? null;
    const type = attr('Type');
    const kind = Number(Object.entries({ 2: 'Text', 3: 'Note', 4: 'DateTime', 6: 'Choice', 8: 'Boolean', 9: 'Number', 20: 'User' }).find(([, v]) => v === type)?.[0] ?? NaN);
    const display = attr('DisplayName') ?? attr('Name');
    if (!type || Number.isNaN(kind) || !display) return fail(c, 400, ERR.argument, 'SchemaXml must be a <Field> with Type (Text, Note, DateTime, Choice, Boolean, Number or User) and Name or DisplayName.');
    spec = {
      // A field given with the ID of a site column keeps it, as SharePoint does.
      id: attr('ID')?.replace(/[{}]/g, '').toLowerCase(),
      title: display,
      internal: attr('Name') ?? internalNameFor(display),
      kind,
      choices: [...xml.matchAll(/<CHOICE>([^<]*)<\/CHOICE>/g)].map((m) => m[1]),
      required: attr('Required') === 'TRUE',
      defaultValue: xml.match(/<Default>([^<]*)<\/Default>/)?.[1] ?? null
    };
  } else if (segs.length === 0 || segs[0].toLowerCase() === 'addfield') {
    const p = (segs.length === 0 ? body : (body.parameters ?? {})) as Record<string, unknown>;
    const kind = Number(p.FieldTypeKind);
    if (typeof p.Title !== 'string' || !p.Title || !Number.isInteger(kind)) return fail(c, 400, ERR.argument, 'A field needs a Title and a FieldTypeKind.');
    const rawChoices = p.Choices as { results?: string[] } | string[] | undefined;
    spec = {
      title: p.Title,
      internal: typeof p.StaticName === 'string' && p.StaticName ? p.StaticName : internalNameFor(p.Title),
      kind,
      choices: Array.isArray(rawChoices) ? rawChoices : rawChoices?.results,
      required: p.Required === true,
      defaultValue: typeof p.DefaultValue === 'string' ? p.DefaultValue : null
    };
  } else return fail(c, 404, ERR.invalidQuery, `The expression "fields/${segs.join('/')}" is not valid.`);
  if (list.fields.some((f) => f.InternalName.toLowerCase() === spec.internal.toLowerCase() || f.Title === spec.title)) {
    return fail(c, 500, ERR.duplicate, `A duplicate field name "${spec.internal}" was found.`);
  }
  const field: SpField = {
    Id: spec.id ?? randomUUID(),
    InternalName: spec.internal,
    StaticName: spec.internal,
    Title: spec.title,
    TypeAsString: fieldTypeName(spec.kind),
    FieldTypeKind: spec.kind,
    Required: spec.required,
    Hidden: false,
    ReadOnlyField: false,
    DefaultValue: spec.defaultValue,
    ...(spec.choices && spec.choices.length ? { Choices: spec.choices } : {})
  };
  list.fields.push(field);
  return c.reply.code(201).send(single(field));
}

function itemValues(list: SpList, item: SpItem): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const f of list.fields) {
    if (['ID', 'Created', 'Modified', 'Author', 'Editor'].includes(f.InternalName)) continue;
    values[f.InternalName] = item.values[f.InternalName] ?? (f.TypeAsString === 'Boolean' && f.DefaultValue !== null ? f.DefaultValue === '1' : null);
  }
  return values;
}

const etagOf = (item: SpItem): string => `"${item.version}"`;

function itemEntity(c: Ctx, list: SpList, item: SpItem): Record<string, unknown> {
  return entityBody(c.format, { uri: `${c.webUrl}/_api/Web/Lists(guid'${list.Id}')/Items(${item.Id})`, editLink: `Web/Lists(guid'${list.Id}')/Items(${item.Id})`, type: itemEntityType(list), etag: etagOf(item) }, {
    FileSystemObjectType: 0,
    Id: item.Id,
    ServerRedirectedEmbedUri: null,
    ContentTypeId: '0x0100A33D9AD9805788419BDAAC2CCB37509F',
    ...itemValues(list, item),
    ID: item.Id,
    Modified: item.Modified,
    Created: item.Created,
    AuthorId: item.AuthorId,
    EditorId: item.EditorId,
    OData__UIVersionString: `${item.version}.0`,
    Attachments: false,
    GUID: item.GUID
  });
}

function editorId(c: Ctx): number {
  return c.caller.kind === 'user' ? siteUserId(c.state, c.caller.user) : 1073741823;
}

function itemsRoute(c: Ctx, list: SpList): unknown {
  if (c.method === 'GET') {
    const q = c.req.query as Record<string, string>;
    const filter = parseFilter(q.$filter);
    if (filter === null) return fail(c, 400, ERR.invalidQuery, `The query to field '${q.$filter}' is not valid.`);
    const order = parseOrderBy(q.$orderby);
    if (order === null) return fail(c, 400, ERR.invalidQuery, `The expression "${q.$orderby}" is not valid.`);
    const names = [...selectNames(q.$select), ...filterNames(q.$filter), ...order.map((o) => o.name)];
    const missing = names.find((n) => !knownName(list, n));
    if (missing !== undefined) return missingField(c, missing);
    const rows = list.items.map((i) => ({ item: i, values: itemRecord(list, i) }));
    const matched = rows.filter((r) => filter(r.values));
    // Id ascending unless $orderby says otherwise, as SharePoint orders list items; each key
    // after the first breaks the ties of the one before it.
    const keys = [...order, { name: 'Id', desc: false }];
    matched.sort((a, b) => {
      for (const k of keys) {
        const d = compareValues(a.values[k.name], b.values[k.name]);
        if (d !== 0) return k.desc ? -d : d;
      }
      return 0;
    });
    let items = matched.map((r) => r.item);
    const top = Number(q.$top);
    if (Number.isInteger(top) && top > 0) items = items.slice(0, top);
    return collection(c.format, metadata(c, `SP.Data.${list.urlName}ListItems`), items.map((i) => selectProps(itemEntity(c, list, i), q.$select)));
  }
  if (c.method !== 'POST') return fail(c, 405, ERR.invalidQuery, `${c.method} is not supported here.`);
  if (!includes(c.mask, EDIT_ITEMS)) return accessDenied(c);
  const item = newItem(list, editorId(c));
  const problem = applyValues(list, item, (c.req.body ?? {}) as Record<string, unknown>, editorId(c));
  if (problem) return fail(c, 400, ERR.invalidQuery, problem);
  list.items.push(item);
  const e = itemEntity(c, list, item);
  return c.reply
    .code(201)
    .header('etag', etagOf(item))
    .send(c.format === 'verbose' ? { d: e } : c.format === 'minimal' ? { 'odata.metadata': metadata(c, `SP.Data.${list.urlName}ListItems/@Element`), ...e } : e);
}

/**
 * Properties of SP.Data.<List>ListItem that are not list fields: those itemEntity answers, the
 * navigation properties (deferred, not expanded here) and the built-in columns of a custom list
 * that the local lists do not model (known, so asking for them is no error; they carry no value).
 */
const ITEM_PROPERTIES = [
  'Id', 'FileSystemObjectType', 'ServerRedirectedEmbedUri', 'ServerRedirectedEmbedUrl', 'ContentTypeId', 'AuthorId', 'EditorId', 'OData__UIVersionString', 'Attachments', 'GUID', 'ComplianceAssetId',
  'AttachmentFiles', 'ContentType', 'FieldValuesAsHtml', 'FieldValuesAsText', 'FieldValuesForEdit', 'File', 'Folder', 'ParentList', 'Properties', 'Versions',
  'FileRef', 'FileLeafRef', 'FileDirRef', 'FSObjType', 'UniqueId', 'LinkTitle', 'LinkTitleNoMenu', '_UIVersionString', 'AppAuthor', 'AppEditor'
].map((n) => n.toLowerCase());

/**
 * Whether the list's item type has this property: `*`, a field's internal name, a user or lookup
 * field's `<name>Id`, or one of ITEM_PROPERTIES; names compare case-insensitively. For a path
 * (Author/Title) the first segment is the one SharePoint names when it is missing.
 */
function knownName(list: SpList, name: string): boolean {
  const lower = name.split('/')[0].toLowerCase();
  if (lower === '*' || ITEM_PROPERTIES.includes(lower)) return true;
  return list.fields.some((f) => f.InternalName.toLowerCase() === lower || ((f.TypeAsString === 'User' || f.TypeAsString === 'Lookup') && `${f.InternalName}Id`.toLowerCase() === lower));
}

function missingField(c: Ctx, name: string): FastifyReply {
  return fail(c, 400, ERR.fieldMissing, `The field or property '${name.split('/')[0]}' does not exist.`);
}

const selectNames = (select: string | undefined): string[] => (select ?? '').split(',').map((s) => s.trim()).filter(Boolean);

/** The property names a $filter refers to: its words less strings, literals, operators and functions. */
function filterNames(filter: string | undefined): string[] {
  if (!filter) return [];
  const words = filter.replace(/'(?:[^']|'')*'/g, "''").matchAll(/(?<![\w.])[A-Za-z_][\w./]*(?![\w.])(\s*\()?/g);
  const reserved = ['and', 'or', 'not', 'eq', 'ne', 'gt', 'ge', 'lt', 'le', 'true', 'false', 'null', 'datetime', 'guid'];
  return [...words].filter((m) => !m[1] && !reserved.includes(m[0].toLowerCase())).map((m) => m[0]);
}

/** $orderby as a list of keys ("Title, Id desc"); null when it is not of that form. */
function parseOrderBy(orderby: string | undefined): Array<{ name: string; desc: boolean }> | null {
  if (!orderby || !orderby.trim()) return [];
  const keys: Array<{ name: string; desc: boolean }> = [];
  for (const part of orderby.split(',')) {
    const m = part.trim().match(/^([A-Za-z_][\w/]*)(?:\s+(asc|desc))?$/i);
    if (!m) return null;
    keys.push({ name: m[1], desc: (m[2] ?? '').toLowerCase() === 'desc' });
  }
  return keys;
}

/**
 * What $filter and $orderby see of an item: its field values, Id/ID, the dates and the people (a
 * user field by its user id), each found by its name in any case.
 */
function itemRecord(list: SpList, item: SpItem): Record<string, unknown> {
  const values: Record<string, unknown> = { ...itemValues(list, item), Id: item.Id, ID: item.Id, Created: item.Created, Modified: item.Modified, Author: item.AuthorId, AuthorId: item.AuthorId, Editor: item.EditorId, EditorId: item.EditorId, GUID: item.GUID };
  const byLower = new Map(Object.keys(values).map((k) => [k.toLowerCase(), k]));
  return new Proxy(values, { get: (target, name) => (typeof name === 'string' ? target[byLower.get(name.toLowerCase()) ?? name] : undefined) });
}

/** Empty values first, then numbers, booleans and text (dates are ISO text) in their own order. */
function compareValues(a: unknown, b: unknown): number {
  const empty = (v: unknown): boolean => v === null || v === undefined || v === '';
  if (empty(a) || empty(b)) return empty(a) === empty(b) ? 0 : empty(a) ? -1 : 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const x = String(a).toLowerCase();
  const y = String(b).toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** $select on an entity, keeping the OData annotations; names compare case-insensitively. */
function selectProps(obj: Record<string, unknown>, select: string | undefined): Record<string, unknown> {
  const wanted = selectNames(select).map((s) => s.toLowerCase());
  if (!wanted.length || wanted.includes('*')) return obj;
  return Object.fromEntries(Object.entries(obj).filter(([k]) => wanted.includes(k.toLowerCase()) || k.startsWith('odata.') || k === '__metadata'));
}

/**
 * If-Match as SharePoint compares it: "*" or the item's current ETag (quotes optional, W/ ignored).
 * An update or delete without it is refused like a stale one ("The request ETag value '' does not
 * match ..."): SharePoint asks for the item's ETag, or "*" to overwrite whatever is there.
 */
function staleETag(header: string | undefined, item: SpItem): string | null {
  if (header === undefined || header === '') return '';
  if (header === '*') return null;
  const given = header.replace(/^W\//, '').replace(/^"|"$/g, '');
  return given === String(item.version) ? null : header;
}

function itemRoute(c: Ctx, list: SpList, item: SpItem): unknown {
  if (c.method === 'GET') {
    const select = (c.req.query as Record<string, string>).$select;
    const missing = selectNames(select).find((n) => !knownName(list, n));
    if (missing !== undefined) return missingField(c, missing);
    const e = selectProps(itemEntity(c, list, item), select);
    return c.reply.header('etag', etagOf(item)).send(c.format === 'verbose' ? { d: e } : c.format === 'minimal' ? { 'odata.metadata': metadata(c, `SP.Data.${list.urlName}ListItems/@Element`), ...e } : e);
  }
  if (!includes(c.mask, EDIT_ITEMS)) return accessDenied(c);
  const stale = staleETag(c.req.headers['if-match'] as string | undefined, item);
  if (stale !== null) return fail(c, 412, ERR.clientService, `The request ETag value '${stale}' does not match the object's ETag value '${etagOf(item)}'.`);
  if (c.method === 'MERGE' || c.method === 'PATCH' || c.method === 'PUT') {
    const problem = applyValues(list, item, (c.req.body ?? {}) as Record<string, unknown>, editorId(c));
    if (problem) return fail(c, 400, ERR.invalidQuery, problem);
    return c.reply.code(204).header('etag', etagOf(item)).send();
  }
  if (c.method === 'DELETE') {
    list.items = list.items.filter((i) => i !== item);
    return c.reply.code(200).send();
  }
  return fail(c, 405, ERR.invalidQuery, `${c.method} is not supported here.`);
}

/**
 * POST /_admin/sites/{site}/apps with a .sppkg as the body (application/octet-stream): adds the app
 * to the site, or upgrades it, as a site owner does from Site contents > New > App. Local only.
 */
export function registerAppInstall(app: FastifyInstance, state: TenantState): void {
  app.addContentTypeParser(['application/octet-stream', 'application/zip'], { parseAs: 'buffer' }, (req, body, done) => done(null, body));
  app.post('/_admin/sites/:site/apps', async (req, reply) => {
    const { site: name } = req.params as { site: string };
    const site = state.lists.siteByPath(`/sites/${name}`);
    if (!site) return reply.code(404).send({ error: 'not_found', message: `No site /sites/${name} in the fixture.` });
    if (!Buffer.isBuffer(req.body)) return reply.code(415).send({ error: 'unsupported_media_type', message: 'Send the .sppkg file as the body with Content-Type: application/octet-stream.' });
    try {
      return await installApp(state.lists, site, req.body);
    } catch (err) {
      if (err instanceof PackageError) return reply.code(400).send({ error: 'invalid_package', message: err.message });
      throw err;
    }
  });
  app.get('/_admin/sites/:site/apps', async (req, reply) => {
    const { site: name } = req.params as { site: string };
    const site = state.lists.siteByPath(`/sites/${name}`);
    if (!site) return reply.code(404).send({ error: 'not_found', message: `No site /sites/${name} in the fixture.` });
    return { value: site.apps };
  });
}
