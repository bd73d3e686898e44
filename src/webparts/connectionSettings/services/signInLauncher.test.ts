import { popupLauncher, signInLauncherFor, teamsLauncher, type ITeamsAuthentication } from './signInLauncher';

const AUTHORIZE = 'https://login.microsoftonline.com/t/oauth2/v2.0/authorize?client_id=c&state=s';
const START = `https://api.test/v1/auth/start?authorize=${encodeURIComponent(AUTHORIZE)}`;

function fakeWindow(): Window & { navigatedTo: string[] } {
  const navigatedTo: string[] = [];
  const w = { closed: false, close() { w.closed = true; }, location: { set href(url: string) { navigatedTo.push(url); } }, navigatedTo };
  return w as unknown as Window & { navigatedTo: string[] };
}

function fakeTeams(answer: () => Promise<string>): ITeamsAuthentication & { asked: Array<{ url: string; width?: number; height?: number }> } {
  const asked: Array<{ url: string; width?: number; height?: number }> = [];
  return { asked, authenticate: (params) => { asked.push(params); return answer(); } };
}

describe('sign-in launcher', () => {
  it('signInLauncherFor - Teams\' authentication when the host has TeamsJS, a popup otherwise', () => {
    const teams = fakeTeams(() => Promise.resolve('{}'));
    expect(signInLauncherFor({ teams, apiBaseUrl: 'https://api.test' }).launchSignIn(AUTHORIZE).kind).toBe('teams');
    expect(teams.asked).toHaveLength(1);
    const opened: string[] = [];
    const popup = signInLauncherFor({ apiBaseUrl: 'https://api.test', openWindow: (url) => { opened.push(url); return fakeWindow(); } });
    expect(popup.launchSignIn(AUTHORIZE).kind).toBe('window');
    expect(opened).toEqual([START]);
  });

  it('popupLauncher - opens a blank window in the click, then sends it to the sign-in through the API\'s start page (which binds it to this browser)', () => {
    const w = fakeWindow();
    const opened: string[] = [];
    const launcher = popupLauncher('https://api.test/', (url) => { opened.push(url); return w; });
    launcher.prepare();
    expect(launcher.launchSignIn(AUTHORIZE)).toEqual({ kind: 'window', window: w });
    expect(opened).toEqual(['about:blank']);
    expect(w.navigatedTo).toEqual([START]);
  });

  it('popupLauncher - a refused window is reported as blocked; abandon closes what prepare opened', () => {
    expect(popupLauncher('https://api.test', () => null).launchSignIn(AUTHORIZE)).toEqual({ kind: 'blocked' });
    const blocked = popupLauncher('https://api.test', () => null);
    blocked.prepare();
    expect(blocked.launchSignIn(AUTHORIZE)).toEqual({ kind: 'blocked' });
    const w = fakeWindow();
    const launcher = popupLauncher('https://api.test', () => w);
    launcher.prepare();
    launcher.abandon();
    expect(w.closed).toBe(true);
  });

  it('teamsLauncher - starts at the API\'s Teams start page with the authorize URL, and returns the callback\'s result', async () => {
    const message = { type: 'lms-m365-connection', catalog: 'https://contoso.sharepoint.com/sites/a', ok: true, completion: 'k'.repeat(43) };
    const teams = fakeTeams(() => Promise.resolve(JSON.stringify(message)));
    const launch = teamsLauncher(teams, 'https://api.test/').launchSignIn(AUTHORIZE);
    expect(teams.asked).toEqual([{ url: `https://api.test/v1/auth/teams-start?authorize=${encodeURIComponent(AUTHORIZE)}`, width: 520, height: 680 }]);
    expect(launch.kind).toBe('teams');
    expect(await (launch as { result: Promise<unknown> }).result).toEqual({ ok: true, catalog: message.catalog, completion: message.completion });
  });

  it('teamsLauncher - notifyFailure\'s code is the error; Teams\' own reasons mean the window was closed; a garbled answer fails', async () => {
    const result = (answer: () => Promise<string>) => (teamsLauncher(fakeTeams(answer), 'https://api.test').launchSignIn(AUTHORIZE) as { result: Promise<unknown> }).result;
    expect(await result(() => Promise.reject(new Error('SMTP_AUTH_DISABLED')))).toEqual({ ok: false, catalog: null, code: 'SMTP_AUTH_DISABLED' });
    // The callback's message: its code and what Microsoft 365 answered; a value that is not text is dropped.
    const failed = { type: 'lms-m365-connection', catalog: 'https://contoso.sharepoint.com/sites/a', ok: false, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' };
    expect(await result(() => Promise.reject(new Error(JSON.stringify(failed))))).toEqual({ ok: false, catalog: null, code: 'CONDITIONAL_ACCESS_BLOCKED', upstream: 'AADSTS53003' });
    expect(await result(() => Promise.reject(new Error(JSON.stringify({ ...failed, upstream: { x: 1 } }))))).toEqual({ ok: false, catalog: null, code: 'CONDITIONAL_ACCESS_BLOCKED' });
    // A message that says ok is no failure's reason: taken as the window closed, never as signed in.
    expect(await result(() => Promise.reject(new Error(JSON.stringify({ ...failed, ok: true, completion: 'k'.repeat(43) }))))).toEqual({ ok: false, catalog: null, cancelled: true });
    expect(await result(() => Promise.reject(new Error('CancelledByUser')))).toEqual({ ok: false, catalog: null, cancelled: true });
    expect(await result(() => Promise.reject(new Error('FailedToOpenWindow')))).toEqual({ ok: false, catalog: null, cancelled: true, notOpened: true });
    expect(await result(() => Promise.resolve('not json'))).toEqual({ ok: false, catalog: null, code: 'SIGN_IN_FAILED' });
    expect(await result(() => Promise.resolve(JSON.stringify({ type: 'lms-m365-connection', catalog: null, ok: false, code: 'CONSENT_DECLINED' })))).toEqual({ ok: false, catalog: null, code: 'CONSENT_DECLINED' });
  });
});
