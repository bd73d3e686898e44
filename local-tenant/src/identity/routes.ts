import { createHash, randomUUID, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AADSTS, AadError, aadErrorBody } from './aadsts';
import { jwks, SigningKey, verifyJwt } from './jwt';
import { approvalRequiredPage, consentPage, errorPage, needAdminApprovalPage, requestSentPage, signedOutPage, signInPage } from './pages';
import { OIDC_SCOPES, parseScopes, qualifiedScope, redirectUriMatches, ScopeRequest } from './scopes';
import { appAccessToken, clientInfo, delegatedAccessToken, handleTime, idToken, Issuer, newCode, newRefreshToken, newSession, v2Issuer } from './tokens';
import { SESSION_INACTIVE_MS, type Account, type App, type TenantState } from '../state/tenant-state';
import { readCookies } from '../http/server';
import { esc } from '../http/html';

const SESSION_COOKIE = 'ESTSAUTH_LOCAL';
const INTERACTION_TTL_MS = 30 * 60 * 1000;
const CODE_TTL_MS = 10 * 60 * 1000;

type Params = Record<string, string | undefined>;

/** A sign-in in progress: what the client asked for, kept between the sign-in and consent pages. */
export interface Interaction {
  id: string;
  kind: 'authorize' | 'adminconsent';
  tenant: string;
  client: App;
  redirectUri: string;
  request: ScopeRequest;
  rawScope: string;
  state: string | undefined;
  nonce: string | null;
  codeChallenge: string | null;
  codeChallengeMethod: string | null;
  responseMode: string;
  prompt: string | undefined;
  loginHint: string;
  userId: string | null;
  expiresAt: number;
}

