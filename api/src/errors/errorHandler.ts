import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode } from '@lms-m365/contracts';
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

/** Any thrown value -> an ApiError; only ApiErrors and Fastify's 4xx keep their meaning. */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  const e = error as FastifyError & { validation?: { instancePath?: string; message?: string }[]; validationContext?: string };
  if (e?.validation && e.validation.length > 0) {
    const first = e.validation[0];
    const where = `${e.validationContext ?? 'request'}${first.instancePath ? first.instancePath.replace(/\//g, '.') : ''}`;
    return new ApiError('VALIDATION_FAILED', { detail: `${where} ${first.message ?? 'is not valid'}.` });
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
  const body = problemBody(error.code, preferredLanguage(request.headers['accept-language']), { detail: error.detail, upstream: error.upstream, instance: request.id });
  if (error.retryAfterSeconds) {
    reply.header('retry-after', String(Math.ceil(error.retryAfterSeconds)));
  }
  return reply.code(body.status).type('application/problem+json; charset=utf-8').send(body);
}

/** The first frame of a stack (its "at" line): a message of several lines is not one, and is not logged. */
export function originLine(stack: string | undefined): string | undefined {
  return stack?.split('\n').find((line) => /^\s*at /.test(line))?.trim();
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
  app.setNotFoundHandler((request, reply) => sendProblem(request, reply, new ApiError('NOT_FOUND')));
}
