import { connectedView, notConnectedView } from '../test/fakes';
import { isConnected, isConnectionView, isHttpsUrl, isModernResult, isModernStart, isSignInMessage, isTestEmailResult } from './connection';
import { OUTBOX_COUNT_CAP as API_OUTBOX_COUNT_CAP } from '@lms-m365/contracts';
import en from '../loc/en-us';
import ja from '../loc/ja-jp';
import { countText, itemsText, OUTBOX_COUNT_CAP } from './summary';

const approval = { tenantAdmins: [{ displayName: 'Megan Bowen', email: 'megan@contoso.test' }], requestWorkflow: true, requestPending: false, adminConsentUrl: 'https://login.test/adminconsent', requestUrl: 'https://login.test/authorize' };
const full = connectedView({
  rooms: { available: false, adminApproval: approval },
  settingsListWarning: { code: 'SERVICE_UNAVAILABLE', failedAt: '2026-11-25T10:00:00Z' },
  sendingBlocked: { code: 'SENDING_BLOCKED', since: '2026-11-25T10:00:00Z' }
});

describe('connection view guard', () => {
  it('isConnectionView - takes every shape the API answers: not connected, connected, with everything optional present', () => {
    const gone = notConnectedView({ disconnected: { account: 'lynne@contoso.test', by: 'megan@contoso.test', at: '2026-11-25T10:00:00Z' } });
    const olderApi: Record<string, unknown> = { ...notConnectedView() };
    delete olderApi.disconnected;
    expect([notConnectedView(), connectedView(), full, connectedView({ method: 'classic', transport: 'smtp-oauth' }), gone, notConnectedView({ disconnected: { account: null, by: 'megan@contoso.test', at: '2026-11-25T10:00:00Z' } }), olderApi].map(isConnectionView)).toEqual([true, true, true, true, true, true, true]);
  });

  it('isConnectionView - refuses each field the page reads when it is missing or of another type', () => {
    const broken: Array<[string, unknown]> = [
      ['catalog', 1], ['enabled', 'yes'], ['etag', null], ['method', 'basic'], ['transport', 'smtp'],
      ['account', { email: 'a@b.c' }], ['account', { displayName: 'x', email: 2 }], ['account', 'adele'],
      ['health', null], ['health', { state: 1, code: null, checkedAt: null }], ['health', { state: 'connected', code: 5, checkedAt: null }], ['health', { state: 'connected', code: null, checkedAt: 5 }],
      ['orgConsent', { granted: 'no', canGrant: false }], ['orgConsent', { granted: false, canGrant: 'no' }], ['orgConsent', { granted: false, canGrant: false, smtpGranted: 'yes' }], ['orgConsent', null],
      ['rooms', { available: 'no', adminApproval: null }], ['rooms', { available: false }], ['rooms', null],
      ['rooms', { available: false, adminApproval: { ...approval, tenantAdmins: 'megan' } }],
      ['rooms', { available: false, adminApproval: { ...approval, tenantAdmins: [{ displayName: 'M' }] } }],
      ['rooms', { available: false, adminApproval: { ...approval, adminConsentUrl: 'javascript:alert(1)' } }],
      ['rooms', { available: false, adminApproval: { ...approval, requestUrl: 'http://login.test/a' } }],
      ['alertRecipients', null], ['alertRecipients', ['a@b.c', 3]], ['alertRecipients', 'a@b.c'],
      ['connectedBy', 3], ['connectedAt', {}],
      ['outbox', { waiting: '3', held: 0, lastSentAt: null }], ['outbox', { waiting: 3, held: -1, lastSentAt: null }], ['outbox', { waiting: Infinity, held: 0, lastSentAt: null }], ['outbox', { waiting: 3, held: 0, lastSentAt: 1 }], ['outbox', []],
      ['settingsListWarning', { failedAt: 'x' }], ['sendingBlocked', 'SENDING_BLOCKED'],
      ['disconnected', 'megan'], ['disconnected', { account: null, at: 'x' }], ['disconnected', { account: 3, by: 'm', at: 'x' }], ['disconnected', { account: null, by: 'm', at: 7 }]
    ];
    for (const [field, value] of broken) {
      expect([field, value, isConnectionView({ ...full, [field]: value })]).toEqual([field, value, false]);
    }
    expect([null, undefined, [], 'view', 42].map(isConnectionView)).toEqual([false, false, false, false, false]);
  });

  it('isConnectionView - an organisation consent with or without its SMTP grant', () => {
    expect([true, false, undefined].map((smtpGranted) => isConnectionView({ ...full, orgConsent: { granted: true, canGrant: false, smtpGranted } }))).toEqual([true, true, true]);
  });

  it('isConnected - an account and a health other than not-connected, both', () => {
    const account = { email: 'adele@contoso.test', displayName: 'Adele Vance' };
    expect([
      connectedView(),
      connectedView({ health: { ...connectedView().health, state: 'lost' } }),
      connectedView({ account: null }),
      notConnectedView(),
      notConnectedView({ account })
    ].map(isConnected)).toEqual([true, true, false, false, false]);
  });

  it('isHttpsUrl - https only', () => {
    expect(['https://login.test/a', 'http://login.test/a', 'javascript:alert(1)', 'data:text/html,x', 'not a url', 7].map(isHttpsUrl)).toEqual([true, false, false, false, false, false]);
  });

  it('isModernStart / isModernResult / isTestEmailResult - the answers the page reads a field of, with that field', () => {
    expect([{ authorizeUrl: 'https://login.test/a', expiresAt: 'x' }, { authorizeUrl: 'javascript:x' }, {}, [], null].map(isModernStart)).toEqual([true, false, false, false, false]);
    expect([{ status: 'pending' }, { status: 1 }, {}, null].map(isModernResult)).toEqual([true, false, false, false]);
    expect([{ status: 'accepted', messageId: '<m@x>' }, { messageId: 3 }, {}, null].map(isTestEmailResult)).toEqual([true, false, false, false]);
  });

  it('isSignInMessage - the callback page\'s message only', () => {
    expect([{ type: 'lms-m365-connection', ok: true }, { type: 'lms-m365-connection', ok: 'true' }, { type: 'other', ok: true }, null].map(isSignInMessage)).toEqual([true, false, false, false]);
  });
});

describe('outbox counts', () => {
  it('countText, itemsText - the page\'s cap is the API\'s; grouped digits below it, "10,000+" (ja "10,000 件以上") at it', () => {
    expect(OUTBOX_COUNT_CAP).toBe(API_OUTBOX_COUNT_CAP);
    expect(countText(API_OUTBOX_COUNT_CAP - 1, en)).toBe('9,999');
    expect(countText(API_OUTBOX_COUNT_CAP, en)).toBe('10,000+');
    expect(countText(API_OUTBOX_COUNT_CAP + 1, ja)).toBe('10,000 以上');
    expect(countText(0, ja)).toBe('0');
    expect([itemsText(3, en), itemsText(API_OUTBOX_COUNT_CAP, en)]).toEqual(['3', '10,000+']);
    expect([itemsText(3, ja), itemsText(API_OUTBOX_COUNT_CAP, ja)]).toEqual(['3 件', '10,000 件以上']);
  });
});
