import type { ISignInResult } from '../services/signInLauncher';
import { fromLauncher, popupSignIn, type ISignInContext } from './launchSignIn';

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
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: (url) => { opened.push(url); return popup as unknown as Window; } })(new Promise((resolve) => { settle = resolve; }), context());
    expect(opened).toEqual(['about:blank']);
    settle('http://api.test/authorize');
    await tick();
    expect(popup.location.href).toBe(`http://api.test/v1/auth/start?authorize=${encodeURIComponent('http://api.test/authorize')}`);
    post({ ok: true }, 'http://evil.test');
    post({ ok: true, catalog: 'https://t/sites/other' });
    post({ ok: false, code: 'SHARED_MAILBOX' });
    await expect(result).resolves.toEqual({ outcome: 'failed', code: 'SHARED_MAILBOX' });
  });

  it('launchSignIn - a failure keeps what Microsoft 365 answered, from the callback page\'s message (a value that is not text is dropped)', async () => {
    const posted = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window })(Promise.resolve('http://api.test/a'), context());
    await tick();
    post({ ok: false, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
    await expect(posted).resolves.toEqual({ outcome: 'failed', code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
    const hostile = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window })(Promise.resolve('http://api.test/a'), context());
    await tick();
    post({ ok: false, code: 'SIGN_IN_FAILED', upstream: { html: '<b>x</b>' } });
    await expect(hostile).resolves.toEqual({ outcome: 'failed', code: 'SIGN_IN_FAILED' });
  });

  it('launchSignIn - the message of a sign-in for the catalog spelt in another case (a site\'s path names it in any case) is this page\'s', async () => {
    const popup = fakePopup();
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => popup as unknown as Window, pollMs: 10 })(Promise.resolve('http://api.test/a'), context({ catalog: 'https://t/sites/Catalog-A' }));
    await tick();
    // The callback page posts, then closes itself.
    post({ ok: true, catalog: 'https://t/sites/catalog-a', completion: 'c'.repeat(43) });
    popup.closed = true;
    await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'c'.repeat(43) });
  });

  it('launchSignIn - a window closed without a message ends as closed after a grace period', async () => {
    const popup = fakePopup();
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => popup as unknown as Window, pollMs: 10 })(Promise.resolve('http://api.test/a'), context());
    await tick();
    popup.closed = true;
    await expect(result).resolves.toEqual({ outcome: 'closed' });
  });

  it('launchSignIn - a blocked window hands the page the URL its link opens (the API\'s start page) and still takes the message', async () => {
    const blocked: string[] = [];
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => null })(Promise.resolve('http://api.test/a'), context({ onBlocked: (url) => blocked.push(url) }));
    await tick();
    expect(blocked).toEqual([`http://api.test/v1/auth/start?authorize=${encodeURIComponent('http://api.test/a')}`]);
    post({ ok: true, completion: 'c'.repeat(43) });
    await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'c'.repeat(43) });
  });

  it('launchSignIn (R-SEC-1) - success carries the completion code for the page; a success without one is not taken for a connection', async () => {
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window })(Promise.resolve('http://api.test/a'), context());
    await tick();
    post({ ok: true });
    await expect(result).resolves.toEqual({ outcome: 'failed', code: 'STATE_INVALID' });
  });

  it('launchSignIn - cancelling closes the window; a failed start closes it and rejects with the cause', async () => {
    const popup = fakePopup();
    const controller = new AbortController();
    const cancelled = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => popup as unknown as Window })(Promise.resolve('http://api.test/a'), context({ signal: controller.signal }));
    controller.abort();
    await expect(cancelled).resolves.toEqual({ outcome: 'cancelled' });
    expect(popup.closed).toBe(true);
    const second = fakePopup();
    const cause = { isAppError: true, kind: 'network' };
    await expect(popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => second as unknown as Window })(Promise.reject(cause), context())).rejects.toBe(cause);
    expect(second.closed).toBe(true);
  });

  describe('when the window loses this page (Entra\'s Cross-Origin-Opener-Policy)', () => {
    /** A popup as COOP leaves it to its opener: closed once it goes to Microsoft, and no message ever comes. */
    const severed = (): IFakePopup => {
      const popup = fakePopup();
      let href = '';
      popup.location = { get href() { return href; }, set href(url: string) { href = url; popup.closed = true; } };
      return popup;
    };
    const api = (answers: Array<ISignInResult | undefined>): { poll: () => Promise<ISignInResult | undefined>; asked: () => number } => {
      let asked = 0;
      return { poll: () => Promise.resolve(answers[Math.min(asked++, answers.length - 1)]), asked: () => asked };
    };

    it('the page asks the API how the sign-in ended and takes its completion code, though the window read closed from the start', async () => {
      const relay = api([undefined, undefined, { ok: true, catalog: null, completion: 'c'.repeat(43) }]);
      const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5 })(Promise.resolve('http://api.test/a'), context({ poll: relay.poll }));
      await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'c'.repeat(43) });
      expect(relay.asked()).toBeGreaterThanOrEqual(3);
    });

    it('a failure the callback kept is the end; a question the API refuses (another admin) too; a window closed for good ends once the sign-in could not finish', async () => {
      const failed = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5 })(Promise.resolve('http://api.test/a'), context({ poll: api([{ ok: false, catalog: null, code: 'CONSENT_DECLINED', upstream: 'AADSTS65004' }]).poll }));
      await expect(failed).resolves.toEqual({ outcome: 'failed', code: 'CONSENT_DECLINED', upstream: 'AADSTS65004' });
      const refused = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5 })(Promise.resolve('http://api.test/a'), context({ poll: () => Promise.reject({ isAppError: true, kind: 'problem', code: 'SIGN_IN_OTHER_ADMIN' }) }));
      await expect(refused).resolves.toEqual({ outcome: 'failed', code: 'SIGN_IN_OTHER_ADMIN' });
      const started = Date.now();
      const gone = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5, closedWaitMs: 100 })(Promise.resolve('http://api.test/a'), context({ poll: api([undefined]).poll }));
      await expect(gone).resolves.toEqual({ outcome: 'closed' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    });

    it('a window that reads closed for closedHintMs without an end tells the page once (context.onClosedHint) and goes on waiting; one that answers before is never hinted', async () => {
      let hints = 0;
      const relay = api([undefined]);
      const controller = new AbortController();
      const waiting = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5, closedHintMs: 40 })(Promise.resolve('http://api.test/a'), context({ poll: relay.poll, signal: controller.signal, onClosedHint: () => { hints++; } }));
      // The popup's closing counts after its grace (1.5 s: the callback's message may still come).
      await new Promise((resolve) => setTimeout(resolve, 1800));
      expect(hints).toBe(1);
      controller.abort();
      await expect(waiting).resolves.toEqual({ outcome: 'cancelled' });
      let early = 0;
      const answered = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5, closedHintMs: 200 })(Promise.resolve('http://api.test/a'), context({ poll: api([undefined, { ok: true, catalog: null, completion: 'f'.repeat(43) }]).poll, onClosedHint: () => { early++; } }));
      await expect(answered).resolves.toEqual({ outcome: 'signed-in', completion: 'f'.repeat(43) });
      expect(early).toBe(0);
    });

    it('a network failure of the question is asked again; the message still wins when it comes', async () => {
      let calls = 0;
      const poll = (): Promise<ISignInResult | undefined> => (calls++ === 0 ? Promise.reject({ isAppError: true, kind: 'network' }) : Promise.resolve(undefined));
      const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window, pollMs: 5, relayMs: 5 })(Promise.resolve('http://api.test/a'), context({ poll }));
      await new Promise((resolve) => setTimeout(resolve, 30));
      post({ ok: true, completion: 'd'.repeat(43) });
      await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'd'.repeat(43) });
      expect(calls).toBeGreaterThanOrEqual(2);
    });

    it('a window left open past the sign-in\'s lifetime ends the wait as expired (STATE_EXPIRED) and is closed; an end that came first is not changed by it', async () => {
      const popup = fakePopup();
      const started = Date.now();
      const left = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => popup as unknown as Window, pollMs: 5, relayMs: 5, lifetimeMs: 80 })(Promise.resolve('http://api.test/a'), context({ poll: api([undefined]).poll }));
      await expect(left).resolves.toEqual({ outcome: 'failed', code: 'STATE_EXPIRED' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(75);
      expect(popup.closed).toBe(true);
      // The lifetime counts from the authorize URL: a page still waiting for it does not expire.
      let settle: (url: string) => void = () => undefined;
      const controller = new AbortController();
      const slow = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window, pollMs: 5, lifetimeMs: 30 })(new Promise((resolve) => { settle = resolve; }), context({ signal: controller.signal }));
      let ended: unknown;
      slow.then((end) => { ended = end; }, () => undefined);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(ended).toBeUndefined();
      settle('http://api.test/a');
      await expect(slow).resolves.toEqual({ outcome: 'failed', code: 'STATE_EXPIRED' });
      const answered = fakePopup();
      const first = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => answered as unknown as Window, pollMs: 5, lifetimeMs: 40 })(Promise.resolve('http://api.test/a'), context());
      await tick();
      post({ ok: true, completion: 'g'.repeat(43) });
      await expect(first).resolves.toEqual({ outcome: 'signed-in', completion: 'g'.repeat(43) });
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(answered.closed).toBe(false);
      // A window that read closed (its grace over) and never answered ends as closed, as the page says of a closed window.
      const gone = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => severed() as unknown as Window, pollMs: 5, relayMs: 5, lifetimeMs: 1800 })(Promise.resolve('http://api.test/a'), context({ poll: api([undefined]).poll }));
      await expect(gone).resolves.toEqual({ outcome: 'closed' });
    });

    it('Teams saying its window was closed is a hint too: the API\'s answer ends it', async () => {
      const teams = { prepare: () => undefined, abandon: () => undefined, windowUrl: (url: string) => url, launchSignIn: () => ({ kind: 'teams' as const, result: Promise.resolve({ ok: false, catalog: null, cancelled: true }) }) };
      const result = fromLauncher(teams, 5, { relayMs: 5 })(Promise.resolve('http://api.test/a'), context({ poll: api([undefined, { ok: true, catalog: null, completion: 'e'.repeat(43) }]).poll }));
      await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'e'.repeat(43) });
      const without = fromLauncher(teams, 5)(Promise.resolve('http://api.test/a'), context());
      await expect(without).resolves.toEqual({ outcome: 'closed' });
      // A window Teams could not open at all cannot come back: no waiting for the API.
      const notOpened = { ...teams, launchSignIn: () => ({ kind: 'teams' as const, result: Promise.resolve({ ok: false, catalog: null, cancelled: true, notOpened: true }) }) };
      await expect(fromLauncher(notOpened, 5, { relayMs: 5 })(Promise.resolve('http://api.test/a'), context({ poll: api([undefined]).poll }))).resolves.toEqual({ outcome: 'closed' });
    });
  });
});

