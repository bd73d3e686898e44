import type { FastifyRequest } from 'fastify';

/** The three JSON shapes SharePoint answers in, chosen by the Accept header. */
export type ODataFormat = 'verbose' | 'minimal' | 'nometadata';

export function formatOf(req: FastifyRequest): ODataFormat {
  const accept = String(req.headers.accept ?? '');
  if (/odata=verbose/i.test(accept)) return 'verbose';
  if (/odata=nometadata/i.test(accept)) return 'nometadata';
  return 'minimal';
}

export interface EntityMeta {
  /** Absolute URI of the entity (odata.id / __metadata.uri). */
  uri: string;
  /** Path relative to the web's _api (odata.editLink). */
  editLink: string;
  type: string;
  etag?: string;
}

export function entity(format: ODataFormat, meta: EntityMeta, metadataUrl: string, obj: Record<string, unknown>): Record<string, unknown> {
  switch (format) {
    case 'verbose':
      return { d: entityBody(format, meta, obj) };
    case 'minimal':
      return { 'odata.metadata': metadataUrl, ...entityBody(format, meta, obj) };
    default:
      return obj;
  }
}

/** One entity without the envelope (for collections). */
export function entityBody(format: ODataFormat, meta: EntityMeta, obj: Record<string, unknown>): Record<string, unknown> {
  if (format === 'verbose') return { __metadata: { id: meta.uri, uri: meta.uri, type: meta.type, ...(meta.etag ? { etag: meta.etag } : {}) }, ...obj };
  if (format === 'minimal') return { 'odata.type': meta.type, 'odata.id': meta.uri, ...(meta.etag ? { 'odata.etag': meta.etag } : {}), 'odata.editLink': meta.editLink, ...obj };
  return obj;
}

export function collection(format: ODataFormat, metadataUrl: string, items: Record<string, unknown>[]): Record<string, unknown> {
  if (format === 'verbose') return { d: { results: items } };
  if (format === 'minimal') return { 'odata.metadata': metadataUrl, value: items };
  return { value: items };
}

/** A primitive or complex value returned on its own (e.g. doesUserHavePermissions). */
export function primitive(format: ODataFormat, metadataUrl: string, name: string, value: unknown): Record<string, unknown> {
  if (format === 'verbose') return { d: { [name]: value } };
  if (format === 'minimal') return { 'odata.metadata': metadataUrl, value };
  return { value };
}

/** Splits an _api path at slashes that are not inside quotes: getByTitle('a/b')/items. */
export function splitSegments(path: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of path) {
    if (ch === "'") quoted = !quoted;
    if (ch === '/' && !quoted) {
      if (current) out.push(current);
      current = '';
    } else current += ch;
  }
  if (current) out.push(current);
  return out;
}

/** The argument of a call segment: name('value') or name(value) -> value, quotes undone. */
export function argumentOf(segment: string, name: string): string | null {
  const m = segment.match(new RegExp(`^${name}\\((?:guid)?'?((?:[^']|'')*)'?\\)$`, 'i'));
  return m ? m[1].replace(/''/g, "'") : null;
}
