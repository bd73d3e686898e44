import type { CryptographyClient } from '@azure/keyvault-keys';
import { adminConsentPage, callbackPage, confirmPage } from '../../src/connections/callbackPage';
import { KeyVaultKek } from '../../src/secrets/kek';

function data(html: string) {
  return JSON.parse(/var data = (\{.*\});/.exec(html)?.[1] ?? 'null');
}

describe('callback page', () => {
  it('callbackPage - posts the outcome to exactly the recorded origin, never "*"', () => {
    const html = callbackPage({ ok: true, origin: 'https://contoso.sharepoint.com', catalog: 'https://contoso.sharepoint.com/sites/a' }, 'n0nce', 'en');
    expect(data(html)).toEqual({
      message: { type: 'lms-m365-connection', catalog: 'https://contoso.sharepoint.com/sites/a', ok: true },
      origin: 'https://contoso.sharepoint.com',
      teamsKey: 'lms-m365-sign-in-host',
      teamsJs: '/v1/auth/teams.js',
      nonce: 'n0nce'
    });
    expect(html).toContain('window.opener.postMessage(data.message, data.origin)');
    expect(html).not.toContain("'*'");
    expect(html).toContain('<script nonce="n0nce">');
  });

  it('confirmPage - names the account, the admin who asked and the catalog (each escaped), in the page\'s language; runs no script and carries no completion code', () => {
    const confirm = { token: 't'.repeat(43), account: 'lynne@contoso.test', admin: '<img src=x onerror=alert(1)>' };
    const en = confirmPage({ ok: true, origin: 'https://contoso.sharepoint.com', catalog: 'https://contoso.sharepoint.com/sites/a"><b>', confirm }, 'n', 'en');
    expect(en).toContain('<strong>lynne@contoso.test</strong>');
    expect(en).toContain('<strong>&lt;img src=x onerror=alert(1)&gt;</strong>');
    expect(en).toContain('sites/a&quot;&gt;&lt;b&gt;</strong>');
    expect(en).not.toContain('<img');
    expect(en).not.toContain('<script');
    expect(en).toContain(`<input type="hidden" name="token" value="${confirm.token}">`);
    expect(en).toMatch(/<button type="submit" name="decision" value="connect"[^>]*>Connect<\/button>/);
    expect(en).toMatch(/<button type="submit" name="decision" value="cancel">Cancel<\/button>/);
    // Whoever reads it in a browser where someone else's sign-in landed is told to cancel too.
    expect(en).toContain('or if it was not you who just signed in as <strong>lynne@contoso.test</strong>, select Cancel');
    const hostile = confirmPage({ ok: true, catalog: 'c', confirm: { ...confirm, account: '<b>x@contoso.test' } }, 'n', 'en');
    expect(hostile).not.toContain('<b>x@');
    expect(hostile.match(/&lt;b&gt;x@contoso\.test/g)).toHaveLength(3);
    const ja = confirmPage({ ok: true, catalog: 'c', confirm }, 'n', 'ja');
    expect(ja).toContain('<html lang="ja">');
    expect(ja).toContain('>接続</button>');
    expect(ja).toContain('いま <strong>lynne@contoso.test</strong> としてサインインしたのがご自身でない場合は');
    // What the owner reads first: the question, then who asked for which catalog, in the page's language.
    expect(/<h1>(.*?)<\/h1>/.exec(en)?.[1]).toBe('Connect this account to the course catalog?');
    expect(/<h1>(.*?)<\/h1>/.exec(ja)?.[1]).toBe('このアカウントをコース カタログに接続しますか？');
    expect(ja).toContain('<p><strong>lynne@contoso.test</strong> としてサインインしました。<strong>&lt;img src=x onerror=alert(1)&gt;</strong> さんが、このアカウントをカタログ <strong>c</strong> に接続しようとしています。');
    expect(ja).toMatch(/<button type="submit" name="decision" value="cancel">キャンセル<\/button>/);
  });

  it('callbackPage - the owner who selected Cancel on the confirmation is told the catalog is not connected to their account, not the admin\'s error text', () => {
    const html = callbackPage({ ok: false, code: 'SIGN_IN_NOT_CONFIRMED', origin: 'https://contoso.sharepoint.com', catalog: 'c' }, 'n', 'en');
    expect(html).toContain('<h1>Cancelled. The catalog is not connected to your account; you can close this window.</h1>');
    expect(html).not.toContain('The person who signed in did not confirm');
    expect(html).not.toContain('<code>SIGN_IN_NOT_CONFIRMED</code>');
    // The admin's page still learns the code from the message.
    expect(data(html).message).toMatchObject({ ok: false, code: 'SIGN_IN_NOT_CONFIRMED' });
  });

  it('callbackPage (R-SEC-1) - a success carries its completion code to the opener only; a failure never carries one', () => {
    const completion = 'k'.repeat(43);
    expect(data(callbackPage({ ok: true, origin: 'https://contoso.sharepoint.com', catalog: 'c', completion }, 'n', 'en')).message).toEqual({ type: 'lms-m365-connection', catalog: 'c', ok: true, completion });
    expect(data(callbackPage({ ok: false, code: 'SHARED_MAILBOX', origin: 'https://contoso.sharepoint.com', catalog: 'c', completion }, 'n', 'en')).message).toEqual({ type: 'lms-m365-connection', catalog: 'c', ok: false, code: 'SHARED_MAILBOX' });
    expect(callbackPage({ ok: true, origin: 'https://contoso.sharepoint.com', catalog: 'c', completion }, 'n', 'en')).not.toMatch(/<h1>[^<]*Connected/);
  });

  it('callbackPage - an unknown origin posts to no one and shows the error in the chosen language', () => {
    const html = callbackPage({ ok: false, code: 'STATE_INVALID' }, 'n', 'ja');
    expect(data(html).origin).toBeNull();
    expect(html).toContain('このサインイン リンクは無効か、既に使用されています。');
    expect(html).toContain('<html lang="ja">');
  });

  it('pages - styled only through the nonce the CSP names (no style attribute), coloured by outcome, Japanese broken by phrase', () => {
    const pages = [callbackPage({ ok: true, origin: 'https://x', catalog: 'c' }, 'n1', 'en'), callbackPage({ ok: false, code: 'SIGN_IN_FAILED' }, 'n1', 'ja'), adminConsentPage('granted', 'en', 'n1'), adminConsentPage('unconfirmed', 'ja', 'n1'), adminConsentPage('refused', 'en', 'n1')];
    for (const html of pages) {
      expect(html.match(/<style[^>]*>/g)).toEqual(['<style nonce="n1">']);
      expect(html).not.toMatch(/\sstyle=/);
      expect(html).toContain(':lang(ja) h1,:lang(ja) p{word-break:auto-phrase}');
      expect(html).toContain('<meta name="viewport" content="width=device-width, initial-scale=1">');
    }
    expect(pages.map((html) => /<main class="(\w+)">/.exec(html)?.[1])).toEqual(['ok', 'error', 'ok', 'info', 'error']);
    expect(/main\.ok\{--tone:(#\w+)\}main\.error\{--tone:(#\w+)\}/.exec(pages[0])?.slice(1)).toEqual(['#107c10', '#d13438']);
  });

  it('callbackPage - a failure labels its code as the settings page does, and the page title is in the chosen language', () => {
    const en = callbackPage({ ok: false, code: 'SIGN_IN_FAILED' }, 'n', 'en');
    expect(en).toContain('<p>Error code: <code>SIGN_IN_FAILED</code></p>');
    expect(en).toContain('<title>LMS Microsoft 365 connection</title>');
    const ja = callbackPage({ ok: false, code: 'SIGN_IN_FAILED' }, 'n', 'ja');
    expect(ja).toContain('<p>エラー コード：<code>SIGN_IN_FAILED</code></p>');
    expect(ja).toContain('<title>LMS の Microsoft 365 接続</title>');
    expect(callbackPage({ ok: true, origin: 'https://x', catalog: 'c' }, 'n', 'en')).not.toContain('Error code');
  });

  it('adminConsentPage - says when rooms come, in plain words, and who approves (en, ja)', () => {
    expect(adminConsentPage('granted', 'en', 'n')).toContain('Rooms become available to catalogs within a few minutes, without connecting again.');
    expect(adminConsentPage('granted', 'ja', 'n')).toContain('会議室は数分以内にカタログから利用できるようになります（再接続は不要です）。');
    for (const language of ['en', 'ja'] as const) {
      expect(adminConsentPage('granted', language, 'n')).not.toMatch(/token|トークン/);
    }
    expect(adminConsentPage('refused', 'ja', 'n')).toContain('会議室はテナント管理者が承認するまで利用できません。');
    expect(adminConsentPage('refused', 'ja', 'n')).toContain('<title>LMS の Microsoft 365 接続</title>');
  });

  it('every page says what happened in its language: heading, what to do (an error only), its code labelled (not for a Cancel), and its tone', () => {
    const shown = (html: string) => ({ main: /<main([^>]*)>/.exec(html)?.[1] ?? null, h1: /<h1>(.*?)<\/h1>/.exec(html)?.[1] ?? null, p: [...html.matchAll(/<p>(.*?)<\/p>/g)].map((m) => m[1]) });
    const origin = 'https://contoso.sharepoint.com';
    expect(shown(callbackPage({ ok: true, origin }, 'n', 'en'))).toEqual({ main: ' class="ok"', h1: 'Signed in. The settings page completes the connection; you can close this window.', p: [] });
    expect(shown(callbackPage({ ok: true, origin }, 'n', 'ja'))).toEqual({ main: ' class="ok"', h1: 'サインインしました。接続は設定ページで完了します。このウィンドウは閉じてかまいません。', p: [] });
    expect(shown(callbackPage({ ok: false, code: 'SIGN_IN_NOT_CONFIRMED', origin }, 'n', 'en'))).toEqual({ main: '', h1: 'Cancelled. The catalog is not connected to your account; you can close this window.', p: [] });
    expect(shown(callbackPage({ ok: false, code: 'SIGN_IN_NOT_CONFIRMED', origin }, 'n', 'ja'))).toEqual({ main: '', h1: 'キャンセルしました。カタログはあなたのアカウントに接続されていません。このウィンドウは閉じてかまいません。', p: [] });
    for (const language of ['en', 'ja'] as const) {
      const error = shown(callbackPage({ ok: false, code: 'CONSENT_DECLINED', origin }, 'n', language));
      expect(error.main).toBe(' class="error"');
      expect(error.p).toHaveLength(2);
      expect(error.p[1]).toBe(`${language === 'ja' ? 'エラー コード：' : 'Error code: '}<code>CONSENT_DECLINED</code>`);
      // No code at all is the catalogue's INTERNAL_ERROR, told as such (never a blank page).
      const unknown = shown(callbackPage({ ok: false, origin }, 'n', language));
      expect([unknown.main, unknown.p.length]).toEqual([' class="error"', 1]);
      expect(unknown.h1).not.toBe(error.h1);
      expect(unknown.h1?.length).toBeGreaterThan(5);
    }
    const consent = (outcome: 'granted' | 'unconfirmed' | 'refused', language: 'en' | 'ja') => shown(adminConsentPage(outcome, language, 'n'));
    expect(consent('granted', 'en')).toEqual({ main: ' class="ok"', h1: 'Consent granted.', p: ['Rooms become available to catalogs within a few minutes, without connecting again. You can close this window.'] });
    expect(consent('granted', 'ja')).toEqual({ main: ' class="ok"', h1: '同意しました。', p: ['会議室は数分以内にカタログから利用できるようになります（再接続は不要です）。このウィンドウを閉じてください。'] });
    expect(consent('unconfirmed', 'en')).toEqual({ main: ' class="info"', h1: 'Back from Microsoft&#39;s consent page.', p: ['If consent was granted, rooms become available to the catalogs within a few minutes and the settings page says so. You can close this window.'] });
    expect(consent('unconfirmed', 'ja')).toEqual({ main: ' class="info"', h1: 'Microsoft の同意ページから戻りました。', p: ['同意が付与された場合は、数分以内に会議室がカタログで利用できるようになり、設定ページにそう表示されます。このウィンドウを閉じてください。'] });
    expect(consent('refused', 'en')).toEqual({ main: ' class="error"', h1: 'Consent was not granted.', p: ['Mail and meeting invitations still go out; rooms stay unavailable until a tenant admin approves.'] });
    expect(consent('refused', 'ja')).toEqual({ main: ' class="error"', h1: '同意は付与されませんでした。', p: ['メールと会議出席依頼はこれまでどおり送信されます。会議室はテナント管理者が承認するまで利用できません。'] });
  });

  it('callbackPage - script-breaking text in the data cannot close the script element', () => {
    const html = callbackPage({ ok: false, code: 'SIGN_IN_FAILED', origin: 'https://x', catalog: 'https://x/sites/</script><script>alert(1)</script>' }, 'n', 'en');
    expect(html).not.toContain('</script><script>alert(1)');
    expect(data(html).message.catalog).toBe('https://x/sites/</script><script>alert(1)</script>');
  });
});

describe('Key Vault key-encryption key', () => {
  it('KeyVaultKek - wraps and unwraps data keys with RSA-OAEP-256 in the vault', async () => {
    const calls: string[] = [];
    const vault = {
      wrapKey: async (algorithm: string, key: Uint8Array) => {
        calls.push(`wrap ${algorithm}`);
        return { result: Uint8Array.from([...key].reverse()), algorithm, keyID: 'kid' };
      },
      unwrapKey: async (algorithm: string, wrapped: Uint8Array) => {
        calls.push(`unwrap ${algorithm}`);
        return { result: Uint8Array.from([...wrapped].reverse()), keyID: 'kid' };
      }
    } as unknown as CryptographyClient;
    const kek = new KeyVaultKek('https://vault.example/keys/kek/1', vault);
    const dataKey = Buffer.from([1, 2, 3, 4]);
    const wrapped = await kek.wrap(dataKey);
    expect(Buffer.compare(wrapped, dataKey)).not.toBe(0);
    expect(await kek.unwrap(wrapped)).toEqual(dataKey);
    expect(calls).toEqual(['wrap RSA-OAEP-256', 'unwrap RSA-OAEP-256']);
    expect(kek.keyId).toBe('https://vault.example/keys/kek/1');
  });
});
