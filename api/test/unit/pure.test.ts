import path from 'node:path';
import fc from 'fast-check';
import { ERROR_CATALOGUE } from '@lms-m365/contracts';
import { canManageWeb } from '../../src/sharepoint/sitePermissions';
import { authorize, principalFromClaims } from '../../src/auth/principal';
import { normaliseCatalog } from '../../src/catalogs/catalogId';
import type { ApiError } from '../../src/errors/apiError';
import { ConfigError, findRepoRoot, loadConfig } from '../../src/config/config';
import { needsKeepAlive } from '../../src/connections/connectionService';
import { mapCallbackError } from '../../src/connections/modernSignIn';
import { failureKind, isConnectionLost } from '../../src/errors/failureKind';
import { applySettings, disconnected, emptyConnection, isWorking, settingsEtag, toView } from '../../src/connections/model';
import type { Incident } from '../../src/health/incident';
import { coversOrganisation } from '../../src/connections/orgConsent';
import { checkNonce, checkNotExpired, isWellFormedState, newSignIn, pkceChallenge, SIGN_IN_LIFETIME_MS, stateKey } from '../../src/connections/signInState';
import { addressBucket, clientAddress, rateLimitKey } from '../../src/auth/authentication';
import { preferredLanguage, problemBody } from '../../src/errors/problem';
import { validationDetail } from '../../src/errors/errorHandler';
import { mapGraphError, mapSmtpError, mapTokenError, smtpUpstream } from '../../src/errors/upstream';
import { textChunks } from '../../src/storage/chunks';
import { HealthMonitor } from '../../src/health/monitor';
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { azureCredential, credentialFor } from '../../src/storage/credential';
import { catalogKey } from '../../src/storage/tables';
import { itemHolds } from '../../src/sharepoint/listMirror';
import { identityError, missingPermissions } from '../../src/identity/microsoftIdentity';
import { codeOf } from '../support/errors';

/** No lone half of a surrogate pair. */
const wellFormed = (text: string): boolean => !/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text);

describe('error catalogue', () => {
  it('catalogue - every code has a status, and an English and Japanese title and remedy', () => {
    for (const [code, def] of Object.entries(ERROR_CATALOGUE)) {
      expect({ code, ok: def.status >= 400 && def.status < 600 }).toEqual({ code, ok: true });
      for (const text of [def.title.en, def.title.ja, def.remedy.en, def.remedy.ja]) {
        expect(text.length).toBeGreaterThan(5);
      }
      expect(def.title.ja).not.toBe(def.title.en);
    }
  });

  it('catalogue - a condition of the connected account or its mailbox is never answered 403: SPFx\'s AadHttpClient sends a request answered 403 once more, so a test email or a Classic connect would run twice', () => {
    const conditions = Object.keys(ERROR_CATALOGUE).filter((code) => ['connection-lost', 'mailbox-blocked'].includes(failureKind(code as keyof typeof ERROR_CATALOGUE)));
    expect(conditions).toEqual(expect.arrayContaining(['TOKEN_REVOKED', 'CONSENT_REQUIRED', 'PERMISSIONS_MISSING', 'SENDING_BLOCKED', 'MAILBOX_FULL']));
    expect(conditions.filter((code) => ERROR_CATALOGUE[code as keyof typeof ERROR_CATALOGUE].status === 403)).toEqual([]);
  });

  it('catalogue - has every code the issue names', () => {
    for (const code of ['MAILBOX_NOT_FOUND', 'SHARED_MAILBOX', 'SMTP_AUTH_DISABLED', 'CONSENT_REQUIRED', 'CONSENT_DECLINED', 'BAD_CREDENTIALS', 'APP_PASSWORD_REQUIRED', 'BASIC_AUTH_DISABLED', 'TOKEN_REVOKED', 'THROTTLED', 'NOT_CATALOG_ADMIN']) {
      expect(Object.keys(ERROR_CATALOGUE)).toContain(code);
    }
  });

  it('problemBody - is RFC 9457 with the stable code as type suffix', () => {
    const body = problemBody('SHARED_MAILBOX', 'ja');
    expect(body).toMatchObject({ type: 'https://lms-m365.example/errors/SHARED_MAILBOX', status: 422, code: 'SHARED_MAILBOX', title: ERROR_CATALOGUE.SHARED_MAILBOX.title.ja });
  });

  it('preferredLanguage - picks Japanese only when it outranks English', () => {
    expect(preferredLanguage(undefined)).toBe('en');
    expect(preferredLanguage('ja')).toBe('ja');
    expect(preferredLanguage('en-US,en;q=0.9,ja;q=0.8')).toBe('en');
    expect(preferredLanguage('ja-JP,en;q=0.5')).toBe('ja');
    expect(preferredLanguage('fr')).toBe('en');
  });
});

