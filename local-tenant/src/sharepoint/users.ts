import type { Account, TenantState } from '../state/tenant-state';

/** A user's id in a site's user information list: stable small numbers, as SharePoint hands out. */
export function siteUserId(state: TenantState, account: Account): number {
  const index = [...state.accounts.keys()].indexOf(account.id);
  return index < 0 ? 1073741823 : 10 + index;
}

/** The claims login name SharePoint Online gives a cloud user. */
export const loginName = (account: Account): string => `i:0#.f|membership|${account.upn}`;
