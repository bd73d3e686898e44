import { esc, page } from '../http/html';
import type { Account, App } from '../state/tenant-state';

export interface SignInView {
  action: string;
  interaction: string;
  clientName: string;
  tenantName: string;
  accounts: Account[];
  username: string;
  defaultPassword: string;
  error: { code: number; message: string } | null;
}

/** Entra's sign-in page, reduced: pick a dev account (or type one), enter its password. */
export function signInPage(v: SignInView): string {
  const accounts = v.accounts
    .map((a) => `<button type="button" data-upn="${esc(a.upn)}" onclick="document.getElementById('username').value=this.dataset.upn;document.getElementById('password').focus()">${esc(a.displayName)} <span class="hint">${esc(a.upn)}</span></button>`)
    .join('');
  const error = v.error ? `<p class="error" role="alert" id="error">AADSTS${v.error.code}: ${esc(v.error.message)}</p>` : '';
  return page(
    'Sign in to your account',
    `<div class="tenant">${esc(v.tenantName)} &middot; local tenant</div>
<h1>Sign in</h1>
<p>to continue to <strong>${esc(v.clientName)}</strong></p>
${error}
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="interaction" value="${esc(v.interaction)}">
<label for="username">Email, phone, or Skype</label>
<input type="email" id="username" name="username" autocomplete="username" value="${esc(v.username)}" required>
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password">
<button type="submit" id="idSIButton9">Sign in</button>
</form>
<h2>Development accounts</h2>
<p class="hint">Every account's password is <code>${esc(v.defaultPassword)}</code> unless a fault changed it.</p>
<div class="accounts">${accounts}</div>`
  );
}

export interface ConsentView {
  action: string;
  interaction: string;
  client: App;
  user: Account;
  resource: App;
  scopes: { value: string; description: string }[];
  /** Offer "Consent on behalf of your organization" (tenant admins only). */
  canConsentForOrg: boolean;
  /** Admin consent: the grant is for the whole organisation, no choice. */
  orgConsentForced: boolean;
}

/** The permissions-requested page, each permission in plain words. */
export function consentPage(v: ConsentView): string {
  const perms = v.scopes.map((s) => `<li><strong>${esc(s.description)}</strong> <span class="hint">(${esc(s.value)})</span></li>`).join('');
  const org = v.orgConsentForced
    ? `<p>Accepting grants these permissions for <strong>every user in your organization</strong>; no one else will be asked.</p><input type="hidden" name="consentForOrg" value="on">`
    : v.canConsentForOrg
      ? `<p><label><input type="checkbox" name="consentForOrg" id="consentForOrg"> Consent on behalf of your organization</label></p><p class="hint">If you don't check this box, other users will be asked to consent for themselves.</p>`
      : '';
  return page(
    'Permissions requested',
    `<div class="tenant">${esc(v.user.upn)}</div>
<h1>Permissions requested</h1>
<p><strong>${esc(v.client.displayName)}</strong> <span class="hint">${esc(v.client.publisher ?? 'unverified')}</span></p>
<p>This app would like to (on ${esc(v.resource.displayName)}):</p>
<ul class="perms">${perms}</ul>
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="interaction" value="${esc(v.interaction)}">
${org}
<p class="hint">Accepting these permissions means that you allow this app to use your data as specified in its terms of service and privacy statement.</p>
<button type="submit" name="decision" value="cancel" class="secondary" id="idBtn_Back">Cancel</button>
<button type="submit" name="decision" value="accept" id="idSIButton9">Accept</button>
</form>`
  );
}

/** Entra's error page for requests it will not redirect (unknown app, bad redirect URI ...). */
export function errorPage(code: number, message: string, back?: string): string {
  return page(
    'Sign in error',
    `<h1>Sorry, but we're having trouble signing you in.</h1>
<p class="error" role="alert" id="error">AADSTS${code}: ${esc(message)}</p>
${back ? `<p><a href="${esc(back)}" id="back">Return to the application without granting consent</a></p>` : ''}`
  );
}

/**
 * Entra's "Need admin approval" page (AADSTS90094): a permission only an admin can grant, asked of
 * a user who is not one, with the admin consent workflow off. Entra's page also offers "Have an
 * admin account? Sign in with that account"; here an admin signs in through a new sign-in.
 */
export function needAdminApprovalPage(clientName: string, code: number, message: string, back: string): string {
  return page(
    'Need admin approval',
    `<h1>Need admin approval</h1>
<p>${esc(clientName)} needs permission to access resources in your organization that only an admin can grant. Please ask an admin to grant permission to this app before you can use it.</p>
<p><a href="${esc(back)}" id="back">Return to the application without granting consent</a></p>
<p class="hint" id="error">Troubleshooting details: AADSTS${code}: ${esc(message)}</p>`
  );
}

export function signedOutPage(): string {
  return page('Signed out', '<h1>You signed out of your account</h1><p>It\'s a good idea to close all browser windows.</p>');
}

export interface ApprovalRequiredView {
  action: string;
  interaction: string;
  client: App;
  user: Account;
  scopes: { value: string; description: string }[];
}

/**
 * Entra's "Approval required" page, shown instead of AADSTS90094 when the tenant's admin consent
 * workflow is on: the user may ask the reviewers to approve, with a justification.
 */
export function approvalRequiredPage(v: ApprovalRequiredView): string {
  const perms = v.scopes.map((s) => `<li><strong>${esc(s.description)}</strong> <span class="hint">(${esc(s.value)})</span></li>`).join('');
  return page(
    'Approval required',
    `<div class="tenant">${esc(v.user.upn)}</div>
<h1>Approval required</h1>
<p><strong>${esc(v.client.displayName)}</strong> <span class="hint">${esc(v.client.publisher ?? 'unverified')}</span></p>
<p>This app requires your admin's approval to:</p>
<ul class="perms">${perms}</ul>
<form method="post" action="${esc(v.action)}">
<input type="hidden" name="interaction" value="${esc(v.interaction)}">
<label for="justification">Enter justification for requesting this app</label>
<textarea id="justification" name="justification" maxlength="500"></textarea>
<button type="submit" id="idSIButton9">Request approval</button>
</form>`
  );
}

/** After a consent request was sent: Entra keeps the user here; nothing goes back to the app. */
export function requestSentPage(clientName: string): string {
  return page(
    'Request sent',
    `<h1>Request sent</h1>
<p id="request-sent">Your request for <strong>${esc(clientName)}</strong> was sent to your admins. You'll get an email once it has been reviewed. You can close this window.</p>`
  );
}
