import { startLocalTenant, LocalTenant } from '../../src/index';
import { graphToken } from './tokens';

/**
 * The sending-limits suites' tenant: started once at time x60 (a minute lasts a second), back at
 * its fixture before each test, with `user`'s Graph token taken anew. Read `tenant` and `token`
 * in tests and in hooks registered after this call.
 */
export function useLimitsTenant(user: string): { tenant: LocalTenant; token: string } {
  const world = {} as { tenant: LocalTenant; token: string };
  beforeAll(async () => {
    world.tenant = await startLocalTenant({ port: 0, smtpPort: 0, timeScale: 60 });
  });
  afterAll(async () => world.tenant.close());
  beforeEach(async () => {
    world.tenant.reset();
    world.token = await graphToken(world.tenant, user);
  });
  return world;
}
