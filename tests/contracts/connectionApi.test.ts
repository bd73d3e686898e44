/**
 * The web part and the API share one declaration of every request and answer
 * (packages/contracts): the web part's types are the schemas' Static<> types, so a drift no longer
 * compiles. What a compiler cannot see is checked here at run time: the bodies the web part's
 * client really sends pass the API's schemas, the API's real answer passes its own schema, and
 * the built package gives the web part one language's error texts per module.
 */
import * as fs from 'fs';
import * as path from 'path';
import { FormatRegistry, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { CompleteModern, ConnectClassic, ConnectionView, ERROR_CODES, errorTexts, SettingsChange, StartModern, TestEmail } from '@lms-m365/contracts';
import { emptyConnection, toView } from '../../api/src/connections/model';
import { ConnectionApi } from '../../src/webparts/connectionSettings/services/ConnectionApi';
import { isConnectionView } from '../../src/webparts/connectionSettings/model/connection';
import type { HttpSend, IHttpRequest } from '../../src/webparts/connectionSettings/services/http';

// The API validates these formats with ajv-formats; the same meaning, stated simply.
FormatRegistry.Set('email', (value) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value));
FormatRegistry.Set('date-time', (value) => !Number.isNaN(Date.parse(value)));

const SITE = 'https://contoso.sharepoint.com/sites/catalog-a';

function recordingApi(view: unknown): { api: ConnectionApi; sent: Array<{ url: string; request: IHttpRequest }> } {
  const sent: Array<{ url: string; request: IHttpRequest }> = [];
  const send: HttpSend = async (url, request) => {
    sent.push({ url, request });
    // Each endpoint's answer, as the client checks what it reads.
    const answer = url.endsWith('/modern') ? { authorizeUrl: 'https://login.microsoftonline.com/t/oauth2/v2.0/authorize', expiresAt: '2026-12-01T10:02:00.000Z' }
      : url.endsWith('/test-email') ? { status: 'accepted', messageId: '<m@lms.test>' }
        : view;
    return { status: 200, ok: true, headers: { get: () => null }, text: async () => JSON.stringify(answer) };
  };
  return { api: new ConnectionApi('https://api.test', SITE, send, 'en'), sent };
}

function expectValid(schema: TSchema, value: unknown): void {
  expect([...Value.Errors(schema, value)].map((e) => `${e.path} ${e.message}`)).toEqual([]);
}

function bodyOf(request: IHttpRequest): unknown {
  return JSON.parse(request.body ?? 'null');
}

describe('connection API contract', () => {
  const view = toView(emptyConnection('https://contoso.sharepoint.com/sites/catalog-a', 'c0ffee00-0000-4000-8000-000000000001'), 'W/"1"', { granted: false, canGrant: true }, { available: false, adminApproval: null });

  test('contract - the API\'s connection view passes its own published schema, and the page\'s guard of what it reads', () => {
    const classic = toView({ ...emptyConnection('c', 'id'), method: 'classic', account: { email: 'a@contoso.test', displayName: 'A' }, health: { state: 'lost', code: 'TOKEN_REVOKED', checkedAt: '2026-12-01T10:00:00.000Z' } }, 'W/"2"', { granted: true, canGrant: false }, { available: true, adminApproval: null });
    expectValid(ConnectionView, view);
    expectValid(ConnectionView, classic);
    expect([isConnectionView(view), isConnectionView(classic)]).toEqual([true, true]);
  });

  test('contract - every body the web part sends passes the API\'s schema for it', async () => {
    const { api, sent } = recordingApi(view);
    await api.startModern(true, 'smtp-oauth', 'https://contoso.sharepoint.com');
    await api.connectClassic('adele@contoso.test', 'dev-password');
    await api.sendTestEmail('megan@contoso.test');
    await api.updateConnection({ enabled: true, transport: 'graph', alertRecipients: ['adele@contoso.test'] }, 'W/"1"');
    await api.completeModern('k'.repeat(43));
    expectValid(StartModern, bodyOf(sent[0].request));
    expectValid(CompleteModern, bodyOf(sent[4].request));
    expectValid(ConnectClassic, bodyOf(sent[1].request));
    expectValid(TestEmail, bodyOf(sent[2].request));
    expectValid(SettingsChange, bodyOf(sent[3].request));
    expect(sent.map((s) => `${s.request.method} ${s.url.replace(/^.*\/connection/, '')}`)).toEqual(['POST /modern', 'POST /classic', 'POST /test-email', 'PATCH ', 'POST /modern/complete']);
  });

  test('contract - a schema check here can fail: a body the API would refuse is refused', () => {
    expect(Value.Check(StartModern, { orgConsent: 'yes', origin: 'x' })).toBe(false);
    expect(Value.Check(SettingsChange, {})).toBe(false);
    expect(Value.Check(ConnectionView, { ...view, health: { ...view.health, state: 'fine' } })).toBe(false);
  });

  test('contract - the built package gives the web part one language\'s error texts per module', () => {
    const dist = path.resolve(__dirname, '../../packages/contracts/dist/errors');
    expect({ built: fs.existsSync(path.join(dist, 'en.js')), hint: 'npm run build -w @lms-m365/contracts' }).toEqual({ built: true, hint: expect.any(String) });
    for (const language of ['en', 'ja'] as const) {
      const other = language === 'en' ? 'ja' : 'en';
      const file = path.join(dist, `${language}.js`);
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const texts = require(file).default as unknown;
      expect(texts).toEqual(errorTexts(language));
      expect(Object.keys(texts as object).sort()).toEqual([...ERROR_CODES].sort());
      const source = fs.readFileSync(file, 'utf8');
      const otherTitles = Object.values(errorTexts(other)).map((t) => t.title).filter((title) => source.includes(JSON.stringify(title)));
      expect(otherTitles).toEqual([]);
      expect(source).not.toMatch(/require\(/);
    }
  });
});
