import pino, { DestinationStream, Logger } from 'pino';

/**
 * Paths that could ever carry a secret are censored, whatever logs them (R-OPS-5). Bodies are
 * not logged at all; URLs are logged without their query (the OAuth callback's code and state).
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.body',
  'body',
  '*.password',
  '*.pass',
  '*.accessToken',
  '*.refreshToken',
  '*.access_token',
  '*.refresh_token',
  '*.id_token',
  '*.client_secret',
  '*.clientSecret',
  '*.authorization',
  // Node's HTTP parse error carries the raw bytes of the request it could not parse - headers
  // (a bearer token) and body included; Fastify logs it at trace ('client error').
  'err.rawPacket',
  '*.rawPacket'
];

export function stripQuery(url: string): string {
  const q = url.indexOf('?');
  return q < 0 ? url : url.slice(0, q);
}

/** A path's query inside a message (Fastify puts `request.url` in some of its own, e.g. a reply sent twice). */
const QUERY_IN_TEXT = /(\/[^\s?"'<>]*)\?[^\s"'<>]+/g;

export function stripQueries(text: string): string {
  return text.replace(QUERY_IN_TEXT, '$1');
}

/**
 * An error as a log line may show it: what kind and which code - never its message or its other
 * properties (a nodemailer error carries the server's reply and the refused addresses, a
 * framework error the request's URL).
 */
export function errFields(error: unknown): Record<string, unknown> {
  if (typeof error !== 'object' || error === null) {
    return { type: typeof error };
  }
  const e = error as { name?: unknown; code?: unknown; statusCode?: unknown; upstream?: unknown };
  const fields: Record<string, unknown> = { type: typeof e.name === 'string' ? e.name : 'Error' };
  for (const key of ['code', 'statusCode', 'upstream'] as const) {
    if (typeof e[key] === 'string' || typeof e[key] === 'number') {
      fields[key] = e[key];
    }
  }
  return fields;
}

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    // The level as its name ("error", not 50): what operations.md's log searches and alerts match.
    formatters: { level: (label) => ({ level: label }) },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: stripQuery(req.url ?? ''), id: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode }),
      err: errFields,
      error: errFields
    },
    hooks: {
      // Messages are text someone wrote, sometimes with a URL in it: its query goes, as the req's does.
      // An error logged without a message (Fastify does: `{ err }`, or the error alone) would give
      // the line its own message (a nodemailer error's names the refused addresses): its kind and
      // code are said instead.
      logMethod(args: unknown[], method: (...rest: unknown[]) => void) {
        const [first, ...rest] = args;
        const held = first instanceof Error ? first : (first as { err?: unknown } | null)?.err;
        const given = held instanceof Error && typeof rest[0] !== 'string' ? [first, Object.values(errFields(held)).join(' '), ...rest] : args;
        method.apply(this, given.map((arg) => (typeof arg === 'string' ? stripQueries(arg) : arg)));
      }
    }
  }, destination);
}

/**
 * The accountability trail (who connected, disconnected, retried, confirmed what): written at info
 * whatever LOG_LEVEL says, so an operator who quiets the request lines (`warn`) keeps it.
 */
export function auditLogger<T extends { level: string; child(bindings: Record<string, never>, options: { level: string }): T }>(log: T): T {
  return ['trace', 'debug', 'info'].includes(log.level) ? log : log.child({}, { level: 'info' });
}
