/**
 * The web part's client types against the API's schemas (declared once with TypeBox in
 * api/src/connections/schemas.ts, served as /openapi.json). The type assertions below fail the
 * compile - and so this suite - when the two drift apart; the runtime checks compare field lists.
 */
import type { Static } from '@sinclair/typebox';
import {
  ConnectClassic,
  ConnectionView,
  SettingsChange,
  StartModern,
  StartModernResult,
  TestEmail,
  TestEmailResult
} from '../../api/src/connections/schemas';
import type { IConnectionView, IModernStart, ITestEmailResult, Transport } from '../../src/webparts/connectionSettings/model/connection';
import type { IConnectionPatch } from '../../src/webparts/connectionSettings/services/interfaces';

/** Compiles only when a value of type A can be used where B is expected. */
function assignable<A, B>(check: (a: A) => B): typeof check {
  return check;
}

// What the API answers, the web part can read.
assignable<Static<typeof ConnectionView>, IConnectionView>((v) => v);
assignable<Static<typeof StartModernResult>, IModernStart>((v) => v);
assignable<Static<typeof TestEmailResult>, ITestEmailResult>((v) => v);
// What the web part sends, the API accepts.
assignable<IConnectionPatch, Static<typeof SettingsChange>>((v) => v);
assignable<{ orgConsent: boolean; transport: Transport; origin: string }, Static<typeof StartModern>>((v) => v);
assignable<{ email: string; password: string }, Static<typeof ConnectClassic>>((v) => v);
assignable<{ to: string }, Static<typeof TestEmail>>((v) => v);

/** Every field the web part reads from the connection view (checked complete by the compiler); 'optional' ones the API may leave out. */
const viewFieldsTheWebPartReads: Record<keyof IConnectionView, true | 'optional'> = {
  catalog: true,
  enabled: true,
  method: true,
  transport: true,
  account: true,
  health: true,
  orgConsent: true,
  rooms: true,
  settingsListWarning: 'optional',
  alertRecipients: true,
  etag: true
};

describe('connection API contract', () => {
  test('contract - every view field the web part reads is one the API always answers', () => {
    const required = new Set<string>(ConnectionView.required ?? []);
    for (const [field, kind] of Object.entries(viewFieldsTheWebPartReads)) {
      expect({ field, required: required.has(field), known: field in ConnectionView.properties }).toEqual({ field, required: kind === true, known: true });
    }
  });

  test('contract - the settings the web part may change are exactly the ones the API accepts', () => {
    const patch: Record<keyof IConnectionPatch, true> = { enabled: true, transport: true, alertRecipients: true };
    expect(Object.keys(patch).sort()).toEqual(Object.keys(SettingsChange.properties).sort());
  });

  test('contract - the sign-in start sends every field the API requires', () => {
    const sent = ['orgConsent', 'transport', 'origin'];
    for (const field of StartModern.required ?? []) {
      expect(sent).toContain(field);
    }
  });
});
