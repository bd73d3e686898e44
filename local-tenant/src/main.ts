import { startLocalTenant } from './index';

/** `npm run tenant`: the local tenant on its fixed ports, until Ctrl+C. */
async function main(): Promise<void> {
  const port = Number(process.env.LOCAL_TENANT_PORT ?? 4800);
  const smtpPort = Number(process.env.LOCAL_TENANT_SMTP_PORT ?? 4587);
  const tenant = await startLocalTenant({ port, smtpPort, log: process.env.LOCAL_TENANT_LOG === '1' });
  const o = tenant.origin;
  const t = tenant.tenantId;
  process.stdout.write(
    [
      `local tenant ${tenant.fixture.tenant.domain} (${t}) is up`,
      `  authority       ${o}/${t}   (openid configuration: ${o}/${t}/v2.0/.well-known/openid-configuration)`,
      `  Microsoft Graph ${o}/v1.0`,
      `  SharePoint      ${o}/sites/catalog-a  ${o}/sites/catalog-b`,
      `  SMTP            ${tenant.smtp.host}:${tenant.smtp.port} (STARTTLS)`,
      `  mailboxes       ${o}/_mailbox`,
      `  faults          ${o}/_faults`,
      `  sending limits  ${o}/_admin/limits (${tenant.state.sendingLimits().enabled ? 'on' : 'off'}, time x${tenant.state.timeScale})`,
      `  trust anchor    .local/certs/ca.pem (NODE_EXTRA_CA_CERTS)`,
      ''
    ].join('\n')
  );
  const stop = (): void => {
    tenant.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main().catch((err: Error) => {
  process.stderr.write(`the local tenant could not start: ${err.message}\n`);
  process.exit(1);
});
