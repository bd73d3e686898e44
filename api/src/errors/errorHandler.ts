import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { IDEMPOTENCY_KEY, ONE_LINE, ONE_LINE_TEXT, type ErrorCode } from '@lms-m365/contracts';
import { ApiError } from './apiError';
import { preferredLanguage, problemBody } from './problem';

/** Fastify's own errors by code -> catalogue code. */
const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'VALIDATION_FAILED',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'VALIDATION_FAILED',
  FST_ERR_CTP_INVALID_JSON_BODY: 'VALIDATION_FAILED'
};

const BY_STATUS: Record<number, ErrorCode> = { 404: 'NOT_FOUND', 405: 'METHOD_NOT_ALLOWED', 413: 'BODY_TOO_LARGE', 415: 'UNSUPPORTED_MEDIA_TYPE', 429: 'RATE_LIMITED' };

/** One of ajv's errors, as Fastify hands them over. */
export interface SchemaError {
  keyword?: string;
  instancePath?: string;
  schemaPath?: string;
  message?: string;
  params?: Record<string, unknown>;
}

/** `/items/17/priority` -> `body.items[17].priority`, as the semantic checks name an item. */
function place(context: string, instancePath: string | undefined): string {
  return (instancePath ?? '').split('/').filter(Boolean).reduce((at, part) => (/^\d+$/.test(part) ? `${at}[${part}]` : `${at}.${part.replace(/~1/g, '/').replace(/~0/g, '~')}`), context);
}

const FORMATS: Record<string, string> = {
  'date-time': 'must be a date and time with its zone (RFC 3339, e.g. 2026-12-02T08:00:00Z or 2026-12-02T17:00:00+09:00)',
  email: 'must be an email address'
};

/**
 * What a schema refusal says, so that whoever wrote the request can fix it: the place (an item of a
 * batch as `items[17]`), the values a choice allows, the property that is not known (its name only
 * when it is a plain identifier: an answer does not repeat arbitrary input), the form a date takes.
 */
export function validationDetail(errors: SchemaError[], context: string): string {
  const first = errors[0];
  const where = place(context, first.instancePath);
  const oneOf = (values: unknown[]): string => `${where} must be one of ${values.map((value) => JSON.stringify(value)).join(', ')}.`;
  // A choice of constants (a union of literals) fails once per constant, then as anyOf: say the
  // choice - only when every branch is a constant (a union with null or an object says it as ajv does).
  const branches = errors.filter((err) => err.instancePath === first.instancePath && /\/anyOf\/\d+\//.test(err.schemaPath ?? ''));
  if (first.keyword === 'const' && branches.length > 1 && branches.every((err) => err.keyword === 'const') && errors.some((err) => err.keyword === 'anyOf' && err.instancePath === first.instancePath)) {
    return oneOf(branches.map((err) => err.params?.allowedValue));
  }
  if (first.keyword === 'enum' && Array.isArray(first.params?.allowedValues)) {
    return oneOf(first.params.allowedValues);
  }
  if (first.keyword === 'additionalProperties') {
    const name = first.params?.additionalProperty;
    return typeof name === 'string' && /^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name) ? `${where} has a property it does not take: "${name}".` : `${where} has a property it does not take.`;
  }
  if (first.keyword === 'format' && typeof first.params?.format === 'string' && FORMATS[first.params.format]) {
    return `${where} ${FORMATS[first.params.format]}.`;
  }
  if (first.keyword === 'pattern' && first.params?.pattern === ONE_LINE) {
    return `${where} must be one line, without control characters.`;
  }
  if (first.keyword === 'pattern' && first.params?.pattern === ONE_LINE_TEXT) {
    return `${where} must be one line, without control characters, and not only spaces.`;
  }
  if (first.keyword === 'pattern' && first.params?.pattern === IDEMPOTENCY_KEY) {
    return `${where} must not start or end with white space, nor hold control characters.`;
  }
  return `${where} ${first.message ?? 'is not valid'}.`;
}

/** Any thrown value -> an ApiError; only ApiErrors and Fastify's 4xx keep their meaning. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  const e = error as FastifyError & { validation?: SchemaError[]; validationContext?: string };
  if (e?.validation && e.validation.length > 0) {
    return new ApiError('VALIDATION_FAILED', { detail: validationDetail(e.validation, e.validationContext ?? 'request') });
  }
  if (e?.code && FASTIFY_CODES[e.code]) {
    const code = FASTIFY_CODES[e.code];
    return new ApiError(code, code === 'VALIDATION_FAILED' ? { detail: 'The body is not valid JSON.' } : {});
  }
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status >= 400 && status < 500) {
    return new ApiError(BY_STATUS[status] ?? 'VALIDATION_FAILED');
  }
  return new ApiError('INTERNAL_ERROR');
}

/** The router's own refusals (frameworkErrors), with a reason that does not repeat the URL. */
export function frameworkProblem(error: FastifyError): ApiError {
  if (error.code === 'FST_ERR_BAD_URL') {
    return new ApiError('VALIDATION_FAILED', { detail: 'The URL is not validly percent-encoded.' });
  }
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return new ApiError('VALIDATION_FAILED', { detail: 'A path segment of the URL is too long.' });
  }
  return new ApiError('INTERNAL_ERROR');
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, error: ApiError): FastifyReply {
  const body = problemBody(error.code, preferredLanguage(request.headers['accept-language']), { detail: error.detail, upstream: error.upstream, instance: request.id, remedy: error.remedy });
  if (error.retryAfterSeconds) {
    reply.header('retry-after', String(Math.ceil(error.retryAfterSeconds)));
  }
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

/** The first frame of a stack (its "at" line): a message of several lines is not one, and is not logged. */
export function originLine(stack: string | undefined): string | undefined {
  return stack?.split('\n').find((line) => /^\s*at /.test(line))?.trim();
}

const UNENCODED_CATALOG = 'The catalog\'s URL goes in the path as one segment, percent-encoded (encodeURIComponent): /v1/catalogs/https%3A%2F%2Fcontoso.sharepoint.com%2Fsites%2Fcatalog/notifications.';

/** A path with a catalog's URL written as it is (its slashes make it several segments): the commonest wrong path. */
export function unencodedCatalog(url: string): boolean {
  return /^\/v1\/catalogs\/https?:\//i.test(url);
}

/** Every error leaves as RFC 9457 problem+json with a catalogue code; never a stack trace. */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const apiError = toApiError(error);
    if (apiError.status >= 500) {
      const e = error as Error;
      // The name and origin line say what broke; messages of foreign errors are not trusted in logs.
      request.log.error({ errName: e?.name, code: apiError.code, upstream: apiError.upstream, at: originLine(e?.stack) }, 'request failed');
    } else if (apiError.upstream) {
      request.log.warn({ code: apiError.code, upstream: apiError.upstream }, 'request refused by upstream');
    }
    return sendProblem(request, reply, apiError);
  });
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new ApiError('NOT_FOUND', unencodedCatalog(request.url) ? { detail: UNENCODED_CATALOG } : {})));
}
