import { AddressInfo } from 'node:net';
import { ensureCerts, signingCertificate, DEFAULT_DIR } from '../scripts/certs';
import { loadFixture, TenantFixture } from './state/fixture';
import { TenantState } from './state/tenant-state';
import { createServer } from './http/server';
import { createSigningKey } from './identity/jwt';
import { registerIdentity } from './identity/routes';
import { registerDevToken } from './identity/dev-token';
import { registerGraph } from './graph/routes';
import { registerMailbox } from './mailbox/routes';
import { registerAppInstall, registerSharePoint } from './sharepoint/routes';
import { registerFaults, registerLatency } from './faults/routes';
import { SmtpHandle, startSmtp } from './smtp/server';

export interface LocalTenantOptions {
  /** HTTPS port; 0 picks a free one. Default 4800. */
  port?: number;
  /** SMTP port; 0 picks a free one. Default 4587. */
  smtpPort?: number;
  /** Loopback host name to bind. Default 'localhost'. */
  host?: string;
  fixturePath?: string;
  /** Where the CA and server certificate live (created if missing). Default <repo>/.local/certs. */
  certDir?: string;
  log?: boolean;
  /**
   * How many times faster the sending limits' windows run (default: LOCAL_TENANT_TIME_SCALE, else 1).
   * 60 makes the one-minute message-rate window a second and the one-day recipient window 24 minutes.
   */
  timeScale?: number;
}

/** LOCAL_TENANT_TIME_SCALE, checked: a number from 1 to 10,000. */
export function timeScaleFrom(value: string | undefined): number {
  if (value === undefined || value.trim() === '') return 1;
  const n = Number(value);
  if (!(n >= 1 && n <= 10_000)) throw new Error(`LOCAL_TENANT_TIME_SCALE must be a number from 1 to 10000 (got '${value}')`);
  return n;
}

export interface LocalTenant {
  /** https://localhost:<port>: identity, Graph (/v1.0), SharePoint (/sites/...), viewer and faults. */
  origin: string;
  tenantId: string;
  smtp: { host: string; port: number };
  fixture: TenantFixture;
  /** PEM of the CA that signed the server certificate (for clients that take a `ca` option). */
  caCertificate: string;
  /** Back to the fixture: accounts, grants, tokens, mail, lists and faults. */
  reset(): void;
  close(): Promise<void>;
  /** Live state, for tests that need to look behind the wire. */
  state: TenantState;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '::1', '[::1]']);

export async function startLocalTenant(options: LocalTenantOptions = {}): Promise<LocalTenant> {
  const host = options.host ?? 'localhost';
  if (!LOOPBACK.has(host)) throw new Error(`the local tenant binds loopback only; '${host}' is not a loopback host`);
  const certs = await ensureCerts(options.certDir ?? DEFAULT_DIR);
  const fixture = loadFixture(options.fixturePath);
  const timeScale = options.timeScale ?? timeScaleFrom(process.env.LOCAL_TENANT_TIME_SCALE);
  if (!(timeScale >= 1 && timeScale <= 10_000)) throw new Error(`timeScale must be a number from 1 to 10000 (got ${timeScale})`);
  const state = new TenantState(fixture, 'https://localhost', timeScale);
  const signing = await signingCertificate(certs);
  const key = createSigningKey(signing.cert, signing.key);
  const app = createServer(certs, options.log ?? false);
  registerLatency(app, state);
  registerIdentity(app, state, key);
  registerDevToken(app, state, key);
  registerGraph(app, state, key);
  registerSharePoint(app, state, key);
  registerAppInstall(app, state);
  registerMailbox(app, state);
  registerFaults(app, state);
  app.post('/_admin/reset', async () => {
    state.reset();
    return { reset: true };
  });

  await app.listen({ port: options.port ?? 4800, host });
  const port = (app.server.address() as AddressInfo).port;
  state.setOrigin(`https://localhost:${port}`);
  const smtpBind = host === '[::1]' ? '::1' : host;
  // Reported by address: nodemailer resolves names through DNS before the hosts file.
  const smtpHost = smtpBind === '::1' ? '::1' : '127.0.0.1';
  let smtp: SmtpHandle;
  try {
    smtp = await startSmtp(state, key, certs, options.smtpPort ?? 4587, smtpBind);
  } catch (err) {
    await app.close();
    throw err;
  }

  return {
    origin: state.origin,
    tenantId: fixture.tenant.id,
    smtp: { host: smtpHost, port: smtp.port },
    fixture,
    caCertificate: certs.ca,
    state,
    reset: () => state.reset(),
    close: async () => {
      state.outbound.clear();
      state.clearTimers();
      // A stand-in that tests start and stop: a connection a client abandoned (a timed-out request)
      // must not hold the close, so it gets 5 s and is then left to the process's exit.
      const closed = Promise.all([app.close(), smtp.close()]);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([closed, new Promise<void>((resolve) => { timer = setTimeout(resolve, 5000); timer.unref(); })]);
      clearTimeout(timer);
      // Again once closed: a message already in DATA when closing began is still accepted, and one
      // delayed by the message rate would wait (a timer, up to a scaled minute) in a closed tenant.
      state.outbound.clear();
      state.clearTimers();
    }
  };
}
