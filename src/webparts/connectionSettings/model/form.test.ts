import en from '../loc/en-us';
import { connectedView, notConnectedView } from '../test/fakes';
import {
  classicNeedsCredentials, dirtyFields, formFromStored, isDirty, modernNeedsSignIn, orgConsentOptionVisible, validate
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
  });

  it('form - the organisation consent option shows only to those who can grant it, until granted (R-MOD-5)', () => {
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: false, canGrant: true } }))).toBe(true);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: false, canGrant: false } }))).toBe(false);
    expect(orgConsentOptionVisible(notConnectedView({ orgConsent: { granted: true, canGrant: true } }))).toBe(false);
    expect(orgConsentOptionVisible(undefined)).toBe(false);
  });

  it('form - Modern needs a sign-in when not connected, lost, or the transport changes', () => {
    expect(modernNeedsSignIn(stored, stored, notConnectedView())).toBe(true);
    const view = connectedView();
    const base = formFromStored(DEFAULT_SETTINGS, view);
    expect(modernNeedsSignIn(base, base, view)).toBe(false);
    expect(modernNeedsSignIn(base, { ...base, transport: 'smtp-oauth' }, view)).toBe(true);
    expect(modernNeedsSignIn(base, base, connectedView({ health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: null } }))).toBe(true);
  });
});
