/**
 * The typed client in use (docs/lms-integration.md, "The typed client"): queues one notification
 * for a catalog and reads its status until it is final. Run against `npm start` with
 * `npm run example:notify` (the defaults below are the local tenant's); against a deployment, set
 * LMS_API_URL, LMS_AUTHORITY_HOST, TENANT_ID, LMS_BACKEND_CLIENT_ID, LMS_BACKEND_CLIENT_SECRET,
 * LMS_CATALOG and LMS_TO (and LMS_APP_ID_URI if the API's is not api://{TENANT_ID}/lms-m365-connection).
 */
import { appTokenSource, createLmsClient, type LmsClient, type NotificationStatus } from '../client';

const FINAL = ['sent', 'failed', 'expired'];

/** Queues one notification (its idempotency key makes a re-run answer the same id) and follows it until it is final or `waitMs` passed. */
export async function notifyAndFollow(lms: LmsClient, catalog: string, key: string, to: string, waitMs = 30_000): Promise<NotificationStatus> {
  const { data, error } = await lms.POST('/v1/catalogs/{catalog}/notifications', {
    params: { path: { catalog }, header: { 'idempotency-key': key } },
    body: { to: [to], subject: 'Welcome', text: 'Your course starts on Monday.', priority: 'urgent' }
  });
  if (error) {
    // The typed problem: error.code is one of the catalogue's codes (docs/troubleshooting.md).
    throw new Error(`${error.code}: ${error.detail}`);
  }
  const deadline = Date.now() + waitMs;
  for (;;) {
    const status = await lms.GET('/v1/catalogs/{catalog}/notifications/{id}', { params: { path: { catalog, id: data.id } } });
    if (!status.data) {
      throw new Error(`${status.error.code}: ${status.error.detail}`);
    }
    // Held (sending switched off, the connection lost) is not final: it goes once the catalog may send again.
    if (FINAL.includes(status.data.status) || Date.now() > deadline) {
      return status.data;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function main(): Promise<void> {
  const env = process.env;
  const lms = createLmsClient({
    baseUrl: env.LMS_API_URL ?? 'http://localhost:4700',
    token: appTokenSource({
      authorityHost: env.LMS_AUTHORITY_HOST ?? 'https://localhost:4800',
      tenantId: env.TENANT_ID ?? '6f1c5b2e-8a7d-4c3b-9e21-0d4a5f6b7c8d',
      clientId: env.LMS_BACKEND_CLIENT_ID ?? '7e2d4c6a-1b3f-4a5e-8c7d-9f0a1b2c3d4e',
      clientSecret: env.LMS_BACKEND_CLIENT_SECRET ?? 'local-dev-backend-secret',
      // The local tenant's URI; a deployment's is api://{tenant id}/lms-m365-connection (scripts/m365/register-apps.mjs).
      apiAppIdUri: env.LMS_APP_ID_URI ?? (env.TENANT_ID ? `api://${env.TENANT_ID}/lms-m365-connection` : 'api://lms-m365-connection')
    })
  });
  const catalog = env.LMS_CATALOG ?? 'https://localhost:4800/sites/catalog-a';
  const status = await notifyAndFollow(lms, catalog, `example-notify-${new Date().toISOString().slice(0, 10)}`, env.LMS_TO ?? 'learner1@contoso.test');
  console.log(`${status.id}: ${status.status}${status.code ? ` (${status.code})` : ''}`);
  for (const step of status.history) {
    console.log(`  ${step.at} ${step.status}`);
  }
}

if (require.main === module) {
  main().catch((error: unknown) => {
    // fetch says "fetch failed" and keeps the reason (refused, certificate) in its cause.
    const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
    console.error(`${error instanceof Error ? error.message : String(error)}${cause}`);
    if (cause.includes('ECONNREFUSED')) {
      console.error('Nothing answers there: is `npm start` running? (or set LMS_API_URL and LMS_AUTHORITY_HOST)');
    }
    process.exitCode = 1;
  });
}
