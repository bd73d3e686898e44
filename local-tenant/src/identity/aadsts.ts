import { randomUUID } from 'node:crypto';

/** An Entra ID error: the OAuth error, the AADSTS number and its message, as the token endpoint answers them. */
export interface AadError {
  status: number;
  error: string;
  code: number;
  description: string;
  suberror?: string;
  claims?: string;
}

/** Entra writes times in its messages with seven fractional digits: 2026-12-01T23:17:13.1230000Z. */
export const entraTime = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000Z');

const e = (status: number, error: string, code: number, description: string, suberror?: string): AadError => ({ status, error, code, description, suberror });

/** Every AADSTS error the local tenant answers, with Entra's wording. */
export const AADSTS = {
  missingParameter: (name: string) => e(400, 'invalid_request', 900144, `The request body must contain the following parameter: '${name}'.`),
  unsupportedGrantType: (grant: string) => e(400, 'unsupported_grant_type', 70003, `The app requested an unsupported grant type '${grant}'.`),
  tenantNotFound: (tenant: string) => e(400, 'invalid_tenant', 90002, `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`),
  unknownClient: (clientId: string, tenant: string) =>
    e(400, 'unauthorized_client', 700016, `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`),
  // reference-error-codes: InvalidClientPublicClientWithCredential.
  publicClientWithSecret: () => e(401, 'invalid_client', 700025, "Client is public so neither 'client_assertion' nor 'client_secret' should be presented."),
  missingClientSecret: () => e(401, 'invalid_client', 7000218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'."),
  badClientSecret: (clientId: string) =>
    e(401, 'invalid_client', 7000215, `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${clientId}'.`),
  // Entra's wording (reference-error-codes: InvalidClientSecretExpiredKeysProvided; the text as clients report it, e.g. dotnet/sign#849).
  expiredClientSecret: (clientId: string) =>
    e(401, 'invalid_client', 7000222, `The provided client secret keys for app '${clientId}' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.`),
  redirectMismatch: (redirectUri: string, clientId: string) =>
    e(400, 'invalid_request', 50011, `The redirect URI '${redirectUri}' specified in the request does not match the redirect URIs configured for the application '${clientId}'. Make sure the redirect URI sent in the request matches one added to your application in the Azure portal.`),
  invalidScope: (scope: string) => e(400, 'invalid_scope', 70011, `The provided request must include a 'scope' input parameter. The provided value for the input parameter 'scope' is not valid. The scope ${scope} is not valid.`),
  scopeNotOnResource: (scope: string, resource: string) =>
    e(400, 'invalid_client', 650053, `The application asked for scope '${scope}' that doesn't exist on the resource '${resource}'. Contact the app vendor.`),
  resourceNotFound: (resource: string, tenant: string) =>
    e(400, 'invalid_resource', 500011, `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant.`),
  clientCredentialsNeedDefault: (scope: string) =>
    e(400, 'invalid_scope', 1002012, `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`),
  // reference-error-codes: BlockedByConditionalAccess; as the token endpoint answers it (invalid_grant, HTTP 400: OfficeDev/BotBuilder-MicrosoftTeams#284).
  blockedByConditionalAccess: () => e(400, 'invalid_grant', 53003, 'Access has been blocked by Conditional Access policies. The access policy does not allow token issuance.'),
  badPassword: () => e(400, 'invalid_grant', 50126, 'Error validating credentials due to invalid username or password.'),
  accountDisabled: () => e(400, 'invalid_grant', 50057, 'The user account is disabled. The account has been disabled by an administrator.'),
  // Entra hides the user name in this message ({EUII Hidden}); so does the local tenant.
  unknownUser: (tenant: string) =>
    e(400, 'invalid_grant', 50034, `The user account {EUII Hidden} does not exist in the ${tenant} directory. To sign into this application, the account must be added to the directory.`),
  codeExpired: () => e(400, 'invalid_grant', 70008, 'The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource.'),
  codeRedeemed: () => e(400, 'invalid_grant', 54005, 'OAuth2 Authorization code was already redeemed, please retry with a new valid code or use an existing refresh token.'),
  codeInvalid: () => e(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.'),
  codeForOtherClient: () => e(400, 'invalid_grant', 70002, 'The client application is requesting a token using an authorization code issued to a different client.'),
  codeChallengeSize: () => e(400, 'invalid_request', 501491, 'Invalid size of Code_Challenge parameter.'),
  pkceMismatch: () => e(400, 'invalid_grant', 501481, 'The Code_Verifier does not match the code_challenge supplied in the authorization request.'),
  refreshTokenRevoked: (issuedAt: number, validFrom: number) =>
    e(400, 'invalid_grant', 50173, `The provided grant has expired due to it being revoked, a fresh auth token is needed. The user might have changed or reset their password. The grant was issued on '${entraTime(issuedAt)}' and the TokensValidFrom date (before which tokens are not valid) for this user is '${entraTime(validFrom)}'.`, 'bad_token'),
  refreshTokenExpired: (issuedAt: number, inactiveDays: number) =>
    e(400, 'invalid_grant', 700082, `The refresh token has expired due to inactivity. The token was issued on ${entraTime(issuedAt)} and was inactive for ${inactiveDays}.00:00:00.`, 'bad_token'),
  refreshTokenInvalid: () => e(400, 'invalid_grant', 9002313, 'Invalid request. Request is malformed or invalid.', 'bad_token'),
  refreshTokenOtherClient: () => e(400, 'invalid_grant', 70000, 'Provided grant is invalid or malformed.', 'bad_token'),
  consentRequired: (clientId: string, clientName: string) =>
    e(400, 'invalid_grant', 65001, `The user or administrator has not consented to use the application with ID '${clientId}' named '${clientName}'. Send an interactive authorization request for this user and resource.`, 'consent_required'),
  consentDeclined: () => e(400, 'access_denied', 65004, 'User declined to consent to access the app.'),
  adminApprovalRequired: (clientName: string) =>
    e(400, 'access_denied', 90094, `The grant requires admin permission. ${clientName} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.`),
  assertionInvalid: () => e(400, 'invalid_grant', 50013, 'Assertion failed signature validation.'),
  // reference-error-codes: InvalidIdTokenAsGrant.
  idTokenAsAssertion: () => e(400, 'invalid_grant', 240002, 'The id_token can\'t be used as \'urn:ietf:params:oauth:grant-type:jwt-bearer\' grant.'),
  assertionExpired: () => e(400, 'invalid_grant', 500133, 'Assertion is not within its valid time range. Ensure that the access token is not expired before using it for user assertion, or request a new token.'),
  assertionAudience: () => e(400, 'invalid_grant', 500131, 'Assertion audience does not match the Client app presenting the assertion. The audience in the assertion was not found or does not match.')
} as const;

/** The JSON body the v2.0 token endpoint answers with; no secret or token ever goes into it. */
export function aadErrorBody(err: AadError, origin: string, now = new Date()): Record<string, unknown> {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = now.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');
  const body: Record<string, unknown> = {
    error: err.error,
    error_description: `AADSTS${err.code}: ${err.description}\r\nTrace ID: ${traceId}\r\nCorrelation ID: ${correlationId}\r\nTimestamp: ${timestamp}`,
    error_codes: [err.code],
    timestamp,
    trace_id: traceId,
    correlation_id: correlationId,
    error_uri: `${origin}/error?code=${err.code}`
  };
  if (err.suberror) body.suberror = err.suberror;
  return body;
}
