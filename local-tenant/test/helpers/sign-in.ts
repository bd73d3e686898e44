/**
 * Walks the tenant's sign-in and consent pages over plain HTTP, as a browser would (cookies,
 * form posts, redirects), so Node tests can run the authorization code flow end to end.
 */
export interface SignInOptions {
  upn: string;
  password?: string;
  /** What to do on the consent page if it appears. */
  consent?: 'accept' | 'cancel';
  consentForOrg?: boolean;
  cookies?: Map<string, string>;
}

export interface SignInResult {
  /** Where the tenant finally redirected (the client's redirect URI with code or error). */
  redirect: URL | null;
  /** The last HTML page, when the flow stopped on a page instead of redirecting. */
  page: string | null;
  status: number;
  sawConsent: boolean;
  /** The consent page's HTML, when one was shown. */
  consentPage?: string;
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar.entries()].map(([k, v]) => `${k}=${v}`).join('; ');
}

function keepCookies(res: Response, jar: Map<string, string>): void {
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const eq = pair.indexOf('=');
    jar.set(pair.slice(0, eq), pair.slice(eq + 1));
  }
}

function field(html: string, name: string): string {
  const m = html.match(new RegExp(`name="${name}" value="([^"]*)"`));
  if (!m) throw new Error(`no ${name} field on the page`);
  return m[1];
}

function formAction(html: string): string {
  const m = html.match(/<form method="post" action="([^"]+)"/);
  if (!m) throw new Error('no form on the page');
  return m[1];
}

export async function signIn(authorizeUrl: string, opts: SignInOptions): Promise<SignInResult> {
  const jar = opts.cookies ?? new Map<string, string>();
  const base = new URL(authorizeUrl);
  const get = async (url: string): Promise<Response> => {
    const res = await fetch(url, { redirect: 'manual', headers: { cookie: cookieHeader(jar) } });
    keepCookies(res, jar);
    return res;
  };
  const post = async (path: string, form: Record<string, string>): Promise<Response> => {
    const res = await fetch(new URL(path, base), {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookieHeader(jar) },
      body: new URLSearchParams(form).toString()
    });
    keepCookies(res, jar);
    return res;
  };
  const outcome = async (res: Response, sawConsent: boolean): Promise<SignInResult> => {
    if (res.status === 302) return { redirect: new URL(res.headers.get('location') as string), page: null, status: 302, sawConsent };
    return { redirect: null, page: await res.text(), status: res.status, sawConsent };
  };

  let res = await get(authorizeUrl);
  if (res.status !== 200) return outcome(res, false);
  let html = await res.text();
  if (html.includes('name="password"')) {
    res = await post(formAction(html), { interaction: field(html, 'interaction'), username: opts.upn, password: opts.password ?? 'dev-password' });
    if (res.status !== 200) return outcome(res, false);
    html = await res.text();
  }
  if (!html.includes('Permissions requested')) return { redirect: null, page: html, status: 200, sawConsent: false };
  const form: Record<string, string> = { interaction: field(html, 'interaction'), decision: opts.consent ?? 'accept' };
  if (opts.consentForOrg) form.consentForOrg = 'on';
  res = await post(formAction(html), form);
  return { ...(await outcome(res, true)), consentPage: html };
}
