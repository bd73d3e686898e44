import type { FastifyInstance } from 'fastify';
import { AADSTS, aadErrorBody } from './aadsts';
import { SigningKey } from './jwt';
import { delegatedAccessToken } from './tokens';
import type { TenantState } from '../state/tenant-state';

interface DevTokenBody {
  user?: string;
  resource?: string;
  scopes?: string[];
}

/**
 * POST /_admin/dev-token: the token SPFx's AadTokenProvider would hand a signed-in SharePoint
 * user, issued to SharePoint Online Web Client Extensibility. Local only; consent
 * still applies (the web part's API access exists only while its grant does).
 */
export function registerDevToken(app: FastifyInstance, state: TenantState, key: SigningKey): void {
  app.post('/_admin/dev-token', async (req, reply) => {
    const body = (req.body ?? {}) as DevTokenBody;
    if (typeof body.user !== 'string' || typeof body.resource !== 'string') {
      return reply.code(400).send({ error: 'invalid_request', error_description: 'Body must be { "user": "<upn>", "resource": "<identifier URI or app id>", "scopes"?: ["..."] }.' });
    }
    const user = state.accountByUpn(body.user);
    if (!user || user.isRoom) return reply.code(400).send(aadErrorBody(AADSTS.unknownUser(state.fixture.tenant.domain), state.origin));
    if (user.disabled) return reply.code(400).send(aadErrorBody(AADSTS.accountDisabled(), state.origin));
    const resource = state.resourceByIdentifier(body.resource);
    if (!resource) return reply.code(400).send(aadErrorBody(AADSTS.resourceNotFound(body.resource, state.fixture.tenant.domain), state.origin));
    const client = state.appByKey('spfx');
    const granted = state.grantedScopes(client, resource, user.id);
    const wanted = Array.isArray(body.scopes) && body.scopes.length > 0 ? body.scopes.map(String) : [...granted];
    const unknown = wanted.find((s) => !resource.delegatedScopes.some((d) => d.value === s));
    if (unknown) return reply.code(400).send(aadErrorBody(AADSTS.scopeNotOnResource(unknown, resource.appId), state.origin));
    if (wanted.length === 0 || wanted.some((s) => !granted.has(s))) {
      return reply.code(400).send(aadErrorBody(AADSTS.consentRequired(client.appId, client.displayName), state.origin));
    }
    const token = delegatedAccessToken({ state, key }, user, client, resource, wanted);
    return { token_type: 'Bearer', access_token: token.token, expires_in: token.expiresIn, scope: wanted.join(' ') };
  });
}
