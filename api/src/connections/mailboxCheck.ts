import type { ApiConfig } from '../config/config';
import { ApiError } from '../errors/apiError';
import type { GraphClient } from '../graph/graphClient';
import type { MicrosoftIdentity } from '../identity/microsoftIdentity';

/**
 * R-MOD-3: the account must have a user mailbox. mailboxSettings needs MailboxSettings.Read,
 * which the account is not asked for (R-MOD-4), so the API asks with its own app permission.
 * Shared by the Modern sign-in, the Classic connect and the health probe. `user` is how Graph
 * knows a user - its object id or its user principal name (`/users/{id | userPrincipalName}`) -
 * not its mail address, which differs from the UPN in many tenants (microsoft-graph-docs#3979):
 * Modern passes the account's object id; Classic has only the login the admin typed.
 */
export async function requireUserMailbox(deps: { config: ApiConfig; identity: MicrosoftIdentity; graph: GraphClient }, user: string): Promise<void> {
  const token = await deps.identity.appToken(`${deps.config.graphResource}/.default`);
  const settings = await deps.graph.request<{ userPurpose?: string }>(token, 'GET', `/users/${encodeURIComponent(user)}/mailboxSettings`).catch((error: unknown) => {
    // A 403 to the API's own app-only read: its application permission (or the Exchange scope that
    // limits it) refuses, which says nothing of the account's connection - never taken for a loss.
    if (error instanceof ApiError && error.upstream?.startsWith('Graph 403')) {
      throw new ApiError('SERVICE_PERMISSION_MISSING', { upstream: `${error.upstream} (app-only mailboxSettings)` });
    }
    // Its own app-only token refused: the API's, passing - never the account's sign-in.
    if (error instanceof ApiError && error.upstream?.startsWith('Graph 401')) {
      throw new ApiError('SERVICE_UNAVAILABLE', { upstream: `${error.upstream} (app-only mailboxSettings)` });
    }
    throw error;
  });
  const purpose = settings?.userPurpose?.toLowerCase();
  if (purpose && purpose !== 'user') {
    throw new ApiError(purpose === 'shared' ? 'SHARED_MAILBOX' : 'MAILBOX_NOT_FOUND', { upstream: `mailboxSettings.userPurpose ${purpose}` });
  }
}
