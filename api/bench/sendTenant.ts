/**
 * bench:send's local tenant, in a process of its own so the bench measures the API's CPU alone.
 * Started with the generated fixture's path; prints its origin and SMTP port as one JSON line.
 */
import path from 'node:path';
import { startLocalTenant } from '../test/support/localTenant';

const repoRoot = path.resolve(__dirname, '..', '..');

startLocalTenant({ port: 0, smtpPort: 0, fixturePath: process.argv[2], certDir: path.join(repoRoot, '.local', 'certs') }).then((tenant) => {
  process.stdout.write(`${JSON.stringify({ origin: tenant.origin, smtp: tenant.smtp })}\n`);
  process.on('SIGTERM', () => {
    tenant.close().then(() => process.exit(0), () => process.exit(1));
  });
}, (error: unknown) => {
  process.stderr.write(`the local tenant did not start: ${(error as Error).message}\n`);
  process.exit(1);
});
