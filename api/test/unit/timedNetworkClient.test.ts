import { ConfidentialClientApplication } from '@azure/msal-node';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { findRepoRoot } from '../../src/config/config';
import { ApiError } from '../../src/errors/apiError';
import { identityError, MicrosoftIdentity } from '../../src/identity/microsoftIdentity';
import { TimedNetworkClient } from '../../src/identity/timedNetworkClient';
import { testConfig } from '../support/testConfig';

/**
 * The identity platform as a server that answers, stalls before answering, or stalls after its
 * headers (HTTPS with the local certificate, which the suites trust through NODE_EXTRA_CA_CERTS).
 */
describe('MSAL requests with a deadline', () => {
  let server: Server;
  let origin: string;
  const open = new Set<import('node:http').ServerResponse>();

  beforeAll(async () => {
    const certs = path.join(findRepoRoot(), '.local', 'certs');
    server = createServer({ cert: readFileSync(path.join(certs, 'server.pem')), key: readFileSync(path.join(certs, 'server-key.pem')) }, (req, res) => {
      if (req.url?.startsWith('/stall')) {
        open.add(res);
        return;
      }
      if (req.url?.startsWith('/headers-then-stall')) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{"access_token":');
        open.add(res);
        return;
      }
      if (req.url?.startsWith('/busy')) {
        // A front door's 503 whose body names a refusal (a revoked grant's number): it is the status that decides.
        res.writeHead(503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'AADSTS50173: The provided grant has expired due to it being revoked.', error_codes: [50173] }));
        return;
      }
      res.writeHead(req.url?.startsWith('/refused') ? 400 : 200, { 'content-type': 'application/json', 'x-ms-request-id': 'r1' });
      res.end(req.url?.startsWith('/not-json') ? '<html>' : JSON.stringify({ method: req.method, error: req.url?.startsWith('/refused') ? 'invalid_grant' : undefined }));
    });
    await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
    origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    for (const res of open) {
      res.destroy();
    }
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const client = new TimedNetworkClient(300);
  const failure = async (work: Promise<unknown>): Promise<{ errorCode: string; ms: number; mapped: string }> => {
    const started = Date.now();
    const error = await work.then(() => undefined, (e: unknown) => e as { errorCode: string });
    return { errorCode: String(error?.errorCode), ms: Date.now() - started, mapped: identityError(error, 'refresh').code };
  };

  it('answers - headers, body and status as msal-node\'s own client gives them, a refusal included', async () => {
    const ok = await client.sendPostRequestAsync<{ method: string }>(`${origin}/token`, { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=x' });
    expect([ok.status, ok.body.method, ok.headers['x-ms-request-id']]).toEqual([200, 'POST', 'r1']);
    const refused = await client.sendGetRequestAsync<{ error: string }>(`${origin}/refused`);
    expect([refused.status, refused.body.error]).toEqual([400, 'invalid_grant']);
    // The status goes into a refusal's body too (msal-node's ServerError reads it from there).
    expect((refused.body as { status?: number }).status).toBe(400);
    expect(await failure(client.sendGetRequestAsync(`${origin}/not-json`))).toMatchObject({ errorCode: 'token_parsing_error' });
  });

  it('a token endpoint that never answers, or stalls after its headers, is given up at the deadline as the identity platform unreachable (never a refused token)', async () => {
    for (const where of ['/stall', '/headers-then-stall']) {
      const stalled = await failure(client.sendPostRequestAsync(`${origin}${where}`, { body: 'x' }));
      expect(stalled).toMatchObject({ errorCode: 'network_error', mapped: 'SERVICE_UNAVAILABLE' });
      expect(stalled.ms).toBeLessThan(5_000);
    }
    // A GET's own (longer) timeout does not lift the deadline.
    expect(await failure(client.sendGetRequestAsync(`${origin}/stall`, undefined, 60_000))).toMatchObject({ errorCode: 'network_error' });
  });

  it('a refresh (not only client credentials) answered 503 reads as passing through msal-node, whatever its body names', async () => {
    const metadata = JSON.stringify({ token_endpoint: `${origin}/busy/token`, authorization_endpoint: `${origin}/busy/authorize`, issuer: `${origin}/busy/v2.0`, jwks_uri: `${origin}/busy/keys`, end_session_endpoint: `${origin}/busy/logout` });
    const msal = new ConfidentialClientApplication({
      auth: { clientId: 'client', clientSecret: 'secret', authority: `${origin}/busy`, knownAuthorities: [new URL(origin).host], authorityMetadata: metadata },
      system: { networkClient: new TimedNetworkClient(2_000) }
    });
    const error = await msal.acquireTokenByRefreshToken({ refreshToken: 'rt', scopes: ['https://graph.microsoft.com/Mail.Send'] }).then(() => undefined, (e: unknown) => e);
    expect([(error as { status?: number }).status, identityError(error, 'refresh').code]).toEqual([503, 'SERVICE_UNAVAILABLE']);
  });

  it('MicrosoftIdentity uses it: a stalled identity platform fails a token request within the deadline with SERVICE_UNAVAILABLE', async () => {
    const identity = new MicrosoftIdentity(testConfig({ AUTHORITY_HOST: `${origin}/stall` }), 300);
    const started = Date.now();
    const error = await identity.appToken('api://x/.default').then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).code).toBe('SERVICE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
