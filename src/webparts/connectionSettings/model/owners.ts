import type { IPerson } from '../services/interfaces';

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

/** A member of a site's owners group as SharePoint lists it (SP.User). */
export interface ISiteOwner {
  Title?: string;
  Email?: string;
  UserPrincipalName?: string | null;
  PrincipalType?: number;
  LoginName?: string;
}

/**
 * Who a visitor is told to ask, from the owners group's members: a person SharePoint knows no
 * email for (no mailbox, a profile not synchronised yet) is still an owner - named, without a
 * mail link; a group (a group-connected site's owners) is named only with an email to reach it;
 * SharePoint's own accounts (System Account, the SharePoint app) never.
 */
export function ownersToAsk(users: ISiteOwner[]): IPerson[] {
  return users
    .filter((u) => !/^(SHAREPOINT\\system|i:0i\.t\|.*\|app@sharepoint)$/i.test(text(u.LoginName)))
    .map((u) => ({ displayName: text(u.Title) || text(u.Email) || text(u.UserPrincipalName), email: text(u.Email), person: u.PrincipalType === undefined || u.PrincipalType === 1 }))
    .filter((u) => u.displayName !== '' && (u.person || u.email !== ''))
    .map(({ displayName, email }) => ({ displayName, email }));
}
