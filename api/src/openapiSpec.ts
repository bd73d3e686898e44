/**
 * What /openapi.json says beyond the routes' schemas, for an LMS team reading it or generating a
 * client from it (api/client): which header is required although the route checks it itself (to
 * answer its own code), the headers of the answers, and what an error answer is.
 */

interface Parameter { in: string; name: string; required?: boolean; description?: string }
interface Response { description?: string; headers?: Record<string, unknown>; content?: Record<string, unknown> }
interface Operation { parameters?: Parameter[]; responses?: Record<string, Response> }
export interface OpenApiDocument { paths?: Record<string, Record<string, Operation>> }

const RETRY_AFTER = { description: 'Seconds to wait before repeating the request (429, 503).', schema: { type: 'integer', minimum: 0 } };

export function describeSpec(document: OpenApiDocument): OpenApiDocument {
  for (const [path, operations] of Object.entries(document.paths ?? {})) {
    for (const [method, operation] of Object.entries(operations)) {
      // Checked by the route (IDEMPOTENCY_KEY_REQUIRED, not a schema error), so optional in its schema.
      for (const parameter of operation.parameters ?? []) {
        if (parameter.in === 'header' && parameter.name === 'idempotency-key') {
          parameter.required = true;
        }
      }
      const responses = operation.responses ?? {};
      for (const [status, response] of Object.entries(responses)) {
        if (status === '4XX' || status === '5XX') {
          response.description = 'A problem (RFC 9457, application/problem+json): a stable code of the error catalogue (docs/troubleshooting.md), its title, detail and remedy in the Accept-Language (en or ja).';
          response.headers = { 'Retry-After': RETRY_AFTER };
          // The routes declare the Problem schema as JSON; the answer's media type is RFC 9457's.
          const json = response.content?.['application/json'];
          if (json !== undefined) {
            response.content = { 'application/problem+json': json };
          }
        } else if (status === '202') {
          response.description = 'Accepted: stored, to be sent.';
          if (method === 'post' && path.endsWith('/notifications')) {
            response.headers = { Location: { description: 'The notification\'s status (GET).', schema: { type: 'string' } } };
          }
        } else if (response.description === 'Default Response') {
          response.description = 'OK';
        }
      }
    }
  }
  return document;
}