/** Entra ID v2 endpoints: discovery, keys, authorize (sign-in + consent), token, admin consent, logout. */
export function registerIdentity(app: FastifyInstance, state: TenantState, key: SigningKey): void {
  const issuer: Issuer = { state, key };
  const { interactions } = state;
  const graph = state.appByKey('graph');

  const isMultiTenant = (t: string): boolean => ['common', 'organizations'].includes(t.toLowerCase());
  const knownTenant = (t: string): boolean => [state.tenantId, state.fixture.tenant.domain, 'common', 'organizations'].includes(t.toLowerCase());
  const resolveResource = (id: string): App | undefined => state.resourceByIdentifier(id);

  const sendAadError = (reply: FastifyReply, err: AadError): FastifyReply => reply.code(err.status).header('cache-control', 'no-store').send(aadErrorBody(err, state.origin));

  // ---------- discovery ----------
  app.get('/:tenant/v2.0/.well-known/openid-configuration', async (req, reply) => {
    const { tenant } = req.params as Params;
    if (!knownTenant(tenant as string)) return sendAadError(reply, AADSTS.tenantNotFound(tenant as string));
    // A multi-tenant authority (common, organizations) names no tenant: Entra answers with its
    // endpoints under that authority and the issuer as a {tenantid} template.
    const multi = isMultiTenant(tenant as string);
    const tid = multi ? '{tenantid}' : state.tenantId;
    const base = `${state.origin}/${multi ? (tenant as string).toLowerCase() : tid}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ['query', 'fragment', 'form_post'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      issuer: v2Issuer(state.origin, tid),
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${state.origin}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ['sub', 'iss', 'cloud_instance_name', 'cloud_instance_host_name', 'cloud_graph_host_name', 'msgraph_host', 'aud', 'exp', 'iat', 'auth_time', 'acr', 'nonce', 'preferred_username', 'name', 'tid', 'ver', 'at_hash', 'c_hash', 'email'],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
      cloud_graph_host_name: 'graph.windows.net',
      msgraph_host: new URL(state.origin).host,
      rbac_url: 'https://pas.windows.net'
    };
  });

  const keys = async (req: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const { tenant } = req.params as Params;
    if (!knownTenant(tenant as string)) return sendAadError(reply, AADSTS.tenantNotFound(tenant as string));
    return jwks(key, v2Issuer(state.origin, isMultiTenant(tenant as string) ? '{tenantid}' : state.tenantId));
  };
  app.get('/:tenant/discovery/v2.0/keys', keys);
  app.get('/:tenant/discovery/keys', keys);

  // MSAL only asks this when an authority is not in knownAuthorities; answering it keeps such configs working too.
  app.get('/common/discovery/instance', async () => {
    const host = new URL(state.origin).host;
    return {
      tenant_discovery_endpoint: `${state.origin}/${state.tenantId}/v2.0/.well-known/openid-configuration`,
      'api-version': '1.1',
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }]
    };
  });

  // ---------- sign-in session ----------
  const sessionUser = (req: FastifyRequest): Account | undefined => {
    const sid = readCookies(req.headers.cookie)[SESSION_COOKIE];
    const session = sid ? state.sessions.get(sid) : undefined;
    if (!session || state.now() - session.lastUsedAt > SESSION_INACTIVE_MS) return undefined;
    const user = state.accounts.get(session.userId);
    // A disabled account's session signs nobody in: the sign-in page then answers AADSTS50057.
    if (!user || user.disabled) return undefined;
    session.lastUsedAt = state.now();
    return user;
  };
  const startSession = (reply: FastifyReply, user: Account): void => {
    const sid = newSession();
    state.sessions.set(sid, { userId: user.id, lastUsedAt: state.now() });
    state.sweepIdentity();
    reply.header('set-cookie', `${SESSION_COOKIE}=${sid}; Path=/; HttpOnly; Secure; SameSite=None`);
  };

  const signInAction = (i: Interaction): string => `/${i.tenant}/oauth2/v2.0/authorize/login`;
  const consentAction = (i: Interaction): string => `/${i.tenant}/oauth2/v2.0/authorize/consent`;
  // Entra's sign-in pages send Cross-Origin-Opener-Policy (MSAL.js's v4-to-v5 migration guide: "Microsoft
  // Entra ID has COOP enabled by default"): a popup that comes here loses its opener for good.
  const html = (reply: FastifyReply, body: string, status = 200): FastifyReply => reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('cross-origin-opener-policy', 'same-origin').send(body);

  const renderSignIn = (reply: FastifyReply, i: Interaction, username: string, error: AadError | null): FastifyReply =>
    html(
      reply,
      signInPage({
        action: signInAction(i),
        interaction: i.id,
        clientName: i.client.displayName,
        tenantName: state.fixture.tenant.displayName,
        accounts: state.people(),
        username,
        defaultPassword: state.fixture.defaultPassword,
        error: error ? { code: error.code, message: error.description } : null
      }),
      error ? 400 : 200
    );

  /** Sends the browser back to the client with the result, in the response mode it asked for. */
  const redirectBack = (reply: FastifyReply, i: Pick<Interaction, 'redirectUri' | 'responseMode'>, params: Record<string, string | undefined>): FastifyReply => {
    const entries = Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string');
    if (i.responseMode === 'form_post') {
      const inputs = entries.map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
      return html(reply, `<!doctype html><html><head><title>Working...</title></head><body><form method="POST" name="hiddenform" action="${esc(i.redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form><script>document.forms[0].submit()</script></body></html>`);
    }
    const url = new URL(i.redirectUri);
    const query = new URLSearchParams(entries);
    if (i.responseMode === 'fragment') url.hash = query.toString();
    else for (const [k, v] of entries) url.searchParams.set(k, v);
    return reply.redirect(url.toString(), 302);
  };
  const redirectError = (reply: FastifyReply, i: Pick<Interaction, 'redirectUri' | 'responseMode' | 'state'>, err: AadError, extra: Record<string, string> = {}): FastifyReply =>
    redirectBack(reply, i, { error: err.error, error_description: `AADSTS${err.code}: ${err.description}`, error_uri: `${state.origin}/error?code=${err.code}`, ...extra, state: i.state });

  /** Scopes of the request still missing a grant for this user; `.default` asks for nothing new. */
  const missingScopes = (i: Interaction, user: Account): string[] => {
    const granted = state.grantedScopes(i.client, i.request.resource, user.id);
    return i.request.scopes.filter((s) => !granted.has(s));
  };

  /** After sign-in: consent if something is missing or was asked for, else straight back with a code. */
  const continueAs = (reply: FastifyReply, i: Interaction, user: Account): FastifyReply => {
    i.userId = user.id;
    const isAdmin = state.isTenantAdmin(user);
    const adminFlow = i.kind === 'adminconsent' || i.prompt === 'admin_consent';
    if (adminFlow && !isAdmin) {
      const err = AADSTS.adminApprovalRequired(i.client.displayName);
      return html(reply, needAdminApprovalPage(i.client.displayName, err.code, err.description, backUrl(i, err)), 403);
    }
    const missing = missingScopes(i, user);
    // prompt=consent re-asks for everything requested, even what was granted before.
    const toShow = adminFlow || i.prompt === 'consent' ? i.request.scopes : missing;
    if (i.prompt === 'none' && missing.length > 0) {
      // Silent: no page may be shown (v2-oauth2-auth-code-flow, prompt=none), so the missing consent
      // comes back to the app as an error it can answer with an interactive request.
      interactions.delete(i.id);
      const err = AADSTS.consentRequired(i.client.appId, i.client.displayName);
      return redirectError(reply, i, { ...err, error: 'consent_required' });
    }
    if (adminFlow || i.prompt === 'consent' || missing.length > 0) {
      const needsAdmin = toShow.some((s) => i.request.resource.delegatedScopes.find((d) => d.value === s)?.adminConsentRequired);
      if (needsAdmin && !isAdmin) {
        if (state.adminConsentPolicy.isEnabled && !adminFlow) {
          return html(reply, approvalRequiredPage({ action: requestAction(i), interaction: i.id, client: i.client, user, scopes: describe(i, toShow) }));
        }
        const err = AADSTS.adminApprovalRequired(i.client.displayName);
        return html(reply, needAdminApprovalPage(i.client.displayName, err.code, err.description, backUrl(i, err)), 403);
      }
      return html(
        reply,
        consentPage({
          action: consentAction(i),
          interaction: i.id,
          client: i.client,
          user,
          resource: i.request.resource,
          scopes: describe(i, [...toShow, ...(i.request.oidc.includes('offline_access') ? ['offline_access'] : [])]),
          canConsentForOrg: isAdmin,
          orgConsentForced: adminFlow
        })
      );
    }
    return finish(reply, i, user);
  };

  const describe = (i: Interaction, scopes: string[]): { value: string; description: string }[] =>
    scopes.map((s) => ({
      value: s,
      description: s === 'offline_access' ? 'Maintain access to data you have given it access to' : (i.request.resource.delegatedScopes.find((d) => d.value === s)?.description ?? s)
    }));
  const requestAction = (i: Interaction): string => `/${i.tenant}/oauth2/v2.0/authorize/request`;

  const backUrl = (i: Interaction, err: AadError): string => {
    const url = new URL(i.redirectUri);
    url.searchParams.set('error', err.error);
    url.searchParams.set('error_description', `AADSTS${err.code}: ${err.description}`);
    if (i.state) url.searchParams.set('state', i.state);
    if (i.kind === 'adminconsent') url.searchParams.set('admin_consent', 'True');
    return url.toString();
  };

  const finish = (reply: FastifyReply, i: Interaction, user: Account): FastifyReply => {
    interactions.delete(i.id);
    if (i.kind === 'adminconsent') {
      return redirectBack(reply, { ...i, responseMode: 'query' }, { admin_consent: 'True', tenant: state.tenantId, scope: i.rawScope, state: i.state });
    }
    const expiresAt = state.now() + CODE_TTL_MS;
    const code = newCode(expiresAt);
    state.authCodes.set(code, {
      userId: user.id,
      clientAppId: i.client.appId,
      redirectUri: i.redirectUri,
      scopes: i.rawScope.split(/\s+/).filter(Boolean),
      codeChallenge: i.codeChallenge,
      codeChallengeMethod: i.codeChallengeMethod,
      nonce: i.nonce,
      expiresAt,
      redeemed: false
    });
    state.sweepIdentity();
    return redirectBack(reply, i, { code, state: i.state, session_state: randomUUID() });
  };

  const interactionFrom = (body: Params): Interaction | undefined => {
    const i = body.interaction ? interactions.get(body.interaction) : undefined;
    return i && i.expiresAt > state.now() ? i : undefined;
  };

  /** Validates what Entra validates before showing any page; errors it cannot redirect are pages. */
  const beginInteraction = (req: FastifyRequest, reply: FastifyReply, kind: Interaction['kind']): FastifyReply => {
    const q = req.query as Params;
    const tenant = (req.params as Params).tenant as string;
    if (!knownTenant(tenant)) {
      const err = AADSTS.tenantNotFound(tenant);
      return html(reply, errorPage(err.code, err.description), 400);
    }
    const client = q.client_id ? state.appById(q.client_id) : undefined;
    if (!client) {
      const err = q.client_id ? AADSTS.unknownClient(q.client_id, tenant) : AADSTS.missingParameter('client_id');
      return html(reply, errorPage(err.code, err.description), 400);
    }
    const redirectUri = q.redirect_uri ?? client.redirectUris[0];
    if (!redirectUri || !redirectUriMatches(client.redirectUris, redirectUri)) {
      const err = AADSTS.redirectMismatch(redirectUri ?? '', client.appId);
      return html(reply, errorPage(err.code, err.description), 400);
    }
    const responseMode = q.response_mode ?? 'query';
    const target = { redirectUri, responseMode, state: q.state };
    // The admin consent endpoint's errors carry admin_consent=True too (v2-admin-consent, Error response).
    const refuse = (err: AadError): FastifyReply => redirectError(reply, target, err, kind === 'adminconsent' ? { admin_consent: 'True' } : {});
    if (kind === 'authorize' && q.response_type !== 'code') {
      return refuse({ status: 400, error: 'unsupported_response_type', code: 700054, description: `response_type '${q.response_type ?? ''}' is not supported; this tenant issues authorization codes ('code').` });
    }
    const rawScope = q.scope ?? (kind === 'adminconsent' ? `${graph.identifierUris[0]}/.default` : '');
    if (!rawScope) return refuse(AADSTS.missingParameter('scope'));
    const parsed = parseScopes(rawScope, resolveResource, graph, tenant);
    if (!parsed.ok) return refuse(parsed.error);
    const method = q.code_challenge ? (q.code_challenge_method ?? 'plain') : null;
    if (method && method !== 'S256' && method !== 'plain') {
      return refuse({ status: 400, error: 'invalid_request', code: 5000752, description: `The code_challenge_method '${method}' is not supported.` });
    }
    // RFC 7636 4.2: a challenge is 43-128 unreserved characters (an S256 one is exactly 43); Entra
    // refuses another at authorize (AADSTS501491, reference-error-codes: InvalidCodeChallengeMethodInvalidSize).
    if (q.code_challenge !== undefined && !/^[A-Za-z0-9\-._~]{43,128}$/.test(q.code_challenge)) {
      return refuse(AADSTS.codeChallengeSize());
    }
    // `.default` in an interactive request asks for the app's static permissions on the resource.
    const request = parsed.value.isDefault ? { ...parsed.value, scopes: state.requiredScopes(client, parsed.value.resource) } : parsed.value;
    const i: Interaction = {
      id: randomUUID(),
      kind,
      tenant,
      client,
      redirectUri,
      request,
      rawScope,
      state: q.state,
      nonce: q.nonce ?? null,
      codeChallenge: q.code_challenge ?? null,
      codeChallengeMethod: method,
      responseMode,
      prompt: q.prompt,
      loginHint: q.login_hint ?? '',
      userId: null,
      expiresAt: state.now() + INTERACTION_TTL_MS
    };
    interactions.set(i.id, i);
    state.sweepIdentity();
    const current = sessionUser(req);
    const mustSignIn = !current || i.prompt === 'login' || i.prompt === 'select_account' || (i.loginHint !== '' && current.upn !== i.loginHint.toLowerCase());
    if (i.prompt === 'none' && mustSignIn) {
      interactions.delete(i.id);
      return redirectError(reply, i, { status: 400, error: 'login_required', code: 50058, description: 'A silent sign-in request was sent but no user is signed in.' });
    }
    if (mustSignIn) return renderSignIn(reply, i, i.loginHint, null);
    return continueAs(reply, i, current as Account);
  };

  app.get('/:tenant/oauth2/v2.0/authorize', async (req, reply) => beginInteraction(req, reply, 'authorize'));
  app.get('/:tenant/v2.0/adminconsent', async (req, reply) => beginInteraction(req, reply, 'adminconsent'));

  app.post('/:tenant/oauth2/v2.0/authorize/login', async (req, reply) => {
    const body = formParams(req.body);
    const i = interactionFrom(body);
    if (!i) return html(reply, errorPage(9002313, 'The sign-in request has expired or is unknown. Go back to the application and start again.'), 400);
    const username = (body.username ?? '').trim();
    const user = state.accountByUpn(username);
    if (!user || user.isRoom) return renderSignIn(reply, i, username, AADSTS.unknownUser(state.fixture.tenant.domain));
    if (!passwordMatches(user.password, body.password ?? '')) return renderSignIn(reply, i, username, AADSTS.badPassword());
    if (user.disabled) return renderSignIn(reply, i, username, AADSTS.accountDisabled());
    startSession(reply, user);
    return continueAs(reply, i, user);
  });

  app.post('/:tenant/oauth2/v2.0/authorize/consent', async (req, reply) => {
    const body = formParams(req.body);
    const i = interactionFrom(body);
    const user = i?.userId ? state.accounts.get(i.userId) : undefined;
    if (!i || !user) return html(reply, errorPage(9002313, 'The consent request has expired or is unknown. Go back to the application and start again.'), 400);
    if (body.decision !== 'accept') {
      interactions.delete(i.id);
      const err = AADSTS.consentDeclined();
      return i.kind === 'adminconsent'
        // Every answer of the admin consent endpoint carries admin_consent=True, its errors too
        // ("Will be set to True to indicate that this response occurred on an admin consent flow",
        // v2-admin-consent, Error response).
        ? redirectError(reply, { ...i, responseMode: 'query' }, err, { admin_consent: 'True' })
        : redirectError(reply, i, err, { error_subcode: 'cancel' });
    }
    const forOrg = (i.kind === 'adminconsent' || i.prompt === 'admin_consent' || body.consentForOrg === 'on') && state.isTenantAdmin(user);
    const scopes = i.request.scopes;
    if (scopes.length) state.addGrant(i.client, i.request.resource, forOrg ? 'AllPrincipals' : 'Principal', user.id, scopes);
    return finish(reply, i, user);
  });

  // The admin consent workflow's request (docs/local-tenant.md): only the admin-only scopes wait for approval.
  app.post('/:tenant/oauth2/v2.0/authorize/request', async (req, reply) => {
    const body = formParams(req.body);
    const i = interactionFrom(body);
    const user = i?.userId ? state.accounts.get(i.userId) : undefined;
    if (!i || !user || !state.adminConsentPolicy.isEnabled) return html(reply, errorPage(9002313, 'The consent request has expired or is unknown. Go back to the application and start again.'), 400);
    interactions.delete(i.id);
    const adminOnly = i.request.scopes.filter((s) => i.request.resource.delegatedScopes.find((d) => d.value === s)?.adminConsentRequired);
    state.requestConsent(i.client, user, adminOnly, (body.justification ?? '').slice(0, 500));
    return html(reply, requestSentPage(i.client.displayName));
  });

  app.get('/:tenant/oauth2/v2.0/logout', async (req, reply) => {
    const sid = readCookies(req.headers.cookie)[SESSION_COOKIE];
    if (sid) state.sessions.delete(sid);
    reply.header('set-cookie', `${SESSION_COOKIE}=; Path=/; HttpOnly; Secure; SameSite=None; Max-Age=0`);
    const next = (req.query as Params).post_logout_redirect_uri;
    return next ? reply.redirect(next, 302) : html(reply, signedOutPage());
  });

  // ---------- token endpoint ----------
  app.post('/:tenant/oauth2/v2.0/token', async (req, reply) => {
    const tenant = (req.params as Params).tenant as string;
    if (!knownTenant(tenant)) return sendAadError(reply, AADSTS.tenantNotFound(tenant));
    const body = formParams(req.body);
    const basic = basicCredentials(req.headers.authorization);
    const clientId = body.client_id ?? basic?.id;
    if (!body.grant_type) return sendAadError(reply, AADSTS.missingParameter('grant_type'));
    if (!clientId) return sendAadError(reply, AADSTS.missingParameter('client_id'));
    const client = state.appById(clientId);
    if (!client) return sendAadError(reply, AADSTS.unknownClient(clientId, tenant));
    const secret = body.client_secret ?? basic?.secret;
    if (client.clientSecret) {
      if (!secret) return sendAadError(reply, AADSTS.missingClientSecret());
      if (!passwordMatches(client.clientSecret, secret)) return sendAadError(reply, AADSTS.badClientSecret(client.appId));
      if (client.secretExpired) return sendAadError(reply, AADSTS.expiredClientSecret(client.appId));
    } else if (secret) {
      return sendAadError(reply, AADSTS.publicClientWithSecret());
    } else if (body.grant_type === 'urn:ietf:params:oauth:grant-type:jwt-bearer' || body.grant_type === 'client_credentials') {
      // On-behalf-of and client credentials are confidential clients' flows (v2-oauth2-on-behalf-of-flow: client_secret or client_assertion).
      return sendAadError(reply, AADSTS.missingClientSecret());
    }
    const result = tokenGrant(body, client, tenant);
    return 'error' in result ? sendAadError(reply, result.error) : reply.header('cache-control', 'no-store').send(result.body);
  });

  type GrantResult = { body: Record<string, unknown> } | { error: AadError };

  const tokenGrant = (body: Params, client: App, tenant: string): GrantResult => {
    switch (body.grant_type) {
      case 'authorization_code':
        return authorizationCode(body, client, tenant);
      case 'refresh_token':
        return refreshToken(body, client, tenant);
      case 'client_credentials':
        return clientCredentials(body, client, tenant);
      case 'urn:ietf:params:oauth:grant-type:jwt-bearer':
        return onBehalfOf(body, client, tenant);
      case 'password':
        return password(body, client, tenant);
      default:
        return { error: AADSTS.unsupportedGrantType(body.grant_type as string) };
    }
  };

  /** Builds the token response for a user: access token for the one resource, plus RT / id token as asked. */
  const userTokens = (user: Account, client: App, request: ScopeRequest, withClientInfo: boolean, nonce: string | null): GrantResult => {
    if (user.blockedByPolicy) return { error: AADSTS.blockedByConditionalAccess() };
    const granted = state.grantedScopes(client, request.resource, user.id);
    const missing = request.scopes.filter((s) => !granted.has(s));
    if (missing.length > 0 || granted.size === 0) return { error: AADSTS.consentRequired(client.appId, client.displayName) };
    // Entra puts every consented scope of the resource in the token, not only the requested ones.
    const scopes = [...request.scopes, ...[...granted].filter((s) => !request.scopes.includes(s))];
    const access = delegatedAccessToken(issuer, user, client, request.resource, scopes);
    const out: Record<string, unknown> = {
      token_type: 'Bearer',
      scope: [...scopes.map((s) => qualifiedScope(request.resource, graph, s)), ...request.oidc.filter((s) => s !== 'offline_access')].join(' '),
      expires_in: access.expiresIn,
      ext_expires_in: access.expiresIn,
      access_token: access.token
    };
    if (request.oidc.includes('offline_access')) out.refresh_token = newRefreshToken(state, user, client);
    if (request.oidc.includes('openid')) out.id_token = idToken(issuer, user, client, nonce, request.oidc.includes('email'));
    if (withClientInfo) out.client_info = clientInfo(user, state.tenantId);
    return { body: out };
  };

  const authorizationCode = (body: Params, client: App, tenant: string): GrantResult => {
    if (!body.code) return { error: AADSTS.missingParameter('code') };
    const record = state.authCodes.get(body.code);
    if (!record) {
      const expiresAt = handleTime(body.code);
      return { error: expiresAt !== null && expiresAt <= state.now() ? AADSTS.codeExpired() : AADSTS.codeInvalid() };
    }
    if (record.clientAppId !== client.appId) return { error: AADSTS.codeForOtherClient() };
    if (record.redeemed) return { error: AADSTS.codeRedeemed() };
    if (record.expiresAt <= state.now()) return { error: AADSTS.codeExpired() };
    if (body.redirect_uri !== record.redirectUri) return { error: AADSTS.redirectMismatch(body.redirect_uri ?? '', client.appId) };
    if (record.codeChallenge) {
      const verifier = body.code_verifier ?? '';
      // A verifier missing or of another size cannot match the challenge: the mismatch, as Entra
      // documents no code of its own for it.
      if (verifier.length < 43 || verifier.length > 128) return { error: AADSTS.pkceMismatch() };
      const computed = record.codeChallengeMethod === 'S256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
      if (computed !== record.codeChallenge) return { error: AADSTS.pkceMismatch() };
    }
    record.redeemed = true;
    const user = state.accounts.get(record.userId);
    if (!user) return { error: AADSTS.codeInvalid() };
    if (user.disabled) return { error: AADSTS.accountDisabled() };
    // The token request may repeat or narrow the scopes; the OpenID ones consented at sign-in still apply.
    const asked = (body.scope ?? '').split(/\s+/).filter(Boolean);
    const scopeText = [...new Set([...(asked.length ? asked : record.scopes), ...record.scopes.filter((s) => OIDC_SCOPES.includes(s.toLowerCase()))])].join(' ');
    const parsed = parseScopes(scopeText, resolveResource, graph, tenant);
    if (!parsed.ok) return { error: parsed.error };
    return userTokens(user, client, parsed.value, body.client_info === '1', record.nonce);
  };

  const refreshToken = (body: Params, client: App, tenant: string): GrantResult => {
    if (!body.refresh_token) return { error: AADSTS.missingParameter('refresh_token') };
    const record = state.refreshTokens.get(body.refresh_token);
    const days = state.limits.refreshTokenInactivityDays;
    if (!record) {
      // Swept away only after its inactive time, so at least that long after it was issued.
      const issuedAt = handleTime(body.refresh_token);
      return { error: issuedAt !== null && state.now() - issuedAt > state.refreshTokenInactiveMs ? AADSTS.refreshTokenExpired(issuedAt, days) : AADSTS.refreshTokenInvalid() };
    }
    if (record.clientAppId !== client.appId) return { error: AADSTS.refreshTokenOtherClient() };
    const user = state.accounts.get(record.userId);
    if (!user || record.sessionGeneration !== user.sessionGeneration) return { error: AADSTS.refreshTokenRevoked(record.issuedAt, user?.tokensValidFrom ?? state.now()) };
    if (user.disabled) return { error: AADSTS.accountDisabled() };
    if (record.expired || state.now() - record.lastUsedAt > state.refreshTokenInactiveMs) return { error: AADSTS.refreshTokenExpired(record.issuedAt, days) };
    record.lastUsedAt = state.now();
    const parsed = parseScopes(body.scope ?? 'openid profile offline_access', resolveResource, graph, tenant);
    if (!parsed.ok) return { error: parsed.error };
    return userTokens(user, client, parsed.value, body.client_info === '1', null);
  };

  // Only a confidential client gets here: the token endpoint refuses a public one (7000218).
  const clientCredentials = (body: Params, client: App, tenant: string): GrantResult => {
    const scope = (body.scope ?? '').trim();
    if (!scope) return { error: AADSTS.missingParameter('scope') };
    if (!scope.endsWith('/.default') || scope.includes(' ')) return { error: AADSTS.clientCredentialsNeedDefault(scope) };
    const resource = resolveResource(scope.slice(0, -'/.default'.length));
    if (!resource) return { error: AADSTS.resourceNotFound(scope.slice(0, -'/.default'.length), tenant) };
    if (client.blockedByPolicy) return { error: AADSTS.blockedByConditionalAccess() };
    const roles = state.appRolesOf(client, resource);
    const access = appAccessToken(issuer, client, resource, roles);
    return { body: { token_type: 'Bearer', expires_in: access.expiresIn, ext_expires_in: access.expiresIn, access_token: access.token } };
  };

  const onBehalfOf = (body: Params, client: App, tenant: string): GrantResult => {
    if (body.requested_token_use !== 'on_behalf_of') return { error: AADSTS.missingParameter('requested_token_use') };
    if (!body.assertion) return { error: AADSTS.missingParameter('assertion') };
    const verified = verifyJwt(key, body.assertion);
    if (!verified.ok) return { error: verified.reason === 'expired' ? AADSTS.assertionExpired() : AADSTS.assertionInvalid() };
    const claims = verified.claims;
    const audiences = [client.appId, ...client.identifierUris];
    if (!audiences.includes(String(claims.aud))) return { error: AADSTS.assertionAudience() };
    const user = typeof claims.oid === 'string' ? state.accounts.get(claims.oid) : undefined;
    if (!user || claims.idtyp === 'app') return { error: AADSTS.assertionInvalid() };
    // The assertion is the access token the middle tier received: an ID token is refused (AADSTS240002).
    if (typeof claims.scp !== 'string' || claims.nonce !== undefined) return { error: AADSTS.idTokenAsAssertion() };
    if (user.disabled) return { error: AADSTS.accountDisabled() };
    const parsed = parseScopes(body.scope ?? '', resolveResource, graph, tenant);
    if (!parsed.ok) return { error: parsed.error };
    return userTokens(user, client, parsed.value, body.client_info === '1', null);
  };

  /** ROPC: not used by the product, but the simplest way to see AADSTS50126 as JSON. */
  const password = (body: Params, client: App, tenant: string): GrantResult => {
    const user = state.accountByUpn(body.username ?? '');
    if (!user || user.isRoom) return { error: AADSTS.unknownUser(state.fixture.tenant.domain) };
    if (!passwordMatches(user.password, body.password ?? '')) return { error: AADSTS.badPassword() };
    if (user.disabled) return { error: AADSTS.accountDisabled() };
    const parsed = parseScopes(body.scope ?? 'openid profile offline_access', resolveResource, graph, tenant);
    if (!parsed.ok) return { error: parsed.error };
    return userTokens(user, client, parsed.value, body.client_info === '1', null);
  };
}

/** Constant-time comparison, so a wrong secret takes as long as a nearly right one. */
export function passwordMatches(expected: string, given: string): boolean {
  const a = createHash('sha256').update(expected).digest();
  const b = createHash('sha256').update(given).digest();
  return timingSafeEqual(a, b);
}

/** Form fields as strings; anything that is not a plain value is treated as absent. */
function formParams(body: unknown): Params {
  const out: Params = {};
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    for (const [k, v] of Object.entries(body)) if (['string', 'number', 'boolean'].includes(typeof v)) out[k] = String(v);
  }
  return out;
}

function basicCredentials(header: string | undefined): { id: string; secret: string } | null {
  if (!header?.startsWith('Basic ')) return null;
  const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return { id: decodeURIComponent(decoded.slice(0, colon)), secret: decodeURIComponent(decoded.slice(colon + 1)) };
}

