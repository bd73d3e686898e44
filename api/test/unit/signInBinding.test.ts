import { bindingHash, browserCookieName, checkBinding, checkBrowser, checkSamePrincipal, newBrowserBinding } from '../../src/connections/signInState';
import { initialConnectionId } from '../../src/connections/connectionStore';
import { disconnected, emptyConnection } from '../../src/connections/model';
import { codeOf as code } from '../support/errors';

describe('sign-in binding (R-SEC-1)', () => {
  it('checkBinding - only the nonce whose hash was stored passes; another, an empty one or no stored hash is SIGN_IN_OTHER_BROWSER', () => {
    const nonce = 'a'.repeat(43);
    expect(bindingHash(nonce)).toMatch(/^[0-9a-f]{64}$/);
    expect(bindingHash(nonce)).not.toContain(nonce);
    expect(code(() => checkBinding(bindingHash(nonce), nonce))).toBeUndefined();
    expect(code(() => checkBinding(bindingHash(nonce), 'b'.repeat(43)))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBinding(bindingHash(nonce), ''))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBinding(undefined, nonce))).toBe('SIGN_IN_OTHER_BROWSER');
  });

  it('checkSamePrincipal - tenant and object id must both match the admin who started; a sign-in without a tenant matches no one', () => {
    const started = { callerTenant: 't1', caller: 'o1' };
    expect(code(() => checkSamePrincipal(started, { tenantId: 't1', objectId: 'o1' }))).toBeUndefined();
    expect(code(() => checkSamePrincipal(started, { tenantId: 't1', objectId: 'o2' }))).toBe('SIGN_IN_OTHER_ADMIN');
    expect(code(() => checkSamePrincipal(started, { tenantId: 't2', objectId: 'o1' }))).toBe('SIGN_IN_OTHER_ADMIN');
    expect(code(() => checkSamePrincipal({ caller: 'o1' }, { tenantId: 't1', objectId: 'o1' }))).toBe('SIGN_IN_OTHER_ADMIN');
  });
});

describe('browser binding (the start page\'s cookie)', () => {
  const code = (run: () => void): string | undefined => {
    try {
      run();
      return undefined;
    } catch (error) {
      return (error as { code?: string }).code;
    }
  };

  it('newBrowserBinding - a fresh cookie name and value each time; the row keeps only the value\'s hash', () => {
    const a = newBrowserBinding();
    const b = newBrowserBinding();
    expect(a.browser).toMatch(/^[A-Za-z0-9_-]{16}$/);
    expect(a.secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect([a.browser === b.browser, a.secret === b.secret]).toEqual([false, false]);
    expect(a.hash).toBe(bindingHash(a.secret));
    expect(browserCookieName(a.browser)).toBe(`__Host-lms-signin-${a.browser}`);
  });

  it('checkBrowser - only the cookie of the row\'s name with the value whose hash it kept passes; a row never bound, no cookie, another\'s cookie or another value is SIGN_IN_OTHER_BROWSER', () => {
    const { browser, secret, hash } = newBrowserBinding();
    const other = newBrowserBinding();
    const row = { browser, browserHash: hash };
    expect(code(() => checkBrowser(row, { [browserCookieName(browser)]: secret }))).toBeUndefined();
    expect(code(() => checkBrowser(row, {}))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBrowser(row, { [browserCookieName(other.browser)]: other.secret }))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBrowser(row, { [browserCookieName(browser)]: other.secret }))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBrowser(row, { [browserCookieName(browser)]: '' }))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBrowser({ browser }, { [browserCookieName(browser)]: secret }))).toBe('SIGN_IN_OTHER_BROWSER');
    expect(code(() => checkBrowser({ browserHash: hash }, { [browserCookieName('undefined')]: secret, '__Host-lms-signin-': secret }))).toBe('SIGN_IN_OTHER_BROWSER');
  });
});

describe('connection generation and id (R-SEC-4)', () => {
  it('initialConnectionId - the same id for a catalog on every read, whatever its case; another catalog gets another', () => {
    const id = initialConnectionId('https://t.test/sites/a');
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(initialConnectionId('https://t.test/sites/A')).toBe(id);
    expect(initialConnectionId('https://t.test/sites/b')).not.toBe(id);
  });

  it('disconnected - moves the generation on, so a sign-in started before it cannot complete', () => {
    const record = { ...emptyConnection('c', 'id'), generation: 3, method: 'classic' as const, account: { email: 'a@x', displayName: 'A' } };
    expect(disconnected(record, 'now', 'adele@contoso.test')).toMatchObject({ generation: 4, method: null, account: null });
  });
});
