import en from '../loc/en-us';
import { connectedView, notConnectedView } from '../test/fakes';
import {
  classicNeedsCredentials, dirtyFields, formFromStored, hasErrors, isDirty, isEmail, modernNeedsSignIn, orgConsentOptionVisible, settingsFromForm, validate, validateCredentials
} from './form';
import { DEFAULT_SETTINGS } from './settings';

const stored = formFromStored(DEFAULT_SETTINGS, notConnectedView());

describe('form', () => {
  it('form - starts from the stored state: off, Modern, Graph (R-PAGE-3, R-PAGE-4)', () => {
    expect(stored).toMatchObject({ enabled: false, method: 'modern', transport: 'graph', orgConsent: false, classicPassword: '' });
    expect(isDirty(stored, stored)).toBe(false);
  });

  it('form - marks each changed field as dirty and nothing else', () => {
    const changed = { ...stored, enabled: true, alertRecipients: ['x@contoso.test'] };
    expect(dirtyFields(stored, changed)).toEqual(['enabled', 'alertRecipients']);
  });

  it('form - changing a field back clears its dirty mark', () => {
    const there = { ...stored, method: 'classic' as const };
    const back = { ...there, method: 'modern' as const };
    expect(isDirty(stored, there)).toBe(true);
    expect(isDirty(stored, back)).toBe(false);
  });

  it('form - recipients in another order or case are not a change', () => {
    const base = { ...stored, alertRecipients: ['a@contoso.test', 'b@contoso.test'] };
    expect(isDirty(base, { ...base, alertRecipients: ['B@contoso.test', 'a@contoso.test'] })).toBe(false);
  });

  it('form - a typed password is always an unsaved change', () => {
    expect(dirtyFields(stored, { ...stored, classicPassword: 'x' })).toEqual(['classicPassword']);
  });

  it('form - validation asks Classic for an email and a password', () => {
    const classic = { ...stored, method: 'classic' as const };
    expect(validate(stored, classic, notConnectedView(), en)).toEqual({
      classicEmail: en.validationEmailRequired,
      classicPassword: en.validationPasswordRequired
    });
    expect(validate(stored, { ...classic, classicEmail: 'not-an-address', classicPassword: 'p' }, notConnectedView(), en))
      .toEqual({ classicEmail: en.validationEmailInvalid });
    expect(validate(stored, { ...classic, classicEmail: 'a@contoso.test', classicPassword: 'p' }, notConnectedView(), en)).toEqual({});
  });

  it('form - validation leaves Modern alone', () => {
    expect(validate(stored, { ...stored, enabled: true }, notConnectedView(), en)).toEqual({});
  });

  it('form - a connected Classic account can save other settings without its password', () => {
    const view = connectedView({ method: 'classic', account: { email: 'c@contoso.test', displayName: 'C' } });
    const base = formFromStored({ ...DEFAULT_SETTINGS, method: 'classic' }, view);
    expect(base.classicEmail).toBe('c@contoso.test');
    expect(classicNeedsCredentials(base, { ...base, enabled: true }, view)).toBe(false);
    expect(classicNeedsCredentials(base, { ...base, classicEmail: 'd@contoso.test' }, view)).toBe(true);
    // A last check that could not tell ("error") is no loss: still no password to save a setting; a lost one needs it.
    expect(classicNeedsCredentials(base, { ...base, enabled: true }, { ...view, health: { state: 'error', code: 'SERVICE_UNAVAILABLE', checkedAt: null } })).toBe(false);
    expect(classicNeedsCredentials(base, { ...base, enabled: true }, { ...view, health: { state: 'lost', code: 'BAD_CREDENTIALS', checkedAt: null } })).toBe(true);
  });

  it('form - the organisation consent option shows only to those who can grant it, until granted for the transport chosen (R-MOD-5)', () => {
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: false, canGrant: true } }), 'graph')).toBe(true);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: false, canGrant: false } }), 'graph')).toBe(false);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: true, canGrant: true } }), 'graph')).toBe(false);
    expect(orgConsentOptionVisible(undefined, 'graph')).toBe(false);
    // The SMTP transport needs SMTP.Send besides: granted for Graph alone is not granted for it
    // (an API that does not say reads as not granted).
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: true, smtpGranted: false, canGrant: true } }), 'smtp-oauth')).toBe(true);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: true, canGrant: true } }), 'smtp-oauth')).toBe(true);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: true, smtpGranted: true, canGrant: true } }), 'smtp-oauth')).toBe(false);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: false, smtpGranted: true, canGrant: true } }), 'smtp-oauth')).toBe(true);
  });

  it('form - Modern needs a sign-in when not connected, lost, or the transport changes', () => {
    expect(modernNeedsSignIn(stored, stored, notConnectedView())).toBe(true);
    const view = connectedView();
    const base = formFromStored(DEFAULT_SETTINGS, view);
    expect(modernNeedsSignIn(base, base, view)).toBe(false);
    expect(modernNeedsSignIn(base, { ...base, transport: 'smtp-oauth' }, view)).toBe(true);
    expect(modernNeedsSignIn(base, base, connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: null } }))).toBe(true);
  });

  it('form - a connected Modern catalog switching to Classic needs an email and a password', () => {
    const view = connectedView();
    const base = formFromStored(DEFAULT_SETTINGS, view);
    expect(base).toMatchObject({ method: 'modern', classicEmail: '' });
    const classic = { ...base, method: 'classic' as const };
    expect(classicNeedsCredentials(base, classic, view)).toBe(true);
    expect(validate(base, classic, view, en)).toEqual({ classicEmail: en.validationEmailRequired, classicPassword: en.validationPasswordRequired });
  });

  it('form - a lost Classic connection, or a typed password, needs the credentials again', () => {
    const account = { email: 'c@contoso.test', displayName: 'C' };
    const lost = connectedView({ method: 'classic', account, health: { state: 'lost', code: 'BAD_CREDENTIALS', checkedAt: null } });
    const base = formFromStored({ ...DEFAULT_SETTINGS, method: 'classic' }, lost);
    expect(classicNeedsCredentials(base, base, lost)).toBe(true);
    expect(validate(base, base, lost, en)).toEqual({ classicPassword: en.validationPasswordRequired });
    const healthy = connectedView({ method: 'classic', account });
    const kept = formFromStored({ ...DEFAULT_SETTINGS, method: 'classic' }, healthy);
    expect(classicNeedsCredentials(kept, { ...kept, classicPassword: 'p' }, healthy)).toBe(true);
    expect(classicNeedsCredentials(kept, { ...kept, classicEmail: ' C@Contoso.test ' }, healthy)).toBe(false);
    expect(classicNeedsCredentials(kept, kept, connectedView({ method: 'classic', account: null }))).toBe(true);
    expect(classicNeedsCredentials(kept, kept, undefined)).toBe(true);
    expect(validate(kept, { ...kept, enabled: false }, healthy, en)).toEqual({});
  });

  it('form - starts from what the API confirmed: its switch, recipients, method and transport', () => {
    const listSays = { enabled: false, method: 'classic' as const, transport: 'smtp-oauth' as const, alertRecipients: ['list@contoso.test'] };
    const view = connectedView({ enabled: true, transport: 'graph', alertRecipients: ['api@contoso.test'] });
    expect(formFromStored(listSays, view)).toEqual({ enabled: true, method: 'modern', transport: 'graph', alertRecipients: ['api@contoso.test'], orgConsent: false, classicEmail: '', classicPassword: '' });
    expect(formFromStored(listSays, undefined)).toMatchObject({ enabled: false, method: 'classic', transport: 'smtp-oauth', alertRecipients: ['list@contoso.test'] });
    expect(formFromStored(listSays, notConnectedView({ enabled: true }))).toMatchObject({ enabled: true, method: 'classic', transport: 'smtp-oauth' });
    const classic = connectedView({ method: 'classic', transport: 'graph', account: { email: 'c@contoso.test', displayName: 'C' } });
    expect(formFromStored(listSays, classic)).toMatchObject({ method: 'classic', transport: 'smtp-oauth', classicEmail: 'c@contoso.test' });
    const copy = formFromStored(listSays, undefined);
    copy.alertRecipients.push('x@contoso.test');
    expect(listSays.alertRecipients).toEqual(['list@contoso.test']);
  });

  it('form - every field is marked on its own; recipients differ by length or by one entry', () => {
    const all = { enabled: true, method: 'classic' as const, transport: 'smtp-oauth' as const, alertRecipients: ['a@contoso.test'], orgConsent: true, classicEmail: 'x@contoso.test', classicPassword: 'p' };
    expect(dirtyFields(stored, all)).toEqual(['enabled', 'method', 'transport', 'alertRecipients', 'orgConsent', 'classicEmail', 'classicPassword']);
    const two = { ...stored, alertRecipients: ['a@contoso.test', 'b@contoso.test'] };
    expect(dirtyFields(two, { ...two, alertRecipients: ['a@contoso.test', 'c@contoso.test'] })).toEqual(['alertRecipients']);
    expect(dirtyFields(two, { ...two, alertRecipients: ['a@contoso.test'] })).toEqual(['alertRecipients']);
    expect(dirtyFields(two, { ...two, alertRecipients: ['b@contoso.test', 'a@contoso.test'] })).toEqual([]);
  });

  it('form - addresses, error presence and the settings the page saves', () => {
    for (const good of ['a@contoso.test', ' a.b@sub.contoso.test ']) {
      expect({ good, ok: isEmail(good) }).toEqual({ good, ok: true });
    }
    for (const bad of ['a@contoso', 'a b@contoso.test', '@contoso.test', 'a@', 'a@@contoso.test', 'xa@contoso.test y']) {
      expect({ bad, ok: isEmail(bad) }).toEqual({ bad, ok: false });
    }
    expect(validateCredentials({ ...stored, classicEmail: '   ', classicPassword: 'p' }, en)).toEqual({ classicEmail: en.validationEmailRequired });
    expect(hasErrors({})).toBe(false);
    expect(hasErrors({ classicEmail: 'x' })).toBe(true);
    expect(hasErrors({ classicPassword: 'x' })).toBe(true);
    const values = { ...stored, enabled: true, method: 'classic' as const, transport: 'smtp-oauth' as const, alertRecipients: ['a@contoso.test'], classicPassword: 'secret' };
    const saved = settingsFromForm(values);
    expect(saved).toEqual({ enabled: true, method: 'classic', transport: 'smtp-oauth', alertRecipients: ['a@contoso.test'] });
    saved.alertRecipients.push('b@contoso.test');
    expect(values.alertRecipients).toEqual(['a@contoso.test']);
  });

  it('form - Modern needs no sign-in for Classic, and a connected Classic catalog switching to Modern signs in', () => {
    const view = connectedView({ method: 'classic', account: { email: 'c@contoso.test', displayName: 'C' } });
    const base = formFromStored({ ...DEFAULT_SETTINGS, method: 'classic' }, view);
    expect(modernNeedsSignIn(base, base, view)).toBe(false);
    expect(modernNeedsSignIn(base, { ...base, method: 'modern' }, view)).toBe(true);
    expect(modernNeedsSignIn(stored, stored, undefined)).toBe(true);
    expect(modernNeedsSignIn(stored, stored, connectedView({ account: null }))).toBe(true);
  });
});
