import { parseEnvFile, realTenantSkipReason, REAL_VARIABLES } from '../conformance/targets';

describe('conformance targets', () => {
  const saved = { ...process.env };
  afterEach(() => {
    for (const k of REAL_VARIABLES) delete process.env[k];
    Object.assign(process.env, saved);
  });

  test('conformance - .env.conformance lines: KEY=value, quotes stripped, comments and junk ignored', () => {
    expect(parseEnvFile('# real tenant\nM365_TENANT_ID = abc\nM365_CLIENT_SECRET="s#1=2"\nnot a line\n  # M365_USER=x\n')).toEqual({ M365_TENANT_ID: 'abc', M365_CLIENT_SECRET: 's#1=2' });
  });

  test('conformance - the real tenant is checked only when every variable is given, and says which are missing', () => {
    for (const k of REAL_VARIABLES) delete process.env[k];
    expect(realTenantSkipReason('/nonexistent/.env.conformance')).toMatch(/^no real tenant configured: create \.env\.conformance with M365_TENANT_ID/);
    process.env.M365_TENANT_ID = 't';
    expect(realTenantSkipReason('/nonexistent/.env.conformance')).toBe(`real tenant incompletely configured: ${REAL_VARIABLES.slice(1).join(', ')} missing in .env.conformance`);
    for (const k of REAL_VARIABLES) process.env[k] = 'x';
    expect(realTenantSkipReason('/nonexistent/.env.conformance')).toBeNull();
  });
});
