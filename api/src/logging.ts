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

export function createLogger(level: string, destination?: DestinationStream): Logger {
  return pino({
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    serializers: {
      req: (req: { method?: string; url?: string; id?: string }) => ({ method: req.method, url: stripQuery(req.url ?? ''), id: req.id }),
      res: (res: { statusCode?: number }) => ({ statusCode: res.statusCode })
    }
  }, destination);
}
