// `npm start`: the whole local stack on the ports of docs/design.md - local tenant, connection API
// (with its embedded Azurite, data in .local/azurite, emptied at each start) and the preview host - then one URL.
// The local tenant's output goes to .local/logs/local-tenant.log, the API's (Azurite's with it) to
// .local/logs/api.log; the preview host runs in this process. Ctrl+C stops everything.
import { rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_PORTS, startStack } from './stack.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const local = path.join(root, '.local');

// The local tenant keeps its directory, sign-ins, mailboxes and SharePoint lists in memory only: the
// API's storage of an earlier run would hold connections whose tokens the tenant no longer knows
// (every catalog "lost", TOKEN_REVOKED) and idempotency keys of mail no inbox holds. Every run starts empty.
rmSync(path.join(local, 'azurite'), { recursive: true, force: true });
process.stdout.write('Starting the local stack from empty (the local tenant keeps nothing between runs; logs in .local/logs/)\n');
const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
// One line as each step starts and one as it is up, so the ~35 s of building and starting are not silent.
const onProgress = ({ step, state, detail, ms }) => {
  const name = step.padEnd(15);
  process.stdout.write(state === 'starting'
    ? `  ${name} starting${detail ? ` ${detail}` : ''} ...\n`
    : `  ${name} ${step === 'build' ? 'done' : 'up'}${detail ? ` at ${detail}` : ''} (${seconds(ms)})\n`);
};
let stack;
try {
  stack = await startStack({
    ports: DEFAULT_PORTS,
    stateDir: local,
    logDir: path.join(local, 'logs'),
    logLevel: process.env.LOG_LEVEL ?? 'info',
    onProgress,
    onExit: (service, code) => {
      process.stderr.write(`\n${service} stopped (exit ${code}); see .local/logs/${service}.log\n`);
      void stack.stop().then(() => process.exit(1));
    }
  });
} catch (error) {
  process.stderr.write(`The local stack did not start: ${error.message}\n`);
  process.exit(1);
}

const stop = () => void stack.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

process.stdout.write(`
  Open ${stack.previewUrl}

  Pick a signed-in user and a catalog, connect an account, send a test email. Every account's
  password is dev-password. The mailbox viewer and the fault controls are linked from the page;
  the LMS panel below the page queues notifications as the LMS back end would
  (docs/lms-integration.md).
  (Local tenant ${stack.tenantOrigin}, SMTP localhost:${stack.smtpPort}, API ${stack.apiBaseUrl}.)
  The sign-in window goes through the API's start page to ${stack.tenantOrigin}: a browser that
  does not trust .local/certs/ca.pem shows a certificate warning there once. Ctrl+C stops everything.
`);
