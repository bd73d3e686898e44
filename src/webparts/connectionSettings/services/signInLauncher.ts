import { isSignInMessage, type ISignInMessage, type ISignInResult } from '../model/connection';

export type { ISignInResult };

/** How a started sign-in is followed. */
export type SignInLaunch =
  /** A browser window: its callback page posts the result to this page; the page watches it close. */
  | { kind: 'window'; window: Window }
  /** A popup blocker refused the window: the page offers a link the admin clicks. */
  | { kind: 'blocked' }
  /** Teams opened its own sign-in window; the result arrives here. */
  | { kind: 'teams'; result: Promise<ISignInResult> };

export interface ISignInLauncher {
  /**
   * Called inside the admin's click, before any await: a browser opens its (blank) window now,
   * or a popup blocker refuses it as not caused by a click.
   */
  prepare(): void;
  /** Goes to the Microsoft sign-in at authorizeUrl, through the API's start page (which binds the sign-in to this browser). */
  launchSignIn(authorizeUrl: string): SignInLaunch;
  /** The URL the window opens for authorizeUrl (the blocked notice's link): the API's start page. */
  windowUrl(authorizeUrl: string): string;
  /** The sign-in does not go ahead: close what prepare opened. */
  abandon(): void;
}

/** The part of TeamsJS's authentication capability the launcher uses (TeamsJS v2, as SPFx gives it). */
export interface ITeamsAuthentication {
  authenticate(params: { url: string; width?: number; height?: number }): Promise<string>;
}

const WIDTH = 520;
const HEIGHT = 680;

/**
 * The API's page a sign-in window starts at: `start` (a browser window) or `teams-start` (Teams').
 * It binds the sign-in to the browser it runs in (a cookie the API's callback asks for), then goes
 * on to the Microsoft sign-in: an authorize URL seen by anyone else signs no one in elsewhere.
 */
function startUrl(apiBaseUrl: string, page: 'start' | 'teams-start', authorizeUrl: string): string {
  return `${apiBaseUrl.replace(/\/+$/, '')}/v1/auth/${page}?authorize=${encodeURIComponent(authorizeUrl)}`;
}

/** SharePoint (and any browser): a popup window, opened in the click and sent on once the URL is known. */
export function popupLauncher(apiBaseUrl: string, open: (url: string) => Window | null = (url: string) => window.open(url, 'lms-m365-sign-in', `width=${WIDTH},height=${HEIGHT}`)): ISignInLauncher {
  let prepared: Window | null | undefined;
  const windowUrl = (authorizeUrl: string): string => startUrl(apiBaseUrl, 'start', authorizeUrl);
  return {
    prepare(): void {
      prepared = open('about:blank');
    },
    windowUrl,
    launchSignIn(authorizeUrl: string): SignInLaunch {
      const url = windowUrl(authorizeUrl);
      // Not prepared (a click on the blocked notice's link): this click opens the window itself.
      const popup = prepared === undefined ? open(url) : prepared;
      const navigate = prepared !== undefined;
      prepared = undefined;
      if (!popup || popup.closed) {
        return { kind: 'blocked' };
      }
      if (navigate) {
        popup.location.href = url;
      }
      return { kind: 'window', window: popup };
    },
    abandon(): void {
      if (prepared && !prepared.closed) {
        prepared.close();
      }
      prepared = undefined;
    }
  };
}

/**
 * Teams: window.open from a tab may open outside Teams with no opener (the desktop client), so
 * Teams' own authentication.authenticate opens the window. It starts at the API's
 * /v1/auth/teams-start (on the API's domain, as Teams asks), which marks the window so the callback
 * page answers Teams (notifySuccess / notifyFailure) rather than an opener.
 */
export function teamsLauncher(authentication: ITeamsAuthentication, apiBaseUrl: string): ISignInLauncher {
  const windowUrl = (authorizeUrl: string): string => startUrl(apiBaseUrl, 'teams-start', authorizeUrl);
  return {
    prepare(): void { /* Teams opens its window itself */ },
    windowUrl,
    launchSignIn(authorizeUrl: string): SignInLaunch {
      const url = windowUrl(authorizeUrl);
      const result = authentication.authenticate({ url, width: WIDTH, height: HEIGHT }).then(
        (answer: string) => resultFromTeams(answer),
        (error: unknown) => failureFromTeams(error)
      );
      return { kind: 'teams', result };
    },
    abandon(): void { /* nothing opened yet */ }
  };
}

/** The callback's message in a text Teams handed back (notifySuccess's result, notifyFailure's reason), if it is one. */
function signInMessageIn(text: string): ISignInMessage | undefined {
  let message: unknown;
  try {
    message = JSON.parse(text);
  } catch {
    return undefined;
  }
  return isSignInMessage(message) ? message : undefined;
}

function resultFromTeams(answer: string): ISignInResult {
  const message = signInMessageIn(answer);
  if (!message) {
    return { ok: false, catalog: null, code: 'SIGN_IN_FAILED' };
  }
  return { ok: message.ok, catalog: message.catalog || null, ...(message.code ? { code: message.code } : {}), ...(message.completion ? { completion: message.completion } : {}) };
}

/**
 * notifyFailure's reason is the callback's message (its code and what Microsoft 365 answered; an
 * older API's: the code alone); Teams' own reasons say the window was closed or not opened.
 */
function failureFromTeams(error: unknown): ISignInResult {
  const reason = error instanceof Error ? error.message : String(error);
  if (/^[A-Z][A-Z_]+$/.test(reason)) {
    return { ok: false, catalog: null, code: reason };
  }
  const message = reason.charAt(0) === '{' ? signInMessageIn(reason) : undefined;
  if (message && !message.ok) {
    return { ok: false, catalog: null, code: message.code || 'SIGN_IN_FAILED', ...(typeof message.upstream === 'string' ? { upstream: message.upstream } : {}) };
  }
  return { ok: false, catalog: null, cancelled: true, ...(/FailedToOpenWindow/i.test(reason) ? { notOpened: true } : {}) };
}

/** The launcher for the host the web part runs in: Teams' when TeamsJS is there, else a popup. */
export function signInLauncherFor(host: { teams?: ITeamsAuthentication; apiBaseUrl: string; openWindow?: (url: string) => Window | null }): ISignInLauncher {
  return host.teams ? teamsLauncher(host.teams, host.apiBaseUrl) : popupLauncher(host.apiBaseUrl, host.openWindow);
}
