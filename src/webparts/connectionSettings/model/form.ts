import type { IConnectionSettingsStrings } from '../loc';
import { isWorking, type AuthMethod, type IConnectionView, type Transport } from './connection';
import type { ISettings } from './settings';

/** What the admin edits on the page. The password lives here only until it is sent. */
export interface IFormValues {
  enabled: boolean;
  method: AuthMethod;
  transport: Transport;
  alertRecipients: string[];
  orgConsent: boolean;
  classicEmail: string;
  classicPassword: string;
}

export type FormField = keyof IFormValues;

export interface IFormErrors {
  classicEmail?: string;
  classicPassword?: string;
}

/**
 * The stored state the page starts from and Cancel returns to (R-PAGE-5). The switch, the alert
 * recipients and a connection's method and transport are the API's - it is the one that sends -
 * so the page shows what the API confirmed, whatever the list says (issue 14, point 3).
 */
export function formFromStored(settings: ISettings, view: IConnectionView | undefined): IFormValues {
  const classicAccount = view && view.method === 'classic' && view.account ? view.account.email : '';
  const connected = !!view && view.method !== null && view.account !== null;
  return {
    enabled: view ? view.enabled : settings.enabled,
    method: connected && view ? view.method as AuthMethod : settings.method,
    transport: connected && view && view.method === 'modern' ? view.transport : settings.transport,
    alertRecipients: (view ? view.alertRecipients : settings.alertRecipients).slice(),
    orgConsent: false,
    classicEmail: classicAccount,
    classicPassword: ''
  };
}

function sameList(a: string[], b: string[]): boolean {
  if (a.length !== b.length) {
    return false;
  }
  const lower = (list: string[]): string[] => list.map((s: string) => s.toLowerCase()).sort();
  const left = lower(a);
  const right = lower(b);
  for (let i = 0; i < left.length; i++) {
    if (left[i] !== right[i]) {
      return false;
    }
  }
  return true;
}

/** Fields that differ from the stored state; the page marks each of them as unsaved. */
export function dirtyFields(stored: IFormValues, current: IFormValues): FormField[] {
  const fields: FormField[] = [];
  if (stored.enabled !== current.enabled) { fields.push('enabled'); }
  if (stored.method !== current.method) { fields.push('method'); }
  if (stored.transport !== current.transport) { fields.push('transport'); }
  if (!sameList(stored.alertRecipients, current.alertRecipients)) { fields.push('alertRecipients'); }
  if (stored.orgConsent !== current.orgConsent) { fields.push('orgConsent'); }
  if (stored.classicEmail.trim().toLowerCase() !== current.classicEmail.trim().toLowerCase()) { fields.push('classicEmail'); }
  if (current.classicPassword !== '') { fields.push('classicPassword'); }
  return fields;
}

export function isDirty(stored: IFormValues, current: IFormValues): boolean {
  return dirtyFields(stored, current).length > 0;
}

// Deliberately loose: the API and Exchange are the judges of an address; this only catches typos.
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function isEmail(value: string): boolean {
  return EMAIL.test(value.trim());
}

/**
 * Classic needs a password whenever it would (re)connect: a new account, a changed address, or
 * no working Classic connection. Re-saving other settings of a connected Classic account does not.
 */
export function classicNeedsCredentials(stored: IFormValues, current: IFormValues, view: IConnectionView | undefined): boolean {
  if (current.method !== 'classic') {
    return false;
  }
  const connectedClassic = !!view && view.method === 'classic' && view.account !== null && isWorking(view);
  return !connectedClassic || dirtyFields(stored, current).indexOf('classicEmail') >= 0 || current.classicPassword !== '';
}

export function validate(stored: IFormValues, current: IFormValues, view: IConnectionView | undefined, strings: IConnectionSettingsStrings): IFormErrors {
  return classicNeedsCredentials(stored, current, view) ? validateCredentials(current, strings) : {};
}

/** A Classic connection needs an address and a password, whatever was connected before. */
export function validateCredentials(current: IFormValues, strings: IConnectionSettingsStrings): IFormErrors {
  const errors: IFormErrors = {};
  if (current.classicEmail.trim() === '') {
    errors.classicEmail = strings.validationEmailRequired;
  } else if (!isEmail(current.classicEmail)) {
    errors.classicEmail = strings.validationEmailInvalid;
  }
  if (current.classicPassword === '') {
    errors.classicPassword = strings.validationPasswordRequired;
  }
  return errors;
}

export function hasErrors(errors: IFormErrors): boolean {
  return errors.classicEmail !== undefined || errors.classicPassword !== undefined;
}

/**
 * Whether the organisation's consent covers what a Modern sign-in with `transport` asks: the SMTP
 * transport needs SMTP.Send besides (an older API that does not say reads as not granted).
 */
export function orgConsentCovers(view: IConnectionView, transport: Transport): boolean {
  return view.orgConsent.granted && (transport !== 'smtp-oauth' || view.orgConsent.smtpGranted === true);
}

/** R-MOD-5: the option is for those who can grant it and only while it is not yet granted (for the transport chosen). */
export function orgConsentOptionVisible(view: IConnectionView | undefined, transport: Transport): boolean {
  return !!view && view.orgConsent.canGrant && !orgConsentCovers(view, transport);
}

/** Modern needs a sign-in when nothing healthy is connected with Modern, or the transport changes. */
export function modernNeedsSignIn(stored: IFormValues, current: IFormValues, view: IConnectionView | undefined): boolean {
  if (current.method !== 'modern') {
    return false;
  }
  if (!view || view.method !== 'modern' || view.account === null || view.health.state !== 'connected') {
    return true;
  }
  return view.transport !== current.transport;
}

export function settingsFromForm(values: IFormValues): ISettings {
  return {
    enabled: values.enabled,
    method: values.method,
    transport: values.transport,
    alertRecipients: values.alertRecipients.slice()
  };
}
