import { popupSignIn, type ISignInContext } from './launchSignIn';

interface IFakePopup { closed: boolean; location: { href: string }; close: () => void }

function fakePopup(): IFakePopup {
  return { closed: false, location: { href: '' }, close() { this.closed = true; } };
}

function context(patch: Partial<ISignInContext> = {}): ISignInContext {
  return { apiOrigin: 'http://api.test', catalog: 'https://t/sites/a', onBlocked: () => undefined, signal: new AbortController().signal, ...patch };
}

function post(data: object, origin: string = 'http://api.test'): void {
  window.dispatchEvent(new MessageEvent('message', { data: { type: 'lms-m365-connection', catalog: 'https://t/sites/a', ...data }, origin }));
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

describe('launchSignIn', () => {
  it('launchSignIn - opens the window at once, then sends it to the authorize URL', async () => {
    const popup = fakePopup();
    const opened: string[] = [];
    let settle: (url: string) => void = () => undefined;
    const result = popupSignIn({ openWindow: (url) => { opened.push(url); return popup as unknown as Window; } })(new Promise((resolve) => { settle = resolve; }), context());
    expect(opened).toEqual(['about:blank']);
    settle('http://api.test/authorize');
    await tick();
    expect(popup.location.href).toBe('http://api.test/authorize');
    post({ ok: true }, 'http://evil.test');
    post({ ok: true, catalog: 'https://t/sites/other' });
    post({ ok: false, code: 'SHARED_MAILBOX' });
    await expect(result).resolves.toEqual({ outcome: 'failed', code: 'SHARED_MAILBOX' });
  });

  it('launchSignIn - a window closed without a message ends as closed after a grace period', async () => {
    const popup = fakePopup();
    const result = popupSignIn({ openWindow: () => popup as unknown as Window, pollMs: 10 })(Promise.resolve('http://api.test/a'), context());
    await tick();
    popup.closed = true;
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('launchSignIn - a blocked window hands the URL to the page and still takes the message', async () => {
    const blocked: string[] = [];
    const result = popupSignIn({ openWindow: () => null })(Promise.resolve('http://api.test/a'), context({ onBlocked: (url) => blocked.push(url) }));
    await tick();
    expect(blocked).toEqual(['http://api.test/a']);
    post({ ok: true, completion: 'c'.repeat(43) });
    await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'c'.repeat(43) });
  });

  it('launchSignIn (R-SEC-1) - success carries the completion code for the page; a success without one is not taken for a connection', async () => {
    const result = popupSignIn({ openWindow: () => fakePopup() as unknown as Window })(Promise.resolve('http://api.test/a'), context());
    await tick();
    post({ ok: true });
    await expect(result).resolves.toEqual({ outcome: 'failed', code: 'STATE_INVALID' });
  });

  it('launchSignIn - cancelling closes the window; a failed start closes it and rejects with the cause', async () => {
    const popup = fakePopup();
    const controller = new AbortController();
    const cancelled = popupSignIn({ openWindow: () => popup as unknown as Window })(Promise.resolve('http://api.test/a'), context({ signal: controller.signal }));
    controller.abort();
    await expect(cancelled).resolves.toEqual({ outcome: 'cancelled' });
    expect(popup.closed).toBe(true);
    const second = fakePopup();
    const cause = { isAppError: true, kind: 'network' };
    await expect(popupSignIn({ openWindow: () => second as unknown as Window })(Promise.reject(cause), context())).rejects.toBe(cause);
    expect(second.closed).toBe(true);
  });
});
