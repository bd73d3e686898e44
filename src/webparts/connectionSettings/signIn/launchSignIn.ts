import { isSignInMessage } from '../model/connection';
import { popupLauncher, type ISignInLauncher, type ISignInResult, type SignInLaunch } from '../services/signInLauncher';

/** How a sign-in ended, as far as the page can tell (after the page completed it: useSignIn). */
export type SignInEnd =
  | { outcome: 'connected' }
  | { outcome: 'failed'; code: string; upstream?: string }
  /** Closed without a word: nothing was connected. */
  | { outcome: 'closed' }
  | { outcome: 'cancelled' };

/**
 * How the sign-in window ended: Microsoft's part done, with the one-time completion code the page
 * still has to present with its admin's token and nonce (R-SEC-1), or one of the other ends.
 */
export type LaunchEnd = Exclude<SignInEnd, { outcome: 'connected' }> | { outcome: 'signed-in'; completion: string };

export interface ISignInContext {
  /** The connection API's origin: the callback page posts its result from there. */
  apiOrigin: string;
  /** The catalog this page shows; a result for another catalog is not this page's. */
  catalog: string | undefined;
  /**
   * The window could not be opened: the page offers a link to `url` (which opens it with an opener).
   * `retry`, called in the link's click, opens the window there and follows it as the first one;
   * false when it was refused again (the link then opens the sign-in by itself).
   */
  onBlocked: (url: string, retry: () => boolean) => void;
  /** Aborted when the admin cancels or the page goes away. */
  signal: AbortSignal;
  /**
   * Asks the API how the sign-in ended (undefined: not yet). Microsoft's sign-in page sends
   * Cross-Origin-Opener-Policy, so the window loses this page as its opener: its message may never
   * come, and the window reads as closed while the admin is still signing in.
   */
  poll?: () => Promise<ISignInResult | undefined>;
  /**
   * The window has read closed for a while and the sign-in has not ended: the page says what to do
   * if it really is closed (it may not be: see `poll`). Called once.
   */
  onClosedHint?: () => void;
}

/**
 * Opens the Microsoft sign-in and resolves when it ends. Called inside the click, before any
 * await, with the authorize URL still to come: browsers open windows only from a user's gesture.
 * The popup launcher below is the default; a host with its own way (Teams' authenticate) gives
 * its launcher (services/signInLauncher.ts) to the page, which follows it with fromLauncher.
 */
export type LaunchSignIn = (authorizeUrl: Promise<string>, context: ISignInContext) => Promise<LaunchEnd>;

export interface IPopupOptions extends IFollowOptions {
  /** Where the API is hosted: the window opens at its start page (services/signInLauncher.ts). */
  apiBaseUrl: string;
  /** Opens the window; window.open by default. */
  openWindow?: (url: string) => Window | null;
  /** How often a waiting page checks whether the window was closed. */
  pollMs?: number;
}

export interface IFollowOptions {
  /** How often a waiting page asks the API (context.poll) how the sign-in ended. */
  relayMs?: number;
  /**
   * How long a page that can ask the API waits after the window reads closed, when that is to end
   * sooner than the sign-in's lifetime (tests): else the lifetime alone ends the wait.
   */
  closedWaitMs?: number;
  /** How long after the window reads closed the page is told (context.onClosedHint). */
  closedHintMs?: number;
  /**
   * How long the page waits at all, from the authorize URL: after that the sign-in can no longer
   * finish. A window that read closed ends as closed; one still open as expired (STATE_EXPIRED),
   * rather than the page waiting in a window left open.
   */
  lifetimeMs?: number;
}

/** The callback posts its message and then closes: a closed window gets this long for it to arrive. */
const CLOSE_GRACE_MS = 1500;
/**
 * A window that reads closed and has not answered this long: the page says what to do if it was
 * really closed, rather than wait the sign-in's whole lifetime in silence.
 */
const CLOSED_HINT_MS = 5000;
/**
 * How long the page waits for an answer: a sign-in started lives 10 minutes (the API's
 * pendingsignins), and one made with another account than the admin's waits up to 5 more for its
 * owner's confirmation on the callback page (CONFIRM_LIFETIME_MS).
 */
const SIGN_IN_LIFETIME_MS = 15 * 60_000;

/** The sign-in in a popup window whose callback page posts the result to this page (docs/design.md). */
export function popupSignIn(options: IPopupOptions): LaunchSignIn {
  return fromLauncher(popupLauncher(options.apiBaseUrl, options.openWindow), options.pollMs, options);
}

/**
 * Follows a host's sign-in launcher (services/signInLauncher.ts) to its end: a browser window's
 * result comes as the callback page's message and its closing is watched; Teams answers itself.
 */
