import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { graphError } from '../http/server';
import type { TenantState } from '../state/tenant-state';
import { randomUUID } from 'node:crypto';
import type { Caller } from './caller';
import { applyValues, newItem, SpItem, SpList, SpSite } from '../sharepoint/list-store';
import type { SiteAppPermission } from '../state/fixture';
import { siteUserId } from '../sharepoint/users';

/** Graph's site ids: "{hostname},{site collection id},{web id}". */
export const graphSiteId = (state: TenantState, site: SpSite): string => `${new URL(state.origin).hostname},${site.id},${site.webId}`;

/** Finds the site a Graph path starts with: a composite id, or "{hostname}:/sites/x:" by path. */
export function resolveSitePath(state: TenantState, rest: string): { site: SpSite; remainder: string } | null {
  const byPath = rest.match(/^([^/:]+):(\/sites\/[^/:]+):?(.*)$/i);
  if (byPath) {
    const site = state.lists.siteByPath(byPath[2]);
    return site ? { site, remainder: byPath[3] } : null;
  }
  const [first, ...others] = rest.split('/');
  const parts = decodeURIComponent(first).split(',');
  const site = parts.length >= 2 ? state.lists.siteById(parts[1]) : state.lists.siteById(parts[0]);
  return site ? { site, remainder: others.length ? `/${others.join('/')}` : '' } : null;
}

const SITE_ROLES = ['read', 'write', 'manage', 'fullcontrol'];

/** Whether the caller reaches this site: delegated and *.All roles everywhere, Sites.Selected only where granted. */
export function siteAllows(site: SpSite, c: Caller, write: boolean): boolean {
  if (c.kind === 'user') return true;
  const wanted = write ? SITE_ROLES.slice(1) : SITE_ROLES;
  if (c.roles.some((r) => (write ? ['Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All'] : ['Sites.Read.All', 'Sites.ReadWrite.All', 'Sites.Manage.All', 'Sites.FullControl.All']).includes(r))) return true;
  if (!c.roles.includes('Sites.Selected') || !c.client) return false;
  const key = c.client.key;
  return (site.appPermissions ?? []).some((p) => p.client === key && p.roles.some((r) => wanted.includes(r)));
}

/** Which column values a list item read carries: none, all, or the names its `$select` gives. */
type FieldsWanted = false | 'all' | string[];

const queryValue = (req: FastifyRequest, name: string): string | undefined => {
  const query = req.query as Record<string, unknown>;
  const value = query[`$${name}`] ?? query[name];
  return typeof value === 'string' ? value : undefined;
};

/** `$expand=fields` (or `expand=`), with an optional `($select=A,B)`; any other expansion gives no fields. */
function fieldsWanted(req: FastifyRequest): FieldsWanted {
  const expand = queryValue(req, 'expand');
  const match = expand ? /^\s*fields\s*(?:\(\s*\$?select\s*=\s*([^)]*)\))?\s*$/i.exec(expand) : null;
  if (!match) return false;
  return match[1] === undefined ? 'all' : match[1].split(',').map((name) => name.trim()).filter(Boolean);
}

function selectFields(fields: Record<string, unknown>, wanted: 'all' | string[]): Record<string, unknown> {
  const present = Object.entries(fields).filter(([, value]) => value !== null && value !== undefined);
  return Object.fromEntries(wanted === 'all' ? present : present.filter(([name]) => name === '@odata.etag' || wanted.includes(name)));
}

/** `$top`: 1 to 999 items (Graph's page of list items), default all here (the lists are small); null when malformed. */
function topOf(req: FastifyRequest): number | null {
  const top = queryValue(req, 'top');
  if (top === undefined) return Number.MAX_SAFE_INTEGER;
  return /^[1-9]\d{0,2}$/.test(top) ? Number(top) : null;
}

