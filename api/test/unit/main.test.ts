import { RestError } from '@azure/data-tables';
import { ApiError } from '../../src/errors/apiError';
import { startFailure } from '../../src/main';
import { keyVaultError } from '../../src/secrets/kek';
import { storageError } from '../../src/storage/tables';

describe('why the API did not start (the log stream)', () => {
  it('names the error by its first line; a 403 from storage (tables or the wake-up queue) also says role assignments take a while to apply', () => {
    const refused = new RestError('This request is not authorized to perform this operation using this permission.\nRequestId:1f2e\nTime:2026-12-04T03:00:00Z', { statusCode: 403, code: 'AuthorizationPermissionMismatch' });
    const text = startFailure(refused);
    expect(text).toMatch(/^The connection API did not start: This request is not authorized to perform this operation using this permission\. The API's identity was refused by the storage account \(403\)/);
    expect(text).toContain('up to 10 minutes');
    expect(text).not.toContain('RequestId');
    const other = startFailure(new RestError('getaddrinfo ENOTFOUND x.table.core.windows.net', { code: 'ENOTFOUND' }));
    expect(other).toBe('The connection API did not start: getaddrinfo ENOTFOUND x.table.core.windows.net');
    expect(startFailure('plain')).toBe('The connection API did not start: plain');
    // The wake-up queue's refusal, as the API wraps it; a message in CRLF lines keeps its first line only.
    expect(startFailure(storageError(new RestError('refused', { statusCode: 403 })))).toContain('refused by the storage account (403)');
    expect(startFailure(storageError(new RestError('busy', { statusCode: 503 })))).not.toContain('403');
    expect(startFailure(new RestError('Forbidden\r\nRequestId:1', { statusCode: 403 }))).toMatch(/^The connection API did not start: Forbidden The API/);
    // The API's own error names its code and what the service behind answered (the re-wrap command's key not configured).
    expect(startFailure(new ApiError('SERVICE_KEY_UNAVAILABLE', { upstream: 'key local:ab not configured' }))).toBe('The connection API did not start: SERVICE_KEY_UNAVAILABLE (key local:ab not configured)');
  });

  it('keyVaultError - Key Vault\'s refusal or silence is SERVICE_KEY_UNAVAILABLE with its status and error code, never its message', () => {
    expect(keyVaultError(new RestError('Operation unwrapKey is not permitted on this key. secret-ish text', { statusCode: 403, code: 'Forbidden' }))).toMatchObject({ code: 'SERVICE_KEY_UNAVAILABLE', upstream: 'keyvault 403 Forbidden' });
    expect(keyVaultError(new RestError('getaddrinfo ENOTFOUND v.vault.azure.net', { code: 'ENOTFOUND' }))).toMatchObject({ code: 'SERVICE_KEY_UNAVAILABLE', upstream: 'keyvault unreachable ENOTFOUND' });
    expect(keyVaultError(new Error('x'))).toMatchObject({ upstream: 'keyvault unreachable' });
    expect(keyVaultError({ statusCode: 404, code: 'KeyNotFound <script>' }).upstream).toBe('keyvault 404');
    expect(keyVaultError(undefined).upstream).toBe('keyvault unreachable');
  });
});