export function fromLauncher(launcher: ISignInLauncher, pollMs: number = 500, follow: IFollowOptions = {}): LaunchSignIn {
  const relayMs = follow.relayMs ?? 2000;
  const closedWaitMs = follow.closedWaitMs;
  const closedHintMs = follow.closedHintMs ?? CLOSED_HINT_MS;
  const lifetimeMs = follow.lifetimeMs ?? SIGN_IN_LIFETIME_MS;
  return (authorizeUrl: Promise<string>, context: ISignInContext): Promise<LaunchEnd> => {
    launcher.prepare();
    return new Promise<LaunchEnd>((resolve, reject) => {
      let timer: ReturnType<typeof setInterval> | undefined;
      let relay: ReturnType<typeof setInterval> | undefined;
      let expiry: ReturnType<typeof setTimeout> | undefined;
      let popup: Window | undefined;
      let done = false;
      let asking = false;
      /** `abandon`: the window is no use any more (cancelled, expired, failed to start): it is closed. */
      const finish = (end: LaunchEnd | { error: unknown }, abandon: boolean = 'error' in end || end.outcome === 'cancelled'): void => {
        if (done) {
          return;
        }
        done = true;
        if (expiry !== undefined) {
          clearTimeout(expiry);
        }
        window.removeEventListener('message', onMessage);
        context.signal.removeEventListener('abort', onAbort);
        if (timer !== undefined) {
          clearInterval(timer);
        }
        if (relay !== undefined) {
          clearInterval(relay);
        }
        if (abandon) {
          launcher.abandon();
          if (popup && !popup.closed) {
            popup.close();
          }
        }
        if ('error' in end) {
          reject(end.error);
        } else {
          resolve(end);
        }
      };
      const fromResult = (result: ISignInResult): void => {
        if (result.cancelled) {
          finish({ outcome: 'closed' });
          // A site's path names it in any case: the view carries the spelling its record was first
          // stored with, the sign-in the one this page started it with.
        } else if (!context.catalog || !result.catalog || result.catalog.toLowerCase() === context.catalog.toLowerCase()) {
          if (result.ok && result.completion) {
            finish({ outcome: 'signed-in', completion: result.completion });
          } else {
            finish(result.ok ? { outcome: 'failed', code: 'STATE_INVALID' } : { outcome: 'failed', code: result.code || 'CONSENT_REQUIRED', ...(result.upstream ? { upstream: result.upstream } : {}) });
          }
        }
      };
      const onMessage = (event: MessageEvent): void => {
        if (event.origin.toLowerCase() !== context.apiOrigin || !isSignInMessage(event.data)) {
          return;
        }
        fromResult({ ok: event.data.ok, catalog: event.data.catalog || null, code: event.data.code, upstream: typeof event.data.upstream === 'string' ? event.data.upstream : undefined, completion: event.data.completion });
      };
      const onAbort = (): void => finish({ outcome: 'cancelled' });
      window.addEventListener('message', onMessage);
      context.signal.addEventListener('abort', onAbort);

      /** Asks the API how the sign-in ended; a failed question (the network) is asked again. */
      const ask = (): void => {
        const poll = context.poll;
        if (!poll || asking || done) {
          return;
        }
        asking = true;
        poll().then((result: ISignInResult | undefined) => {
          asking = false;
          if (result && !done) {
            fromResult(result);
          }
        }, (error: unknown) => {
          asking = false;
          const refusal = error as { kind?: string; code?: string } | undefined;
          // The API refused the question itself (another admin's sign-in): that is how it ended.
          if (refusal && refusal.kind === 'problem' && refusal.code) {
            finish({ outcome: 'failed', code: refusal.code });
          }
        });
      };
      const startAsking = (): void => {
        if (context.poll && relay === undefined) {
          relay = setInterval(ask, relayMs);
        }
      };
      /**
       * The window reads closed, or Teams says it was: with no API to ask, that is the end; else
       * only a hint (COOP makes an open window read closed), and the page waits for the API's
       * answer until the sign-in could no longer finish - or the admin presses Cancel.
       */
      let closedAt: number | undefined;
      let hinted = false;
      const windowClosed = (): void => {
        if (!context.poll) {
          finish({ outcome: 'closed' });
          return;
        }
        // Asked at once when it first reads closed; after that the relay's own cadence asks.
        if (closedAt === undefined) {
          closedAt = Date.now();
          ask();
        }
        if (closedWaitMs !== undefined && Date.now() - closedAt > closedWaitMs) {
          finish({ outcome: 'closed' });
        } else if (!hinted && Date.now() - closedAt >= closedHintMs) {
          hinted = true;
          context.onClosedHint?.();
        }
      };
      const watchClosed = (): void => {
        windowClosed();
        timer = setInterval(windowClosed, pollMs);
      };

      /** Follows what the launcher started; false when a popup blocker refused the window. */
      const follow = (launch: SignInLaunch): boolean => {
        if (launch.kind === 'teams') {
          startAsking();
          launch.result.then((result: ISignInResult) => {
            if (!result.cancelled || !context.poll || result.notOpened) {
              fromResult(result);
            } else {
              // Teams says the window was closed: a hint, as for a popup (above).
              watchClosed();
            }
          }, watchClosed);
          return true;
        }
        if (launch.kind === 'blocked') {
          return false;
        }
        const opened = launch.window;
        popup = opened;
        startAsking();
        let closedSince: number | undefined;
        timer = setInterval(() => {
          if (!opened.closed) {
            return;
          }
          closedSince = closedSince || Date.now();
          if (Date.now() - closedSince > CLOSE_GRACE_MS) {
            windowClosed();
          }
        }, pollMs);
        return true;
      };

      authorizeUrl.then((url: string) => {
        if (context.signal.aborted || done) {
          return;
        }
        // The API started the sign-in's lifetime before this answer: past this nothing can finish it.
        expiry = setTimeout(() => finish(closedAt !== undefined ? { outcome: 'closed' } : { outcome: 'failed', code: 'STATE_EXPIRED' }, true), lifetimeMs);
        if (!follow(launcher.launchSignIn(url))) {
          // Blocked: the link the page offers opens the window in its own click, followed like this one.
          context.onBlocked(launcher.windowUrl(url), () => !done && follow(launcher.launchSignIn(url)));
        }
      }, (error: unknown) => finish({ error }));
    });
  };
}
