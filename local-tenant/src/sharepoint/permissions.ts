import type { SpSite } from './list-store';
import type { Caller } from '../graph/caller';

export type Mask = { High: number; Low: number };

/** SP.BasePermissions masks of the built-in permission levels, as SharePoint reports them. */
export const PERMISSION_LEVELS = {
  fullControl: { High: 2147483647, Low: 4294967295 },
  // Modern team sites give their members group Edit (Contribute plus managing lists).
  edit: { High: 432, Low: 1011030767 },
  contribute: { High: 432, Low: 1011028719 },
  read: { High: 176, Low: 138612833 },
  none: { High: 0, Low: 0 }
} as const;

/**
 * What an app may do at most, by delegated scope or site grant role. SharePoint computes a
 * delegated token's rights as "the minimal intersection of application and user permissions"
 * (Microsoft 365 Developer Blog, "SharePoint now supports delegated Sites.Selected
 * authentication", 2024-02-09), so a scope below Full Control cuts ManageWeb out of
 * effectiveBasePermissions even for a site owner (sp-dev-docs#5694: AllSites.Manage reports no
 * ManageWeb). Microsoft does not publish the masks; the nearest permission levels stand in:
 * read = Read, write = Contribute, manage = "Manage Lists / Designer" (Edit's bits), fullcontrol = all.
 */
const ROLE_MASKS: Record<string, Mask> = {
  read: PERMISSION_LEVELS.read,
  write: PERMISSION_LEVELS.contribute,
  manage: PERMISSION_LEVELS.edit,
  fullcontrol: PERMISSION_LEVELS.fullControl
};
const SCOPE_MASKS: Record<string, Mask> = {
  'AllSites.Read': ROLE_MASKS.read,
  'AllSites.Write': ROLE_MASKS.write,
  'AllSites.Manage': ROLE_MASKS.manage,
  'AllSites.FullControl': ROLE_MASKS.fullcontrol
};
const APP_ROLE_MASKS: Record<string, Mask> = {
  'Sites.Read.All': ROLE_MASKS.read,
  'Sites.ReadWrite.All': ROLE_MASKS.write,
  'Sites.Manage.All': ROLE_MASKS.manage,
  'Sites.FullControl.All': ROLE_MASKS.fullcontrol
};

/** The delegated SharePoint scopes; a token with none of them reaches no site. */
const SHAREPOINT_DELEGATED = [...Object.keys(SCOPE_MASKS), 'Sites.Selected'];

/**
 * The web part's client (SharePoint Online Web Client Extensibility). On SharePoint the page's
 * PnPjs calls carry the user's own session cookie, not an Entra token, so no app cuts them down;
 * the local tenant has no cookie sessions and this client's tokens stand in for that session.
 */
const SESSION_CLIENT = 'spfx';

const or = (a: Mask, b: Mask): Mask => ({ High: Number(BigInt(a.High) | BigInt(b.High)), Low: Number(BigInt(a.Low) | BigInt(b.Low)) });
const and = (a: Mask, b: Mask): Mask => ({ High: Number(BigInt(a.High) & BigInt(b.High)), Low: Number(BigInt(a.Low) & BigInt(b.Low)) });
const union = (masks: Mask[]): Mask => masks.reduce(or, PERMISSION_LEVELS.none);

/** The roles a site grants an app (Sites.Selected: POST /sites/{id}/permissions), as one mask. */
function grantOn(site: SpSite, caller: Caller): Mask {
  const key = caller.client?.key;
  const grant = key ? (site.appPermissions ?? []).find((p) => p.client === key) : undefined;
  return union((grant?.roles ?? []).map((r) => ROLE_MASKS[r] ?? PERMISSION_LEVELS.none));
}

/**
 * The caller's effective permissions on the site. Users: owners Full Control, members Edit, cut
 * to what the token's app may do there (its AllSites.* scope, or its Sites.Selected grant on this
 * site). Apps: their Sites.*.All role, or their Sites.Selected grant on this site.
 */
export function maskOf(site: SpSite, caller: Caller): Mask {
  if (caller.kind === 'app') {
    const all = union(caller.roles.map((r) => APP_ROLE_MASKS[r] ?? PERMISSION_LEVELS.none));
    return caller.roles.includes('Sites.Selected') ? or(all, grantOn(site, caller)) : all;
  }
  const user = site.owners.includes(caller.user.upn) ? PERMISSION_LEVELS.fullControl : site.members.includes(caller.user.upn) ? PERMISSION_LEVELS.edit : PERMISSION_LEVELS.none;
  if (caller.client?.key === SESSION_CLIENT && caller.scopes.some((s) => SHAREPOINT_DELEGATED.includes(s))) return user;
  const app = union(caller.scopes.map((s) => SCOPE_MASKS[s] ?? (s === 'Sites.Selected' ? grantOn(site, caller) : PERMISSION_LEVELS.none)));
  return and(user, app);
}

/** Nothing at all: SharePoint answers such a caller 403 on every request to the site. */
export function isNone(mask: Mask): boolean {
  return mask.High === 0 && mask.Low === 0;
}

/** Does a mask include every bit of another (SP.BasePermissions.has over both halves)? */
export function includes(mask: Mask, wanted: Mask): boolean {
  const both = and(mask, wanted);
  return both.High === wanted.High && both.Low === wanted.Low;
}

/** Bit for a SP.PermissionKind (1-based, as PermissionKind.ManageWeb = 31). */
export function kindMask(kind: number): Mask {
  const bit = kind - 1;
  return bit < 32 ? { High: 0, Low: Number(BigInt(1) << BigInt(bit)) } : { High: Number(BigInt(1) << BigInt(bit - 32)), Low: 0 };
}

export const MANAGE_LISTS = kindMask(12);
export const EDIT_ITEMS = kindMask(4);
export const VIEW_ITEMS = kindMask(1);