/** Site, list and list item resources under /v1.0/sites (the API's app-only status writes). */
export function registerGraphSites(g: FastifyInstance, state: TenantState, caller: (req: FastifyRequest) => Caller): void {
  const notFound = (reply: FastifyReply, what: string): FastifyReply => reply.code(404).send(graphError('itemNotFound', `${what} not found`));
  const siteJson = (site: SpSite): Record<string, unknown> => ({
    id: graphSiteId(state, site),
    name: site.path.split('/').pop(),
    displayName: site.title,
    webUrl: `${state.origin}${site.path}`,
    siteCollection: { hostname: new URL(state.origin).hostname }
  });
  const listJson = (site: SpSite, list: SpList): Record<string, unknown> => ({
    id: list.Id,
    name: list.urlName,
    displayName: list.Title,
    description: list.Description,
    createdDateTime: list.Created,
    webUrl: `${state.origin}${site.path}/Lists/${encodeURIComponent(list.urlName)}`,
    list: { hidden: list.Hidden, template: list.BaseTemplate === 100 ? 'genericList' : String(list.BaseTemplate) },
    // Hidden lists carry the system facet here (docs/local-tenant.md, Microsoft Graph: the sites row).
    ...(list.Hidden ? { system: {} } : {})
  });
  const etag = (item: SpItem): string => `"${item.GUID},${item.version}"`;
  const fieldsJson = (item: SpItem): Record<string, unknown> => ({ '@odata.etag': etag(item), id: String(item.Id), ...item.values, Created: item.Created, Modified: item.Modified });
  /**
   * A list item; its column values only when asked for with `$expand=fields` (optionally
   * `fields($select=A,B)`), as Graph answers them: "GET /items?expand=fields(select=Column1,Column2)"
   * (List items, Get listItem). Graph leaves empty values out of `fields`.
   */
  const itemJson = (site: SpSite, list: SpList, item: SpItem, fields: FieldsWanted = 'all'): Record<string, unknown> => ({
    '@odata.etag': etag(item),
    id: String(item.Id),
    eTag: etag(item),
    createdDateTime: item.Created,
    lastModifiedDateTime: item.Modified,
    webUrl: `${state.origin}${site.path}/Lists/${encodeURIComponent(list.urlName)}/DispForm.aspx?ID=${item.Id}`,
    ...(fields ? { fields: selectFields(fieldsJson(item), fields) } : {})
  });

  const handler = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const c = caller(req);
    const write = req.method !== 'GET';
    // The endpoint's permission was checked already (permissionTable.ts); Sites.Selected also needs a grant on this site.
    const rest = (req.params as Record<string, string>)['*'];
    const resolved = resolveSitePath(state, rest);
    if (!resolved) return notFound(reply, 'Requested site could not be found');
    const { site, remainder } = resolved;
    if (!siteAllows(site, c, write)) return reply.code(403).send(graphError('accessDenied', 'Access denied'));
    const segs = remainder.split('/').filter(Boolean).map(decodeURIComponent);
    if (segs.length === 0 && !write) return siteJson(site);
    if (segs[0] !== 'lists') return reply.code(400).send(graphError('BadRequest', `Resource not found for the segment '${segs[0] ?? ''}'.`));
    if (segs.length === 1 && !write) {
      // "Lists with the system facet are hidden by default. To list them, include system in your $select statement." (list-list)
      const select = String((req.query as Record<string, unknown>)['$select'] ?? '').split(',').map((s) => s.trim().toLowerCase());
      return { value: site.lists.filter((l) => !l.Hidden || select.includes('system')).map((l) => listJson(site, l)) };
    }
    // Graph resolves {list-id} as the list's id or its display name (title), never its URL name (docs/local-tenant.md).
    const list = state.lists.listById(site, segs[1]) ?? state.lists.listByTitle(site, segs[1]);
    if (!list) return notFound(reply, 'List');
    if (segs.length === 2 && !write) return listJson(site, list);
    if (segs[2] !== 'items') return reply.code(400).send(graphError('BadRequest', `Resource not found for the segment '${segs[2]}'.`));
    const editor = c.kind === 'user' ? siteUserId(state, c.user) : 1073741823;
    if (segs.length === 3) {
      if (req.method === 'GET') {
        const top = topOf(req);
        if (top === null) return reply.code(400).send(graphError('BadRequest', 'Invalid $top value.'));
        const wanted = fieldsWanted(req);
        return { value: list.items.slice(0, top).map((i) => itemJson(site, list, i, wanted)) };
      }
      if (req.method === 'POST') {
        const fields = ((req.body ?? {}) as { fields?: Record<string, unknown> }).fields ?? {};
        const item = newItem(list, editor);
        const problem = applyValues(list, item, fields, editor);
        if (problem) return reply.code(400).send(graphError('invalidRequest', problem));
        list.items.push(item);
        return reply.code(201).send(itemJson(site, list, item));
      }
    }
    const item = list.items.find((i) => String(i.Id) === segs[3]);
    if (!item) return notFound(reply, 'Item');
    const ifMatch = req.headers['if-match'];
    const stale = ifMatch && ifMatch !== '*' && ifMatch.replace(/^W\//, '') !== etag(item);
    if (segs.length === 4 && req.method === 'GET') return itemJson(site, list, item, fieldsWanted(req));
    if (segs.length === 4 && req.method === 'DELETE') {
      if (stale) return reply.code(412).send(graphError('resourceModified', 'The resource has been modified since the given ETag.'));
      list.items = list.items.filter((i) => i !== item);
      return reply.code(204).send();
    }
    if (segs.length === 5 && segs[4] === 'fields') {
      if (req.method === 'GET') return fieldsJson(item);
      if (req.method === 'PATCH') {
        if (stale) return reply.code(412).send(graphError('resourceModified', 'The resource has been modified since the given ETag.'));
        const problem = applyValues(list, item, (req.body ?? {}) as Record<string, unknown>, editor);
        if (problem) return reply.code(400).send(graphError('invalidRequest', problem));
        return fieldsJson(item);
      }
    }
    return reply.code(405).send(graphError('BadRequest', `${req.method} is not supported on this resource.`));
  };
  g.route({ method: ['GET', 'POST', 'PATCH', 'DELETE'], url: '/sites/*', handler });

  // Site permissions (Sites.Selected grants): only application permissions can be created, by
  // an admin or app holding Sites.FullControl.All (checked by the permission table).
  const permissionJson = (site: SpSite, p: SiteAppPermission): Record<string, unknown> => {
    const app = state.apps.get(p.client);
    return { id: p.id, roles: p.roles, grantedToIdentitiesV2: [{ application: { id: app?.appId, displayName: app?.displayName } }], grantedToIdentities: [{ application: { id: app?.appId, displayName: app?.displayName } }], '@odata.context': `${state.origin}/v1.0/$metadata#sites('${graphSiteId(state, site)}')/permissions/$entity` };
  };
  const permissionSite = (req: FastifyRequest, reply: FastifyReply): SpSite | null => {
    const resolved = resolveSitePath(state, decodeURIComponent((req.params as Record<string, string>).siteId));
    if (!resolved) notFound(reply, 'Requested site could not be found');
    return resolved?.site ?? null;
  };
  g.get('/sites/:siteId/permissions', async (req, reply) => {
    const site = permissionSite(req, reply);
    return site ? { value: (site.appPermissions ?? []).map((p) => permissionJson(site, p)) } : reply;
  });
  g.post('/sites/:siteId/permissions', async (req, reply) => {
    const site = permissionSite(req, reply);
    if (!site) return reply;
    const body = (req.body ?? {}) as { roles?: unknown; grantedToIdentities?: { application?: { id?: string } }[]; grantedTo?: { application?: { id?: string } } };
    const roles = Array.isArray(body.roles) ? body.roles.map(String) : [];
    const appId = body.grantedToIdentities?.[0]?.application?.id ?? body.grantedTo?.application?.id;
    const app = appId ? state.appById(appId) : undefined;
    if (!roles.length || roles.some((r) => !['read', 'write', 'manage', 'fullcontrol'].includes(r))) return reply.code(400).send(graphError('invalidRequest', 'Invalid value for roles: read, write, manage or fullcontrol.'));
    if (!app) return reply.code(400).send(graphError('invalidRequest', 'grantedToIdentities must name an application of the tenant.'));
    site.appPermissions = (site.appPermissions ?? []).filter((p) => p.client !== app.key);
    const created: SiteAppPermission = { id: randomUUID(), client: app.key, roles };
    site.appPermissions.push(created);
    return reply.code(201).send(permissionJson(site, created));
  });
}
