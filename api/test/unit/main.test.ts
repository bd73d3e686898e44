import { RestError } from '@azure/data-tables';
import { startFailure } from '../../src/main';

describe('why the API did not start (the log stream)', () => {
  it('names the error by its first line; a 403 from storage or Key Vault also says role assignments take a while to apply', () => {
    const refused = new RestError('This request is not authorized to perform this operation using this permission.\nRequestId:1f2e\nTime:2026-12-04T03:00:00Z', { statusCode: 403, code: 'AuthorizationPermissionMismatch' });
    const text = startFailure(refused);
    expect(text).toMatch(/^The connection API did not start: This request is not authorized to perform this operation using this permission\. The API's identity was refused \(403\)/);
    expect(text).toContain('up to 10 minutes');
    expect(text).not.toContain('RequestId');
    const other = startFailure(new RestError('getaddrinfo ENOTFOUND x.table.core.windows.net', { code: 'ENOTFOUND' }));
    expect(other).toBe('The connection API did not start: getaddrinfo ENOTFOUND x.table.core.windows.net');
    expect(startFailure('plain')).toBe('The connection API did not start: plain');
  });
});
