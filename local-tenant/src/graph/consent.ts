import type { FastifyInstance, FastifyReply } from 'fastify';
import { graphError } from '../http/server';
import { GLOBAL_ADMIN_ROLE_TEMPLATE, mailAddress, TenantState } from '../state/tenant-state';
import { allows, type Caller } from './caller';
import { compileFilter } from './filter';

/** What reads a user's profile (List users' permissions, https://learn.microsoft.com/graph/api/user-list). */
const READS_USERS = ['User.ReadBasic.All', 'User.Read.All', 'Directory.Read.All'];

type Params = Record<string, string>;

/**
 * Who may approve consent and what is waiting for approval, as the connection API reads them
 * app-only: directory role members, the admin consent request policy and consent requests.
 */
export function registerGraphConsent(g: FastifyInstance, state: TenantState): void {
  const base = (): string => `${state.origin}/v1.0`;
  const notFound = (reply: FastifyReply, ref: string): FastifyReply =>
    reply.code(404).send(graphError('Request_ResourceNotFound', `Resource '${ref}' does not exist or one of its queried reference-property objects are not present.`));
  const refused = (reply: FastifyReply, message: string): FastifyReply => reply.code(400).send(graphError('BadRequest', `Invalid filter clause: ${message}`));

  // GET /directoryRoles(roleTemplateId='{id}')/members: only activated roles exist; a tenant always has Global Administrator.
  g.get('/directoryRoles*', async (req, reply) => {
    const rest = decodeURIComponent((req.params as Params)['*']);
    const match = /^\(roleTemplateId='([0-9a-f-]{36})'\)\/members$/i.exec(rest);
    if (!match) return reply.code(400).send(graphError('BadRequest', `Resource not found for the segment 'directoryRoles${rest}'.`));
    if (match[1].toLowerCase() !== GLOBAL_ADMIN_ROLE_TEMPLATE) return notFound(reply, `roleTemplateId='${match[1]}'`);
    // "If it doesn't have permission to read a certain resource type, members of that type are
    // returned but with limited information" (the method's page): a caller that cannot read users
    // gets their type and id only.
    const readsUsers = allows((req as { graphCaller?: Caller }).graphCaller as Caller, READS_USERS, READS_USERS);
    return {
      '@odata.context': `${base()}/$metadata#directoryObjects`,
      value: state.roleMembers(GLOBAL_ADMIN_ROLE_TEMPLATE).map((a) => (readsUsers
        ? { '@odata.type': '#microsoft.graph.user', id: a.id, displayName: a.displayName, mail: a.mailbox === 'none' ? null : mailAddress(a), userPrincipalName: a.upn }
        : { '@odata.type': '#microsoft.graph.user', id: a.id }))
    };
  });

  g.get('/policies/adminConsentRequestPolicy', async (req, reply) => {
    const p = state.adminConsentPolicy;
    return {
      '@odata.context': `${base()}/$metadata#policies/adminConsentRequestPolicy/$entity`,
      isEnabled: p.isEnabled,
      notifyReviewers: true,
      remindersEnabled: true,
      requestDurationInDays: p.requestDurationInDays,
      version: 1,
      reviewers: p.reviewers.map((upn) => ({ query: `/users/${state.accountByUpn(upn)?.id ?? upn}`, queryType: 'MicrosoftGraph', queryRoot: null }))
    };
  });

  const requestJson = (r: TenantState['consentRequests'][number]): Record<string, unknown> => ({
    id: r.id,
    appDisplayName: r.appDisplayName,
    appId: r.appId,
    pendingScopes: r.pendingScopes.map((s) => ({ displayName: s }))
  });

  g.get('/identityGovernance/appConsent/appConsentRequests', async (req, reply) => {
    const filter = compileFilter((req.query as Params).$filter);
    if (!filter.ok) return refused(reply, filter.message);
    return { '@odata.context': `${base()}/$metadata#identityGovernance/appConsent/appConsentRequests`, value: state.consentRequests.map(requestJson).filter(filter.predicate) };
  });

  g.get('/identityGovernance/appConsent/appConsentRequests/:id/userConsentRequests', async (req, reply) => {
    const id = (req.params as Params).id;
    const request = state.consentRequests.find((r) => r.id === id);
    if (!request) return notFound(reply, id);
    const filter = compileFilter((req.query as Params).$filter);
    if (!filter.ok) return refused(reply, filter.message);
    const value = request.userRequests
      .map((u) => {
        const user = state.accounts.get(u.userId);
        return {
          id: u.id,
          approvalId: u.id,
          status: u.status,
          reason: u.reason,
          createdDateTime: u.createdDateTime,
          completedDateTime: u.completedDateTime,
          customData: null,
          createdBy: { user: { id: u.userId, displayName: user?.displayName ?? null, userPrincipalName: user?.upn ?? null } }
        };
      })
      .filter(filter.predicate);
    return { '@odata.context': `${base()}/$metadata#identityGovernance/appConsent/appConsentRequests('${id}')/userConsentRequests`, value };
  });
}
