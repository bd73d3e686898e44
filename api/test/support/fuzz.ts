import fc from 'fast-check';

/**
 * Requests a catalog admin could send to an endpoint that takes a body, each made invalid in
 * exactly one way (wrong type, unknown field, missing field, value out of range, bad address,
 * text that is not JSON, a content type the API does not take). Sent with the admin's own token,
 * to the admin's own catalog and with the current ETag, the only thing between such a request
 * and a change is the API's validation: a fuzz built on these fails when validation is broken.
 */
export interface InvalidRequest {
  method: 'PATCH' | 'POST';
  suffix: string;
  contentType: string;
  payload: string;
  /** What was broken, for the failure message. */
  mutation: string;
  /** The code the API must answer. */
  code: 'VALIDATION_FAILED' | 'UNSUPPORTED_MEDIA_TYPE';
}

interface Endpoint {
  method: 'PATCH' | 'POST';
  suffix: string;
  valid: Record<string, unknown>;
  required: string[];
}

export function invalidRequests(openerOrigin: string): fc.Arbitrary<InvalidRequest> {
  const endpoints: Endpoint[] = [
    { method: 'PATCH', suffix: '', valid: { enabled: true, transport: 'smtp-oauth', alertRecipients: ['adele@contoso.test'] }, required: [] },
    { method: 'POST', suffix: '/modern', valid: { orgConsent: false, transport: 'graph', origin: openerOrigin, nonce: 'n'.repeat(43) }, required: ['orgConsent', 'origin', 'nonce'] },
    { method: 'POST', suffix: '/classic', valid: { email: 'adele@contoso.test', password: 'dev-password' }, required: ['email', 'password'] },
    { method: 'POST', suffix: '/test-email', valid: { to: 'adele@contoso.test' }, required: ['to'] }
  ];
  // No field of any body is a number, null, an object or an array of numbers.
  const wrongValue = fc.oneof(fc.integer(), fc.double({ noNaN: true }), fc.constant(null), fc.array(fc.integer(), { minLength: 1, maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 2 }));
  const notAnAddress = fc.string({ maxLength: 30 }).filter((s) => !s.includes('@'));
  const notJson = fc.string({ minLength: 1, maxLength: 40 }).filter((s) => {
    try {
      JSON.parse(s);
      return false;
    } catch {
      return true;
    }
  });
  const json = (endpoint: Endpoint, body: Record<string, unknown>, mutation: string): InvalidRequest =>
    ({ method: endpoint.method, suffix: endpoint.suffix, contentType: 'application/json', payload: JSON.stringify(body), mutation, code: 'VALIDATION_FAILED' });

  return fc.constantFrom(...endpoints).chain((endpoint) => {
    const fields = Object.keys(endpoint.valid);
    const mutations: fc.Arbitrary<InvalidRequest>[] = [
      fc.tuple(fc.constantFrom(...fields), wrongValue).map(([field, value]) => json(endpoint, { ...endpoint.valid, [field]: value }, `${field} of the wrong type`)),
      fc.string({ minLength: 1, maxLength: 12 }).filter((key) => !fields.includes(key) && key !== '__proto__')
        .map((key) => json(endpoint, { ...endpoint.valid, [key]: true }, `unknown field ${JSON.stringify(key)}`)),
      notJson.map((text) => ({ method: endpoint.method, suffix: endpoint.suffix, contentType: 'application/json', payload: text, mutation: 'not JSON', code: 'VALIDATION_FAILED' as const })),
      fc.constant({ method: endpoint.method, suffix: endpoint.suffix, contentType: 'text/plain', payload: JSON.stringify(endpoint.valid), mutation: 'text/plain', code: 'UNSUPPORTED_MEDIA_TYPE' as const })
    ];
    if (endpoint.required.length > 0) {
      mutations.push(fc.constantFrom(...endpoint.required).map((field) => {
        const body = { ...endpoint.valid };
        delete body[field];
        return json(endpoint, body, `${field} missing`);
      }));
    } else {
      mutations.push(fc.constant(json(endpoint, {}, 'no change at all')));
    }
    if ('transport' in endpoint.valid) {
      mutations.push(fc.string({ maxLength: 12 }).filter((t) => t !== 'graph' && t !== 'smtp-oauth').map((t) => json(endpoint, { ...endpoint.valid, transport: t }, `transport ${JSON.stringify(t)}`)));
    }
    for (const field of ['email', 'to'].filter((f) => f in endpoint.valid)) {
      mutations.push(notAnAddress.map((text) => json(endpoint, { ...endpoint.valid, [field]: text }, `${field} not an address`)));
      mutations.push(fc.constant(json(endpoint, { ...endpoint.valid, [field]: `${'a'.repeat(250)}@contoso.test` }, `${field} too long`)));
    }
    if ('alertRecipients' in endpoint.valid) {
      mutations.push(notAnAddress.map((text) => json(endpoint, { ...endpoint.valid, alertRecipients: ['adele@contoso.test', text] }, 'a recipient not an address')));
      mutations.push(fc.constant(json(endpoint, { ...endpoint.valid, alertRecipients: Array.from({ length: 21 }, (_, i) => `r${i}@contoso.test`) }, '21 recipients')));
    }
    if ('password' in endpoint.valid) {
      mutations.push(fc.constantFrom('', 'p'.repeat(257)).map((password) => json(endpoint, { ...endpoint.valid, password }, `password of ${password.length} characters`)));
    }
    if ('origin' in endpoint.valid) {
      mutations.push(fc.constantFrom('', 'o'.repeat(201)).map((origin) => json(endpoint, { ...endpoint.valid, origin }, `origin of ${origin.length} characters`)));
    }
    return fc.oneof(...mutations);
  });
}