describe('launchSignIn, on the clock (fake timers)', () => {
  beforeEach(() => {
    jest.useFakeTimers();
  });
  afterEach(() => {
    jest.useRealTimers();
  });

  it('once it ended, nothing goes on: no timer is left, the message listener is removed, the API is asked no more', async () => {
    let asked = 0;
    const removed = jest.spyOn(window, 'removeEventListener');
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window, pollMs: 100, relayMs: 200 })(Promise.resolve('http://api.test/a'), context({ poll: () => { asked++; return Promise.resolve(undefined); } }));
    await jest.advanceTimersByTimeAsync(1000);
    expect(asked).toBe(5);
    post({ ok: true, completion: 'h'.repeat(43) });
    await expect(result).resolves.toEqual({ outcome: 'signed-in', completion: 'h'.repeat(43) });
    // The relay, the window watch and the lifetime are all cleared.
    expect(jest.getTimerCount()).toBe(0);
    expect(removed.mock.calls.some(([type]) => type === 'message')).toBe(true);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(asked).toBe(5);
    removed.mockRestore();
  });

  it('one question to the API at a time: a slow answer is not asked again on top of itself; a network failure is no end, whatever it carries', async () => {
    let asked = 0;
    let answer: (result: ISignInResult | undefined) => void = () => undefined;
    const controller = new AbortController();
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window, pollMs: 100, relayMs: 100 })(Promise.resolve('http://api.test/a'), context({ signal: controller.signal, poll: () => { asked++; return new Promise((resolve) => { answer = resolve; }); } }));
    await jest.advanceTimersByTimeAsync(1000);
    expect(asked).toBe(1);
    answer(undefined);
    await jest.advanceTimersByTimeAsync(100);
    expect(asked).toBe(2);
    controller.abort();
    await expect(result).resolves.toEqual({ outcome: 'cancelled' });
    // A refusal that is not the API's own answer (the network) keeps the page waiting, even with a code on it.
    let calls = 0;
    const retried = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => fakePopup() as unknown as Window, pollMs: 100, relayMs: 100 })(Promise.resolve('http://api.test/a'), context({ poll: () => (calls++ === 0 ? Promise.reject({ isAppError: true, kind: 'network', code: 'NETWORK' }) : Promise.resolve({ ok: true, catalog: null, completion: 'i'.repeat(43) })) }));
    await jest.advanceTimersByTimeAsync(250);
    await expect(retried).resolves.toEqual({ outcome: 'signed-in', completion: 'i'.repeat(43) });
  });

  it('a window that reads closed gets 1.5 s for the callback\'s message before it counts as closed: not at 1.5 s, just after', async () => {
    const popup = fakePopup();
    let ended: unknown;
    const result = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => popup as unknown as Window, pollMs: 100 })(Promise.resolve('http://api.test/a'), context());
    result.then((end) => { ended = end; }, () => undefined);
    await jest.advanceTimersByTimeAsync(0);
    popup.closed = true;
    // The watch sees it closed at its next tick (100 ms), and counts 1.5 s from there.
    await jest.advanceTimersByTimeAsync(100 + 1500);
    expect(ended).toBeUndefined();
    await jest.advanceTimersByTimeAsync(100);
    expect(ended).toEqual({ outcome: 'closed' });
    // A message within the grace is the end, not the closing.
    const second = fakePopup();
    const answered = popupSignIn({ apiBaseUrl: 'http://api.test', openWindow: () => second as unknown as Window, pollMs: 100 })(Promise.resolve('http://api.test/a'), context());
    await jest.advanceTimersByTimeAsync(0);
    second.closed = true;
    await jest.advanceTimersByTimeAsync(1200);
    post({ ok: true, completion: 'j'.repeat(43) });
    await expect(answered).resolves.toEqual({ outcome: 'signed-in', completion: 'j'.repeat(43) });
  });

  it('with an API to ask, a window that reads closed is asked about at once, hinted at closedHintMs (not before), and ends as closed just after closedWaitMs', async () => {
    let asked = 0;
    let hints = 0;
    let ended: unknown;
    const teams = { prepare: () => undefined, abandon: () => undefined, windowUrl: (url: string) => url, launchSignIn: () => ({ kind: 'teams' as const, result: Promise.resolve({ ok: false, catalog: null, cancelled: true }) }) };
    const result = fromLauncher(teams, 100, { relayMs: 10_000, closedHintMs: 1000, closedWaitMs: 2000 })(Promise.resolve('http://api.test/a'), context({ poll: () => { asked++; return Promise.resolve(undefined); }, onClosedHint: () => { hints++; } }));
    result.then((end) => { ended = end; }, () => undefined);
    await jest.advanceTimersByTimeAsync(0);
    // Teams said closed: asked at once, not only at the relay's cadence.
    expect(asked).toBe(1);
    await jest.advanceTimersByTimeAsync(900);
    expect(hints).toBe(0);
    await jest.advanceTimersByTimeAsync(100);
    expect(hints).toBe(1);
    await jest.advanceTimersByTimeAsync(1000);
    expect(ended).toBeUndefined();
    await jest.advanceTimersByTimeAsync(100);
    expect([ended, hints]).toEqual([{ outcome: 'closed' }, 1]);
  });
});
