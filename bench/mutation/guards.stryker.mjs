import { strykerConfig } from './shared.mjs';

// What decides whether a site is a catalog (R-SEC-2), what the sign-in window's pages say (each
// outcome, en and ja), which grants count as the organisation's consent and the rooms' access,
// and how a connection record changes (settings applied, disconnected, its ETag, the view the
// page reads). Line ranges keep to what the server-free suites exercise: the sign-in window's
// response headers (callbackPage.ts sendSignInPage) and OrgConsentStatus's Graph reads are
// exercised by the integration suites (attacks, consent, modern), ConnectionWriter by the
// integration suites over Azurite (loss, alerts-races, settingsList) - not mutated here.
export default strykerConfig('guards', {
  mutate: [
    'api/src/catalogs/catalogGate.ts',
    // callbackPage, confirmPage, adminConsentPage
    'api/src/connections/callbackPage.ts:50-170',
    'api/src/connections/model.ts',
    // coversOrganisation, roomsGranted, signInScopes, objectIdOf, ownServicePrincipalId
    'api/src/connections/orgConsent.ts:20-101'
  ],
  jestConfig: 'bench/mutation/guards.jest.config.js'
});