describe('upstream error mapping', () => {
  it('mapTokenError - AADSTS numbers decide, then the OAuth error, per context', () => {
    expect(mapTokenError('invalid_grant', '700082', 'refresh')).toBe('TOKEN_REVOKED');
    expect(mapTokenError('invalid_grant', '50173', 'refresh')).toBe('TOKEN_REVOKED');
    expect(mapTokenError('invalid_grant', '65001', 'sign-in')).toBe('CONSENT_REQUIRED');
    expect(mapTokenError('access_denied', '65004', 'sign-in')).toBe('CONSENT_DECLINED');
    expect(mapTokenError('invalid_grant', '501481', 'sign-in')).toBe('STATE_INVALID');
    expect(mapTokenError('invalid_grant', '54005', 'sign-in')).toBe('STATE_INVALID');
    expect(mapTokenError('invalid_grant', '50126', 'password')).toBe('BAD_CREDENTIALS');
    expect(mapTokenError('invalid_grant', undefined, 'refresh')).toBe('TOKEN_REVOKED');
    expect(mapTokenError('invalid_grant', '9002313', 'sign-in')).toBe('SIGN_IN_FAILED');
    expect(mapTokenError('temporarily_unavailable', undefined, 'sign-in')).toBe('SERVICE_UNAVAILABLE');
  });

  it('mapTokenError - Entra refusing the API\'s own credentials is the service\'s fault in every context, never a revoked connection', () => {
    for (const context of ['refresh', 'sign-in', 'password'] as const) {
      // Expired secret, wrong secret, no secret, app registration not in the tenant, app disabled.
      for (const aadsts of ['7000222', '7000215', '7000218', '700016', '7000112']) {
        expect([aadsts, context, mapTokenError(aadsts === '700016' ? 'unauthorized_client' : 'invalid_client', aadsts, context)]).toEqual([aadsts, context, 'SERVICE_CREDENTIALS_REJECTED']);
      }
    }
    expect(isConnectionLost('SERVICE_CREDENTIALS_REJECTED')).toBe(false);
    // invalid_client / unauthorized_client with any other number too: client authentication is the API's (RFC 6749 5.2).
    expect(mapTokenError('invalid_client', '70002', 'refresh')).toBe('SERVICE_CREDENTIALS_REJECTED');
    expect(mapTokenError('unauthorized_client', '700011', 'refresh')).toBe('SERVICE_CREDENTIALS_REJECTED');
  });

  it('mapTokenError - Conditional Access blocking the API\'s sign-ins is its own lost reason (no Reconnect); the platform\'s transient errors are passing', () => {
    for (const aadsts of ['53000', '53001', '53002', '53003', '530032', '530035']) {
      expect([aadsts, mapTokenError('invalid_grant', aadsts, 'refresh')]).toEqual([aadsts, 'CONDITIONAL_ACCESS_BLOCKED']);
    }
    expect(isConnectionLost('CONDITIONAL_ACCESS_BLOCKED')).toBe(true);
    for (const aadsts of ['50033', '90006', '90024', '90033', '90090']) {
      expect([aadsts, mapTokenError('invalid_grant', aadsts, 'refresh')]).toEqual([aadsts, 'SERVICE_UNAVAILABLE']);
    }
    expect(mapTokenError('invalid_request', '90055', 'refresh')).toBe('THROTTLED');
  });

  it('mapTokenError - the API\'s own app-only token refused is the service\'s fault whatever the number (no account is involved), passing faults stay passing', () => {
    // A Conditional Access policy for workload identities, a disabled account's number, consent, a plain invalid_grant.
    for (const [error, aadsts] of [['invalid_grant', '53003'], ['invalid_grant', '53000'], ['invalid_grant', '50057'], ['invalid_grant', '65001'], ['invalid_grant', undefined], ['invalid_client', '7000222']] as const) {
      expect([error, aadsts, mapTokenError(error, aadsts, 'app')]).toEqual([error, aadsts, 'SERVICE_CREDENTIALS_REJECTED']);
    }
    expect(mapTokenError('invalid_grant', '90033', 'app')).toBe('SERVICE_UNAVAILABLE');
    expect(mapTokenError('invalid_request', '90055', 'app')).toBe('THROTTLED');
    expect(mapTokenError('temporarily_unavailable', undefined, 'app')).toBe('SERVICE_UNAVAILABLE');
    expect(identityError({ errorCode: 'invalid_grant', errorMessage: 'AADSTS53003: Access has been blocked by Conditional Access policies.' }, 'app').code).toBe('SERVICE_CREDENTIALS_REJECTED');
  });

  it('identityError - an identity platform that does not answer as itself, answers 429/5xx, or that MSAL replays from its throttling cache is passing', () => {
    expect(identityError({ errorCode: 'token_parsing_error', errorMessage: 'Unexpected token < in JSON' }, 'refresh').code).toBe('SERVICE_UNAVAILABLE');
    // MSAL's throttling cache answers again with the numbers as the error code (ThrottlingUtils.preProcess).
    expect(identityError({ errorCode: '90033', errorMessage: 'AADSTS90033: A transient error has occurred.' }, 'refresh').code).toBe('SERVICE_UNAVAILABLE');
    expect(identityError({ errorCode: '50173 90033', errorMessage: 'AADSTS50173: x' }, 'refresh').code).toBe('SERVICE_UNAVAILABLE');
    expect(identityError({ errorCode: 'invalid_grant', errorMessage: 'AADSTS50173: revoked', status: 503 }, 'refresh').code).toBe('SERVICE_UNAVAILABLE');
    expect(identityError({ errorCode: 'invalid_grant', errorMessage: 'AADSTS50173: revoked', status: 429 }, 'refresh').code).toBe('THROTTLED');
    // A plain answer still decides: a revoked grant is lost.
    expect(identityError({ errorCode: 'invalid_grant', errorMessage: 'AADSTS50173: revoked', status: 400 }, 'refresh').code).toBe('TOKEN_REVOKED');
  });

  it('mapCallbackError - a declined consent, a missing admin approval and a disabled account', () => {
    expect(mapCallbackError('access_denied', 'AADSTS65004: User declined to consent to access the app.')).toBe('CONSENT_DECLINED');
    expect(mapCallbackError('access_denied', 'AADSTS90094: The grant requires admin permission.')).toBe('CONSENT_REQUIRED');
    expect(mapCallbackError('access_denied', undefined)).toBe('CONSENT_DECLINED');
    expect(mapCallbackError('consent_required', 'AADSTS65001: ...')).toBe('CONSENT_REQUIRED');
    expect(mapCallbackError('invalid_request', 'AADSTS90094: admin')).toBe('CONSENT_REQUIRED');
    expect(mapCallbackError('invalid_grant', 'AADSTS50057: The user account is disabled.')).toBe('ACCOUNT_DISABLED');
    expect(mapCallbackError('server_error', undefined)).toBe('SIGN_IN_FAILED');
  });

  it('mapGraphError - mailbox gone, throttled, revoked, forbidden', () => {
    expect(mapGraphError(404, 'MailboxNotEnabledForRESTAPI')).toBe('MAILBOX_NOT_FOUND');
    expect(mapGraphError(404, 'ResourceNotFound')).toBe('MAILBOX_NOT_FOUND');
    expect(mapGraphError(429, 'TooManyRequests')).toBe('THROTTLED');
    expect(mapGraphError(401, 'InvalidAuthenticationToken')).toBe('TOKEN_REVOKED');
    expect(mapGraphError(403, 'ErrorAccessDenied')).toBe('PERMISSIONS_MISSING');
    expect(mapGraphError(400, 'ErrorInvalidRecipients')).toBe('RECIPIENT_REJECTED');
    expect(mapGraphError(503, 'ServiceNotAvailable')).toBe('SERVICE_UNAVAILABLE');
  });

  it('mapSmtpError - Exchange\'s outbound spam filter restricting the sender (after DATA) blocks the mailbox, not a passing fault', () => {
    expect(mapSmtpError(554, '554 5.2.0 STOREDRV.Submission.Exception:OutboundSpamException; Failed to process message due to a permanent exception with message [BeginDiagnosticData]WASCL UserAction verdict is not None. Actual verdict is Suspend, ShowTierUpgrade.[EndDiagnosticData]', 'EMESSAGE', 'password', 'DATA')).toBe('SENDING_BLOCKED');
    // Another 5.2.0 after DATA stays what it was.
    expect(mapSmtpError(554, '554 5.2.0 STOREDRV.Submission.Exception:StoragePermanentException', 'EMESSAGE', 'password', 'DATA')).toBe('SMTP_UNAVAILABLE');
  });

  it('mapSmtpError - Exchange Online replies by context', () => {
    expect(mapSmtpError(535, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox. Visit https://aka.ms/smtp_auth_disabled for more information.', 'EAUTH', 'oauth')).toBe('SMTP_AUTH_DISABLED');
    expect(mapSmtpError(535, '535 5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Tenant.', 'EAUTH', 'password')).toBe('SMTP_AUTH_DISABLED');
    expect(mapSmtpError(535, '535 5.7.139 Authentication unsuccessful, basic authentication is disabled.', 'EAUTH', 'password')).toBe('BASIC_AUTH_DISABLED');
    expect(mapSmtpError(550, '550 5.7.30 Basic authentication is not supported for Client Submission. [BN8PR03CA0012.namprd03.prod.outlook.com]', 'EAUTH', 'password')).toBe('BASIC_AUTH_RETIRED');
    expect(mapSmtpError(535, '535 5.7.139 Authentication unsuccessful, user is locked by your organization\'s security defaults policy.', 'EAUTH', 'password')).toBe('BASIC_AUTH_DISABLED');
    expect(mapSmtpError(535, '535 5.7.139 Authentication unsuccessful, the request did not meet the criteria to be authenticated successfully. Contact your administrator.', 'EAUTH', 'password')).toBe('APP_PASSWORD_REQUIRED');
    expect(mapSmtpError(535, '535 5.7.3 Authentication unsuccessful', 'EAUTH', 'password')).toBe('BAD_CREDENTIALS');
    expect(mapSmtpError(535, '535 5.7.3 Authentication unsuccessful', 'EAUTH', 'oauth')).toBe('TOKEN_REVOKED');
    expect(mapSmtpError(550, '550 5.1.10 RESOLVER.ADR.RecipientNotFound', 'EENVELOPE', 'oauth')).toBe('RECIPIENT_REJECTED');
    expect(mapSmtpError(432, '432 4.3.2 STOREDRV.ClientSubmit; sender thread limit exceeded', 'EENVELOPE', 'oauth')).toBe('THROTTLED');
    expect(mapSmtpError(undefined, undefined, 'ECONNECTION', 'password')).toBe('SMTP_UNAVAILABLE');
  });

  it('smtpUpstream - keeps the reply and enhanced codes, never the reply text', () => {
    expect(smtpUpstream(535, '535 5.7.139 Authentication unsuccessful, the user credentials were incorrect. secret')).toBe('SMTP 535 5.7.139');
    expect(smtpUpstream(undefined, 'x')).toBeUndefined();
  });
});

describe('authorisation decisions', () => {
  const clients = { delegated: ['web'], app: ['app1', 'a'] };
  it('principalFromClaims - delegated tokens by scp, app tokens by roles', () => {
    const user = principalFromClaims({ oid: 'u1', azp: 'web', scp: 'user_impersonation User.Read', preferred_username: 'a@b', tid: 't', wids: ['62e90394-69f5-4237-9190-012177145e10'] }, 'tok', clients);
    expect(user).toMatchObject({ kind: 'user', objectId: 'u1', scopes: ['user_impersonation', 'User.Read'], isTenantAdmin: true });
    const app = principalFromClaims({ azp: 'app1', idtyp: 'app', roles: ['Notifications.Send'], tid: 't' }, 'tok', clients);
    expect(app).toMatchObject({ kind: 'app', appId: 'app1', roles: ['Notifications.Send'] });
  });

  it('authorize - scope for users, role for apps, apps only where a role is accepted', () => {
    const user = principalFromClaims({ oid: 'u1', azp: 'web', scp: 'User.Read', tid: 't' }, 'tok', clients);
    expect(codeOf(() => authorize(user, { delegatedScope: 'user_impersonation' }))).toBe('SCOPE_MISSING');
    const app = principalFromClaims({ azp: 'a', idtyp: 'app', tid: 't' }, 'tok', clients);
    expect(codeOf(() => authorize(app, { delegatedScope: 'user_impersonation', appRole: 'Notifications.Send' }))).toBe('APP_ROLE_MISSING');
    const appWithRole = principalFromClaims({ azp: 'a', idtyp: 'app', roles: ['Notifications.Send'], tid: 't' }, 'tok', clients);
    expect(codeOf(() => authorize(appWithRole, { delegatedScope: 'user_impersonation' }))).toBe('USER_ONLY');
    expect(codeOf(() => authorize(appWithRole, { delegatedScope: 'user_impersonation', appRole: 'Notifications.Send' }))).toBeUndefined();
  });

  it('canManageWeb - reads ManageWeb from both OData shapes', () => {
    expect(canManageWeb({ High: '2147483647', Low: '4294967295' })).toBe(true);
    expect(canManageWeb({ d: { EffectiveBasePermissions: { High: '176', Low: '138612833' } } })).toBe(false);
    expect(canManageWeb({ EffectiveBasePermissions: { High: 432, Low: 1011028719 } })).toBe(false);
    expect(canManageWeb({ EffectiveBasePermissions: { High: 432, Low: 1073741825 } })).toBe(true);
    expect(canManageWeb(null)).toBe(false);
  });

  it('rateLimitKey - counts per verified caller, else per address (never per unverified claims)', () => {
    const user = principalFromClaims({ oid: 'o', azp: 'web', scp: 'user_impersonation', tid: 't' }, 'tok', clients);
    const app = principalFromClaims({ azp: 'a', idtyp: 'app', roles: ['Notifications.Send'], tid: 't' }, 'tok', clients);
    expect(rateLimitKey({ principal: user, ip: '1.2.3.4' })).toBe('user:t:o');
    expect(rateLimitKey({ principal: app, ip: '1.2.3.4' })).toBe('app:t:a');
    expect(rateLimitKey({ principal: null, ip: '1.2.3.4' })).toBe('ip:1.2.3.4');
    expect(rateLimitKey({ principal: null, ip: '1.2.3.4:61598' })).toBe('ip:1.2.3.4');
  });

  it('clientAddress - an address without the port a front end may add; IPv6 and bare addresses as they are', () => {
    expect(['203.0.113.7:54321', '203.0.113.7', '[2001:db8::1]:443', '[2001:db8::1]', '2001:db8::1', '::ffff:10.0.0.1', 'unknown'].map(clientAddress))
      .toEqual(['203.0.113.7', '203.0.113.7', '2001:db8::1', '2001:db8::1', '2001:db8::1', '::ffff:10.0.0.1', 'unknown']);
    // Only a whole address with a port loses it: anything around it is kept as it came.
    expect(['x[2001:db8::1]:443', '[2001:db8::1]:443x', 'x203.0.113.7:1', '203.0.113.7:1x'].map(clientAddress)).toEqual(['x[2001:db8::1]:443', '[2001:db8::1]:443x', 'x203.0.113.7:1', '203.0.113.7:1x']);
  });

  it('addressBucket - an IPv6 address counts as its /64 (a network hands out 2^64 of them), written one way; IPv4, IPv4-mapped and the rest as their address', () => {
    const same = ['[2001:db8:a:b::1]:443', '2001:db8:a:b:ffff:ffff:ffff:ffff', '2001:0DB8:000a:000b::', '2001:db8:a:b:1:2:3.4.5.6'];
    expect(new Set(same.map(addressBucket))).toEqual(new Set(['2001:db8:a:b::/64']));
    expect(addressBucket('2001:db8:a:c::1')).toBe('2001:db8:a:c::/64');
    expect(addressBucket('::1')).toBe('0:0:0:0::/64');
    expect(addressBucket('fe80::1')).toBe('fe80:0:0:0::/64');
    expect(addressBucket('2001:db8::')).toBe('2001:db8:0:0::/64');
    expect(addressBucket('64:ff9b::192.0.2.1')).toBe('64:ff9b:0:0::/64');
    expect(['203.0.113.7:54321', '::ffff:10.0.0.1', '[::FFFF:10.0.0.1]:80', 'unknown'].map(addressBucket)).toEqual(['203.0.113.7', '10.0.0.1', '10.0.0.1', 'unknown']);
    expect(rateLimitKey({ principal: null, ip: '2001:db8:a:b::7' })).toBe(rateLimitKey({ principal: null, ip: '2001:db8:a:b:9::' }));
    // A short head: groups after '::' (an IPv4 tail counting two) can fall within the /64.
    expect(['1::2:3:4:5:6', '1::2:3:4:1.2.3.4', '1:0:0:2:3:4:5:6', '2001:DB8::'].map(addressBucket)).toEqual(['1:0:0:2::/64', '1:0:0:2::/64', '1:0:0:2::/64', '2001:db8:0:0::/64']);
    expect(['::ffff:192.168.10.20', '::ffff:10.0.0.1x', 'x::ffff:10.0.0.1'].map(addressBucket)).toEqual(['192.168.10.20', '::ffff:10.0.0.1x', 'x::ffff:10.0.0.1']);
  });
});

describe('catalog ids', () => {
  const origin = 'https://localhost:4800';
  it('normaliseCatalog - lower-cases scheme and host, drops the trailing slash', () => {
    expect(normaliseCatalog('HTTPS://LOCALHOST:4800/sites/Catalog-A/', origin)).toBe('https://localhost:4800/sites/Catalog-A');
  });
  it('normaliseCatalog - refuses other hosts, subsites, queries, credentials and junk', () => {
    for (const bad of ['https://evil.example/sites/a', 'https://localhost:4800/sites/a/b', 'https://localhost:4800/sites/a?x', 'https://u:p@localhost:4800/sites/a', 'http://localhost:4800/sites/a', '', 'sites/a', 'https://localhost:4800/']) {
      expect({ bad, code: codeOf(() => normaliseCatalog(bad, origin)) }).toEqual({ bad, code: 'CATALOG_INVALID' });
    }
  });
  it('normaliseCatalog - the refusal says what is expected: the tenant\'s SharePoint address, a URL encoded once', () => {
    const detail = (raw: string): string | undefined => {
      try {
        normaliseCatalog(raw, origin);
        return undefined;
      } catch (error) {
        return (error as ApiError).detail;
      }
    };
    expect(detail('http://localhost:4800/sites/a')).toBe('The catalog is not under this tenant\'s SharePoint address, https://localhost:4800.');
    expect(detail(encodeURIComponent('https://localhost:4800/sites/a'))).toBe('The catalog is not an absolute URL: it looks percent-encoded twice - encode the site URL once (encodeURIComponent).');
    expect(detail('sites/a')).toBe('The catalog is not an absolute URL.');
  });
  it('catalogKey - one key per site whatever the case of its URL', () => {
    expect(catalogKey('https://localhost:4800/sites/Catalog-A')).toBe(catalogKey('https://localhost:4800/sites/catalog-a'));
    expect(catalogKey('https://localhost:4800/sites/catalog-a')).not.toBe(catalogKey('https://localhost:4800/sites/catalog-b'));
  });
  it('normaliseCatalog - never throws anything but CATALOG_INVALID on arbitrary input', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const code = codeOf(() => normaliseCatalog(s, origin));
      expect(code === undefined || code === 'CATALOG_INVALID').toBe(true);
    }));
  });
});

