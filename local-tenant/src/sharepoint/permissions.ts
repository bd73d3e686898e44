import type { SpSite } from './list-store';
import type { Caller } from '../graph/caller';

/** SP.BasePermissions masks of the built-in permission levels, as SharePoint reports them. */
export const PERMISSION_LEVELS = {
  fullControl: { High: 2147483647, Low: 4294967295 },
  // Modern team sites give their members group Edit (Contribute plus managing lists).
  edit: { High: 432, Low: 1011030767 },
  none: { High: 0, Low: 0 }
} as const;

export type Level = keyof typeof PERMISSION_LEVELS;

/** The delegated SharePoint scopes; a token with none of them reaches no site. */
export const SHAREPOINT_DELEGATED = ['AllSites.Read', 'AllSites.Write', 'AllSites.Manage', 'AllSites.FullControl'];

/**
 * Site owners get Full Control, members Edit (with one of the AllSites scopes); apps with
 * Sites.*.All roles Full Control, apps with Sites.Selected what their grant on this site says.
 */
export function levelOf(site: SpSite, caller: Caller): Level {
  if (caller.kind === 'app') {
    if (caller.roles.some((r) => ['Sites.FullControl.All', 'Sites.ReadWrite.All', 'Sites.Manage.All'].includes(r))) return 'fullControl';
    const grant = caller.roles.includes('Sites.Selected') ? (site.appPermissions ?? []).find((p) => p.client === caller.client?.key) : undefined;
    if (grant?.roles.some((r) => r === 'fullcontrol' || r === 'manage')) return 'fullControl';
    return grant?.roles.includes('write') ? 'edit' : 'none';
  }
  if (!caller.scopes.some((s) => SHAREPOINT_DELEGATED.includes(s))) return 'none';
  if (site.owners.includes(caller.user.upn)) return 'fullControl';
  if (site.members.includes(caller.user.upn)) return 'edit';
  return 'none';
}

/** Does a mask include every bit of another (SP.BasePermissions.has over both halves)? */
export function includes(mask: { High: number; Low: number }, wanted: { High: number; Low: number }): boolean {
  const and = (a: number, b: number): number => Number(BigInt(a) & BigInt(b));
  return and(mask.High, wanted.High) === wanted.High && and(mask.Low, wanted.Low) === wanted.Low;
}

/** Bit for a SP.PermissionKind (1-based, as PermissionKind.ManageWeb = 31). */
export function kindMask(kind: number): { High: number; Low: number } {
  const bit = kind - 1;
  return bit < 32 ? { High: 0, Low: Number(BigInt(1) << BigInt(bit)) } : { High: Number(BigInt(1) << BigInt(bit - 32)), Low: 0 };
}

export const MANAGE_LISTS = kindMask(12);
export const EDIT_ITEMS = kindMask(4);
export const VIEW_ITEMS = kindMask(1);