describe('sign-in state', () => {
  it('newSignIn - random state, verifier and nonce; S256 challenge of the verifier; 10 minutes', () => {
    const a = newSignIn(1000);
    const b = newSignIn(1000);
    expect(a.state).not.toBe(b.state);
    expect(a.verifier).not.toBe(b.verifier);
    expect(isWellFormedState(a.state)).toBe(true);
    expect(a.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.challenge).toBe(pkceChallenge(a.verifier));
    expect(a.expiresAt).toBe(1000 + SIGN_IN_LIFETIME_MS);
  });
  it('pkceChallenge - matches RFC 7636 appendix B', () => {
    expect(pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
  it('checkNotExpired - refuses at and after the expiry', () => {
    expect(codeOf(() => checkNotExpired(100, 99))).toBeUndefined();
    expect(codeOf(() => checkNotExpired(100, 100))).toBe('STATE_EXPIRED');
  });
  it('checkNonce - refuses a missing or different nonce', () => {
    expect(codeOf(() => checkNonce('n', 'n'))).toBeUndefined();
    expect(codeOf(() => checkNonce('n', 'm'))).toBe('STATE_INVALID');
    expect(codeOf(() => checkNonce('n', undefined))).toBe('STATE_INVALID');
  });
  it('stateKey - stores a hash, not the state', () => {
    expect(stateKey('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(stateKey('abc')).not.toContain('abc');
  });
  it('isWellFormedState - refuses anything that is not 43 base64url characters', () => {
    expect(isWellFormedState('x'.repeat(42))).toBe(false);
    expect(isWellFormedState(`${'x'.repeat(42)}=`)).toBe(false);
    expect(isWellFormedState(undefined)).toBe(false);
  });
});

describe('connection model', () => {
  it('applySettings - sets the switch and the Modern transport; recipients are trimmed, lower-cased, de-duplicated', () => {
    const record = emptyConnection('c', 'id');
    expect(applySettings(record, { enabled: true, transport: 'smtp-oauth', alertRecipients: [' A@x.test', 'a@x.test', 'b@x.test'] })).toMatchObject({ enabled: true, transport: 'smtp-oauth', alertRecipients: ['a@x.test', 'b@x.test'] });
    expect(applySettings({ ...record, method: 'classic' }, { transport: 'smtp-oauth' })).toMatchObject({ method: 'classic', transport: 'smtp-oauth' });
    // A change names only what it changes: the rest stays as it was.
    const set = { ...record, enabled: true, transport: 'smtp-oauth' as const, alertRecipients: ['a@x.test'] };
    expect(applySettings(set, { alertRecipients: [] })).toEqual({ ...set, alertRecipients: [] });
    expect(applySettings(set, { enabled: false })).toEqual({ ...set, enabled: false });
    expect(applySettings(set, { transport: 'graph' })).toEqual({ ...set, transport: 'graph' });
    expect(applySettings(set, {})).toEqual(set);
  });
  it('emptyConnection - switched off, nothing connected, Graph as the Modern transport, nobody alerted', () => {
    expect(emptyConnection('https://t.test/sites/a', 'conn-1')).toEqual({
      catalog: 'https://t.test/sites/a', connectionId: 'conn-1', generation: 0, enabled: false, method: null, transport: 'graph', account: null, homeAccountId: null,
      health: { state: 'not-connected', code: null, checkedAt: null }, alertRecipients: [], lastTokenUseAt: null, connectedBy: null, connectedAt: null
    });
  });
  it('toView - who disconnected the last account and when, only while no account is connected (a record stored before it was kept reads null)', () => {
    const consent = { granted: false, smtpGranted: false, canGrant: false };
    const rooms = { available: false, adminApproval: null };
    const gone = disconnected({ ...emptyConnection('c', 'id'), method: 'classic' as const, account: { email: 'a@x', displayName: 'a@x' } }, '2026-12-01T08:00:00.000Z', 'megan@x');
    expect(toView(gone, '"e"', consent, rooms).disconnected).toEqual({ account: 'a@x', by: 'megan@x', at: '2026-12-01T08:00:00.000Z' });
    expect(toView({ ...gone, method: 'modern' }, '"e"', consent, rooms).disconnected).toBeNull();
    expect(toView(emptyConnection('c', 'id'), '"e"', consent, rooms).disconnected).toBeNull();
    // Only a secret was left (no account recorded): who and when, no account.
    expect(disconnected(emptyConnection('c', 'id'), 'now', 'megan@x').disconnected).toEqual({ account: null, by: 'megan@x', at: 'now' });
  });
  it('isWorking - connected, or a check that could not tell (error); not lost, not never connected', () => {
    const of = (state: 'connected' | 'error' | 'lost' | 'not-connected') => isWorking({ health: { state, code: null, checkedAt: null } });
    expect([of('connected'), of('error'), of('lost'), of('not-connected')]).toEqual([true, true, false, false]);
  });
  it('toView - while lost, since when (the open incident\'s start, not the last probe); a resolved incident adds nothing; a block shows only while an account is connected; the list warning only when there is one', () => {
    const incident = (resolvedAt: string | null): Incident => ({ id: 'i1', code: 'TOKEN_REVOKED', since: '2026-12-01T08:00:00.000Z', alert: { sentAt: null, claimedUntil: null } as unknown as Incident['alert'], reminder: null, resolvedAt, restored: null, atResolution: null });
    const lost = { ...emptyConnection('c', 'id'), method: 'modern' as const, health: { state: 'lost' as const, code: 'TOKEN_REVOKED' as const, checkedAt: '2026-12-01T09:00:00.000Z' } };
    const consent = { granted: false, smtpGranted: false, canGrant: false };
    const rooms = { available: false, adminApproval: null };
    expect(toView({ ...lost, incident: incident(null) }, '"e"', consent, rooms).health).toEqual({ ...lost.health, since: '2026-12-01T08:00:00.000Z' });
    expect(toView({ ...lost, incident: incident('2026-12-01T10:00:00.000Z') }, '"e"', consent, rooms).health).toEqual(lost.health);
    expect(toView({ ...lost, incident: null }, '"e"', consent, rooms).health).toEqual(lost.health);
    const connected = { ...lost, health: { state: 'connected' as const, code: null, checkedAt: null }, incident: incident(null) };
    expect(toView(connected, '"e"', consent, rooms).health).toEqual(connected.health);
    const blocked = { code: 'SEND_AS_DENIED' as const, since: '2026-12-01T08:00:00.000Z' };
    const view = toView({ ...connected, blocked, connectedAt: undefined as unknown as null }, '"e"', consent, rooms, { code: 'SERVICE_UNAVAILABLE', failedAt: 'then' });
    expect(view).toMatchObject({ sendingBlocked: blocked, settingsListWarning: { code: 'SERVICE_UNAVAILABLE', failedAt: 'then' }, connectedAt: null, etag: '"e"', orgConsent: consent, rooms, outbox: null });
    const plain = toView({ ...connected, blocked, method: null }, '"e"', consent, rooms);
    expect(Object.keys(plain)).not.toContain('sendingBlocked');
    expect(Object.keys(plain)).not.toContain('settingsListWarning');
  });
  it('settingsEtag - changes with the connection and every admin setting, not with what the API itself records; W/"new" for a record never stored', () => {
    const base = { ...emptyConnection('c', 'id'), generation: 2, method: 'modern' as const, account: { email: 'a@x.test', displayName: 'A' }, connectedAt: '2026-12-01T00:00:00.000Z' };
    const etag = settingsEtag(base, '"storage-1"');
    expect(etag).toMatch(/^"s1-[A-Za-z0-9_-]{27}"$/);
    expect(settingsEtag(base, '"storage-2"')).toBe(etag);
    expect(settingsEtag(base, 'W/"new"')).toBe('W/"new"');
    const bookkeeping = { ...base, health: { state: 'lost' as const, code: 'TOKEN_REVOKED' as const, checkedAt: 'now' }, lastTokenUseAt: 'now', incident: null, homeAccountId: 'h', connectedBy: 'someone' };
    expect(settingsEtag(bookkeeping, '"x"')).toBe(etag);
    const changes = [{ connectionId: 'other' }, { generation: 3 }, { method: 'classic' as const }, { account: { email: 'b@x.test', displayName: 'A' } }, { account: null }, { connectedAt: '2026-12-02T00:00:00.000Z' }, { enabled: true }, { transport: 'smtp-oauth' as const }, { alertRecipients: ['a@x.test'] }];
    const etags = changes.map((change) => settingsEtag({ ...base, ...change }, '"x"'));
    expect(etags.filter((e) => e === etag)).toEqual([]);
    expect(new Set(etags).size).toBe(changes.length);
  });
  it('disconnected - forgets account and method, keeps the switch and recipients; says which account, who and when', () => {
    const connected = { ...emptyConnection('c', 'id'), enabled: true, method: 'classic' as const, transport: 'smtp-oauth' as const, account: { email: 'a@x', displayName: 'A' }, alertRecipients: ['a@x'] };
    expect(disconnected(connected, 'now', 'megan@x')).toMatchObject({ enabled: true, method: null, transport: 'smtp-oauth', account: null, alertRecipients: ['a@x'], health: { state: 'not-connected', checkedAt: 'now' }, disconnected: { account: 'a@x', by: 'megan@x', at: 'now' } });
  });
  it('needsKeepAlive - only connected modern connections idle for the configured days', () => {
    const day = 86_400_000;
    const base = { ...emptyConnection('c', 'id'), method: 'modern' as const, health: { state: 'connected' as const, code: null, checkedAt: null } };
    expect(needsKeepAlive({ ...base, lastTokenUseAt: new Date(0).toISOString() }, 15 * day, 14)).toBe(true);
    expect(needsKeepAlive({ ...base, lastTokenUseAt: new Date(2 * day).toISOString() }, 15 * day, 14)).toBe(false);
    expect(needsKeepAlive({ ...base, method: 'classic', lastTokenUseAt: null }, 15 * day, 14)).toBe(false);
    expect(needsKeepAlive({ ...base, health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: null }, lastTokenUseAt: null }, 15 * day, 14)).toBe(false);
  });
  it('isConnectionLost - revoked, bad password or missing mailbox lose the connection; throttling does not', () => {
    expect(isConnectionLost('TOKEN_REVOKED')).toBe(true);
    expect(isConnectionLost('BAD_CREDENTIALS')).toBe(true);
    expect(isConnectionLost('THROTTLED')).toBe(false);
    expect(isConnectionLost('SERVICE_UNAVAILABLE')).toBe(false);
  });
  it('missingPermissions and coversOrganisation - compare scope names without resource prefixes', () => {
    expect(missingPermissions(['https://graph.microsoft.com/Mail.Send', 'user.read'], ['Mail.Send', 'User.Read', 'Place.Read.All'])).toEqual(['Place.Read.All']);
    expect(coversOrganisation([{ consentType: 'AllPrincipals', scope: 'Mail.Send Place.Read.All Calendars.ReadWrite OnlineMeetings.ReadWrite User.Read' }])).toBe(true);
    expect(coversOrganisation([{ consentType: 'Principal', scope: 'Mail.Send Place.Read.All Calendars.ReadWrite OnlineMeetings.ReadWrite User.Read' }])).toBe(false);
  });
});

describe('configuration', () => {
  it('loadConfig - registered catalogs are normalised as a request\'s catalog is (host case, :443, a trailing slash); one that is not a site under the origin stays as written', () => {
    const config = loadConfig({ SHAREPOINT_ORIGIN: 'https://contoso.sharepoint.com', REGISTERED_CATALOGS: 'https://Contoso.SharePoint.com:443/sites/Catalog-A/,https://contoso.sharepoint.com/teams/b,https://elsewhere.example/sites/c/' }, '/repo');
    expect(config.registeredCatalogs).toEqual(['https://contoso.sharepoint.com/sites/Catalog-A', 'https://contoso.sharepoint.com/teams/b', 'https://elsewhere.example/sites/c']);
  });
  it('loadConfig - development needs nothing', () => {
    const config = loadConfig({}, '/repo');
    expect(config).toMatchObject({ port: 4700, authorityHost: 'https://localhost:4800', storage: { embeddedAzurite: true, tablePort: 4810, queuePort: 4811 }, kek: { kind: 'local', file: '/repo/.local/keys/kek.json' } });
  });
  it('outbox retention - the job cuts at OUTBOX_CONTENT_DAYS and OUTBOX_HISTORY_DAYS (0 keeps), for every catalog, and counts a catalog that failed', async () => {
    const asked: Array<[string, unknown]> = [];
    const warned: unknown[] = [];
    const monitorWith = (env: Record<string, string>): HealthMonitor => new HealthMonitor({
      config: loadConfig(env, '/repo'),
      log: { warn: (fields: unknown, message: string) => warned.push([fields, message]) },
      connections: { all: async function* () { yield* ['a', 'b', 'bad'].map((catalog) => ({ record: { catalog } })); } },
      service: { purgeSignIns: async () => 1 },
      // Classic attempt counters whose window ended before now (the job's clock).
      purgeAttempts: async (before: number) => (before === 100 * 86_400_000 ? 4 : -1),
      prune: async (catalog: string, cutoffs: unknown) => {
        asked.push([catalog, cutoffs]);
        if (catalog === 'bad') {
          throw new Error('storage');
        }
        return { dropped: 2, deleted: 1, leftovers: 1 };
      },
      // What expired in a held catalog is recorded first (here: 3 in "a"), so its content goes by the same cut.
      expireHeld: async (record: { catalog: string }) => {
        asked.push([record.catalog, 'expire']);
        return record.catalog === 'a' ? 3 : 0;
      },
      now: () => 100 * 86_400_000
    } as unknown as ConstructorParameters<typeof HealthMonitor>[0]);
    expect(await monitorWith({}).prune()).toEqual({ catalogs: 2, expired: 3, dropped: 4, deleted: 2, leftovers: 2, sessions: 0, invitations: 0, signIns: 1, attempts: 4, failed: 1 });
    // The job runs once a day: the catalog that failed is named, with its code, for the operator.
    expect(warned).toEqual([[{ job: 'outbox-retention', catalog: 'bad', code: 'INTERNAL_ERROR' }, 'retention failed for a catalog: it is taken again next run']]);
    expect(asked.filter(([, what]) => what === 'expire').map(([c]) => c)).toEqual(['a', 'b', 'bad']);
    asked.splice(0, asked.length, ...asked.filter(([, what]) => what !== 'expire'));
    expect(asked).toEqual(['a', 'b', 'bad'].map((c) => [c, { contentBefore: 70 * 86_400_000, historyBefore: 10 * 86_400_000 }]));
    asked.length = 0;
    await monitorWith({ OUTBOX_CONTENT_DAYS: '0', OUTBOX_HISTORY_DAYS: '7' }).prune();
    expect(asked[1]).toEqual(['a', { contentBefore: undefined, historyBefore: 93 * 86_400_000 }]);
    asked.length = 0;
    await monitorWith({ OUTBOX_HISTORY_DAYS: '0' }).prune();
    expect(asked[1]).toEqual(['a', { contentBefore: 70 * 86_400_000, historyBefore: undefined }]);
  });
  it('outbox retention - the job runs with every retention period 0 too (it closes what expired in catalogs that cannot send, removes abandoned sign-ins); OUTBOX_CONTENT_INTERVAL_SECONDS=0 turns it off', () => {
    const periodOf = (env: Record<string, string>): number | undefined => new HealthMonitor({ config: loadConfig(env, '/repo') } as unknown as ConstructorParameters<typeof HealthMonitor>[0]).schedule().find((j) => j.name === 'outbox-retention')?.everySeconds;
    expect(periodOf({ OUTBOX_CONTENT_DAYS: '0', OUTBOX_HISTORY_DAYS: '0', SESSION_RETENTION_DAYS: '0' })).toBe(86_400);
    expect(periodOf({ OUTBOX_CONTENT_INTERVAL_SECONDS: '0' })).toBe(0);
  });
  it('outbox retention - sessions ended SESSION_RETENTION_DAYS ago are forgotten in each catalog (0 keeps them), counted with their invitations', async () => {
    const cuts: Array<[string, number]> = [];
    const monitorWith = (env: Record<string, string>): HealthMonitor => new HealthMonitor({
      config: loadConfig(env, '/repo'),
      connections: { all: async function* () { yield* ['a', 'b'].map((catalog) => ({ record: { catalog } })); } },
      service: { purgeSignIns: async () => 0 },
      prune: async () => ({ dropped: 0, deleted: 0, leftovers: 0 }),
      sessions: {
        learnRoomAnswers: async () => ({}),
        forgetEnded: async (catalog: string, before: number) => {
          cuts.push([catalog, before]);
          return { sessions: 2, invitations: 3 };
        }
      },
      now: () => 100 * 86_400_000
    } as unknown as ConstructorParameters<typeof HealthMonitor>[0]);
    expect(await monitorWith({}).prune()).toMatchObject({ catalogs: 2, sessions: 4, invitations: 6 });
    expect(cuts).toEqual([['a', 10 * 86_400_000], ['b', 10 * 86_400_000]]);
    cuts.length = 0;
    expect(await monitorWith({ SESSION_RETENTION_DAYS: '30' }).prune()).toMatchObject({ sessions: 4 });
    expect(cuts[0]).toEqual(['a', 70 * 86_400_000]);
    cuts.length = 0;
    expect(await monitorWith({ SESSION_RETENTION_DAYS: '0' }).prune()).toMatchObject({ sessions: 0, invitations: 0 });
    expect(cuts).toEqual([]);
  });
  it('health monitor - probes HEALTH_PROBE_CONCURRENCY catalogs at a time: a slow one does not hold the others up, and every one is probed', async () => {
    let inFlight = 0;
    let most = 0;
    const probed: string[] = [];
    let releaseSlow: () => void = () => undefined;
    const slow = new Promise<void>((resolve) => { releaseSlow = resolve; });
    const catalogs = Array.from({ length: 20 }, (_, i) => `c${i}`);
    const monitor = new HealthMonitor({
      config: loadConfig({ HEALTH_PROBE_CONCURRENCY: '3' }, '/repo'),
      connections: { all: async function* () { yield* catalogs.map((catalog) => ({ record: { catalog, method: 'modern', enabled: true, health: { state: 'connected' } } })); } },
      service: {
        probe: async (record: { catalog: string }) => {
          inFlight++;
          most = Math.max(most, inFlight);
          await (record.catalog === 'c0' ? slow : new Promise((resolve) => setTimeout(resolve, 5)));
          probed.push(record.catalog);
          inFlight--;
          return 'connected';
        }
      },
      alerts: { dispatch: async () => null },
      log: { info: () => undefined, warn: () => undefined }
    } as unknown as ConstructorParameters<typeof HealthMonitor>[0]);
    const sweeping = monitor.sweep();
    // All but the slow one are probed beside it, never more than three at a time.
    for (let i = 0; i < 100 && probed.length < 19; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(probed).toHaveLength(19);
    expect(probed).not.toContain('c0');
    releaseSlow();
    expect(await sweeping).toMatchObject({ probed: 20, failed: 0 });
    expect(most).toBe(3);
    expect(loadConfig({}, '/repo').alerts.probeConcurrency).toBe(8);
  });
  it('health monitor - probes side by side, incident notices one at a time (they all go from the one system mailbox)', async () => {
    let sending = 0;
    let most = 0;
    const monitor = new HealthMonitor({
      config: loadConfig({ HEALTH_PROBE_CONCURRENCY: '4' }, '/repo'),
      connections: { all: async function* () { yield* Array.from({ length: 6 }, (_, i) => ({ record: { catalog: `c${i}`, method: 'modern', enabled: true, health: { state: 'lost' }, incident: { id: `i${i}` } } })); } },
      service: { probe: async () => 'lost' },
      alerts: {
        dispatch: async () => {
          sending++;
          most = Math.max(most, sending);
          await new Promise((resolve) => setTimeout(resolve, 10));
          sending--;
          return 'alert';
        }
      },
      log: { info: () => undefined, warn: () => undefined }
    } as unknown as ConstructorParameters<typeof HealthMonitor>[0]);
    expect(await monitor.sweep()).toMatchObject({ probed: 6, notices: 6 });
    expect(most).toBe(1);
  });
  it('health monitor - a shutdown cuts the sweep short after the probes under way, not after every catalog\'s probe', async () => {
    const probed: string[] = [];
    const monitor = new HealthMonitor({
      config: loadConfig({ HEALTH_PROBE_CONCURRENCY: '1' }, '/repo'),
      connections: { all: async function* () { yield* ['a', 'b', 'c'].map((catalog) => ({ record: { catalog, method: 'modern', enabled: true, health: { state: 'connected' } } })); } },
      service: { probe: async (record: { catalog: string }) => { probed.push(record.catalog); await new Promise((resolve) => setTimeout(resolve, 200)); return 'connected'; } },
      alerts: { dispatch: async () => null },
      log: { info: () => undefined, warn: () => undefined }
    } as unknown as ConstructorParameters<typeof HealthMonitor>[0]);
    const sweeping = monitor.sweep();
    await new Promise((resolve) => setTimeout(resolve, 50));
    await monitor.stop();
    expect(await sweeping).toMatchObject({ probed: 1 });
    expect(probed).toEqual(['a']);
  });
  it('Azure credential - the managed identity alone on App Service, the developer chain elsewhere; one for the process', () => {
    expect(credentialFor({ IDENTITY_ENDPOINT: 'http://127.0.0.1:41741/msi/token', AZURE_CLIENT_ID: 'x', AZURE_CLIENT_SECRET: 'y', AZURE_TENANT_ID: 'z' })).toBeInstanceOf(ManagedIdentityCredential);
    expect(credentialFor({})).toBeInstanceOf(DefaultAzureCredential);
    expect(azureCredential()).toBe(azureCredential());
  });
  it('findRepoRoot - finds the repository from the sources and from the build output alike', () => {
    const repo = path.resolve(__dirname, '..', '..', '..');
    expect(findRepoRoot(path.join(repo, 'api', 'src', 'config'))).toBe(repo);
    expect(findRepoRoot(path.join(repo, 'api', 'dist', 'api', 'src', 'config'))).toBe(repo);
  });
  it('loadConfig - production names every missing setting at once', () => {
    let error: unknown;
    try {
      loadConfig({ NODE_ENV: 'production' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['API_PUBLIC_URL', 'TENANT_ID', 'AUTHORITY_HOST', 'GRAPH_URL', 'SHAREPOINT_ORIGIN', 'CLIENT_ID', 'CLIENT_SECRET', 'APP_ID_URI', 'ALLOWED_ORIGINS', 'SMTP_HOST', 'SMTP_PORT', 'STORAGE_CONNECTION_STRING', 'KEY_VAULT_KEY_ID', 'ALLOWED_APP_CLIENTS', 'TENANT_DOMAINS']) {
      expect(problems).toContain(`${name} is required`);
    }
  });
  it('loadConfig - production names each malformed setting', () => {
    let error: unknown;
    try {
      loadConfig({
        NODE_ENV: 'production', API_PUBLIC_URL: 'http://api.example', TENANT_ID: 'contoso', AUTHORITY_HOST: 'https://login.microsoftonline.com', GRAPH_URL: 'https://graph.microsoft.com/v1.0',
        SHAREPOINT_ORIGIN: 'https://contoso.sharepoint.com/sites', CLIENT_ID: '3f9a6b1c-2d4e-4f70-8a15-6c2b7e9d0a41', CLIENT_SECRET: 's', APP_ID_URI: 'lms', ALLOWED_ORIGINS: 'https://contoso.sharepoint.com,teams',
        SMTP_HOST: 'smtp.office365.com', SMTP_PORT: '99999', STORAGE_CONNECTION_STRING: 'nonsense', KEY_VAULT_KEY_ID: 'https://vault.example/secrets/x', PORT: 'eighty',
        ALLOWED_APP_CLIENTS: '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e', TENANT_DOMAINS: 'contoso.com'
      });
    } catch (e) {
      error = e;
    }
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual(expect.arrayContaining([
      expect.stringMatching(/^API_PUBLIC_URL must be an https URL/),
      'TENANT_ID must be a GUID',
      expect.stringMatching(/^SHAREPOINT_ORIGIN must be an origin \(/),
      expect.stringMatching(/^APP_ID_URI must start with api:\/\//),
      expect.stringMatching(/^ALLOWED_ORIGINS must be a comma-separated list of origins/),
      expect.stringMatching(/^SMTP_PORT must be a whole number/),
      expect.stringMatching(/^STORAGE_CONNECTION_STRING must be an Azure Storage connection string/),
      expect.stringMatching(/^KEY_VAULT_KEY_ID must be a Key Vault key identifier/),
      expect.stringMatching(/^PORT must be a whole number/)
    ]));
    expect(problems).toHaveLength(9);
  });
  /** What loadConfig refuses in `env`, every problem at once (none: it loaded). */
  const problemsOf = (env: Record<string, string>): string[] => {
    try {
      loadConfig(env, '/repo');
      return [];
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigError);
      return (e as ConfigError).problems;
    }
  };
  it('loadConfig - a malformed API_PUBLIC_URL is named beside the other problems (the Message-ID domain derived from it does not throw first); one SharePoint origin, a Graph resource without a path (read as its origin), both storage endpoints when there is no key, and a relative LOCAL_KEK_FILE named', () => {
    expect(problemsOf({ API_PUBLIC_URL: 'x.azurewebsites.net', TENANT_ID: 'nope' })).toEqual(['API_PUBLIC_URL must be an absolute URL', 'TENANT_ID must be a GUID']);
    expect(problemsOf({ SHAREPOINT_ORIGIN: 'https://a.sharepoint.com,https://b.sharepoint.com' })).toEqual(['SHAREPOINT_ORIGIN must be one origin (scheme://host[:port], no path)']);
    expect(problemsOf({ SHAREPOINT_ORIGIN: 'https://a.sharepoint.com/sites' })).toEqual([expect.stringMatching(/^SHAREPOINT_ORIGIN must be an origin \(/)]);
    expect(problemsOf({ GRAPH_RESOURCE: 'https://graph.microsoft.com/v1.0' })).toEqual([expect.stringMatching(/^GRAPH_RESOURCE must be an origin/)]);
    // An origin written with a trailing slash, in upper case or with its default port is that origin (Entra takes each).
    for (const written of ['https://graph.microsoft.com/', 'https://Graph.Microsoft.com', 'https://graph.microsoft.com:443']) {
      expect([problemsOf({ GRAPH_RESOURCE: written }), loadConfig({ GRAPH_RESOURCE: written }, '/repo').graphResource]).toEqual([[], 'https://graph.microsoft.com']);
    }
    expect(loadConfig({ SHAREPOINT_ORIGIN: 'https://Contoso.SharePoint.com/' }, '/repo').sharePointOrigin).toBe('https://contoso.sharepoint.com');
    // The allowed origins alike, each of the list: they are compared with the browser's Origin header.
    expect(loadConfig({ ALLOWED_ORIGINS: 'https://Contoso.SharePoint.com/, https://teams.microsoft.com:443' }, '/repo').allowedOrigins).toEqual(['https://contoso.sharepoint.com', 'https://teams.microsoft.com']);
    expect(problemsOf({ ALLOWED_ORIGINS: 'https://contoso.sharepoint.com,https://teams.microsoft.com/l/' })).toEqual(['ALLOWED_ORIGINS must be a comma-separated list of origins (scheme://host[:port], no path): "https://teams.microsoft.com/l/"']);
    expect(problemsOf({ GRAPH_RESOURCE: 'https://graph.microsoft.com/?x' })).toEqual([expect.stringMatching(/^GRAPH_RESOURCE must be an origin/)]);
    for (const sovereign of ['https://graph.microsoft.us', 'https://dod-graph.microsoft.us', 'https://microsoftgraph.chinacloudapi.cn']) {
      expect(loadConfig({ GRAPH_RESOURCE: sovereign }, '/repo').graphResource).toBe(sovereign);
    }
    expect(problemsOf({ STORAGE_CONNECTION_STRING: 'TableEndpoint=https://x.table.core.windows.net/' })).toEqual(['STORAGE_CONNECTION_STRING without a key must name both TableEndpoint=... and QueueEndpoint=...']);
    expect(problemsOf({ STORAGE_CONNECTION_STRING: 'TableEndpoint=https://x.table.core.windows.net/;QueueEndpoint=https://x.queue.core.windows.net/' })).toEqual([]);
    expect(problemsOf({ STORAGE_CONNECTION_STRING: 'DefaultEndpointsProtocol=https;AccountName=x;AccountKey=a2V5;EndpointSuffix=core.windows.net' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production', LOCAL_KEK_FILE: 'keys/kek.json' })).toContain('KEY_VAULT_KEY_ID is required (LOCAL_KEK_FILE, its stand-in outside Azure, must be an absolute path)');
  });
  it('loadConfig - a misspelt NODE_ENV, a Key Vault reference App Service could not resolve, and a test time scale in production are refused, not run with', () => {
    expect(problemsOf({ NODE_ENV: 'Production' })).toEqual(['NODE_ENV must be production or development (or unset for development), not "Production"']);
    expect(problemsOf({ NODE_ENV: 'development' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: '' })).toEqual([]);
    expect(problemsOf({ CLIENT_SECRET: '@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/secrets/api-client-secret/)' })).toEqual([expect.stringMatching(/^CLIENT_SECRET is an unresolved Key Vault reference/)]);
    // Development and tests may scale time; production may not.
    expect(problemsOf({ SEND_TIME_SCALE: '60' })).toEqual([]);
    expect(problemsOf({ NODE_ENV: 'production', SEND_TIME_SCALE: '60' })).toContain('SEND_TIME_SCALE is for tests only: production paces at Exchange\'s real limits (1)');
    expect(problemsOf({ NODE_ENV: 'production', SEND_TIME_SCALE: '1' }).filter((p) => p.startsWith('SEND_TIME_SCALE'))).toEqual([]);
  });
});

describe('text chunks (table string properties)', () => {
  it('cuts at most `size` units, never between the halves of a surrogate pair, and joins back to the text', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary' }), fc.integer({ min: 2, max: 40 }), (text, size) => {
      const pieces = textChunks(text, size);
      return pieces.join('') === text && pieces.every((p) => p.length > 0 && p.length <= size && (!wellFormed(text) || wellFormed(p)));
    }));
    expect(textChunks('ab\u{1F600}c', 3)).toEqual(['ab', '\u{1F600}c']);
    expect(textChunks('', 3)).toEqual([]);
  });
});

describe('the settings list mirror', () => {
  const record = { ...emptyConnection('https://t.test/sites/a', 'c1'), method: 'classic' as const, account: { email: 'adele@contoso.test', displayName: 'Adele' }, health: { state: 'connected' as const, code: null, checkedAt: '2026-12-05T03:00:00.456Z' } };
  const held = { LmsAuthMethod: 'Classic', LmsTransport: 'Graph', LmsAccountEmail: 'adele@contoso.test', LmsConnectionStatus: 'Connected', LmsLastCheck: '2026-12-05T03:00:00Z', LmsConnectionId: 'c1' };

  it('an item holds the record when each API column says the same: a date to the second, the last check within an hour, an empty column left out; any other difference is written', () => {
    expect(itemHolds(held, record)).toBe(true);
    expect(itemHolds({ ...held, LmsStatusCode: 'TOKEN_REVOKED' }, record)).toBe(false);
    expect(itemHolds({ ...held, LmsLastCheck: '2026-12-05T02:00:00Z' }, record)).toBe(true);
    expect(itemHolds({ ...held, LmsLastCheck: '2026-12-05T01:59:59Z' }, record)).toBe(false);
    expect(itemHolds({ ...held, LmsLastCheck: '2026-12-05T04:00:01Z' }, record)).toBe(false);
    expect(itemHolds({ ...held, LmsLastCheck: undefined }, record)).toBe(false);
    expect(itemHolds({ ...held, LmsAccountEmail: 'Adele@contoso.test' }, record)).toBe(false);
    expect(itemHolds({ ...held, LmsConnectionId: undefined }, record)).toBe(false);
    expect(itemHolds({ ...held, LmsAuthMethod: 'Classic', LmsConnectionStatus: 'Lost' }, record)).toBe(false);
    expect(itemHolds(undefined, record)).toBe(false);
    expect(itemHolds({ ...held, LmsAuthMethod: 'Modern' }, { ...record, method: null })).toBe(false);
  });
});

describe('what a schema refusal says', () => {
  const branch = (i: number, keyword: string, params: Record<string, unknown>, message: string) => ({ keyword, instancePath: '/x', schemaPath: `#/properties/x/anyOf/${i}/${keyword}`, params, message });
  const anyOf = { keyword: 'anyOf', instancePath: '/x', schemaPath: '#/properties/x/anyOf', params: {}, message: 'must match a schema in anyOf' };

  it('a choice of constants names them; a union with another branch (null, an object) is said as ajv says it, not as a partial choice', () => {
    expect(validationDetail([branch(0, 'const', { allowedValue: 'a' }, 'must be equal to constant'), branch(1, 'const', { allowedValue: 'b' }, 'must be equal to constant'), anyOf], 'body')).toBe('body.x must be one of "a", "b".');
    expect(validationDetail([branch(0, 'const', { allowedValue: 'a' }, 'must be equal to constant'), branch(1, 'type', { type: 'null' }, 'must be null'), anyOf], 'body')).toBe('body.x must be equal to constant.');
  });

  it('a property not taken is named only when it is a plain identifier; a nested place reads as items[2].to', () => {
    const extra = (name: string) => [{ keyword: 'additionalProperties', instancePath: '/items/2', schemaPath: '#/additionalProperties', params: { additionalProperty: name }, message: 'must NOT have additional properties' }];
    expect(validationDetail(extra('from'), 'body')).toBe('body.items[2] has a property it does not take: "from".');
    expect(validationDetail(extra('x<script>'), 'body')).toBe('body.items[2] has a property it does not take.');
    expect(validationDetail([{ keyword: 'maxItems', instancePath: '/items/2/to', schemaPath: '#/maxItems', params: { limit: 3 }, message: 'must NOT have more than 3 items' }], 'body')).toBe('body.items[2].to must NOT have more than 3 items.');
  });
});
