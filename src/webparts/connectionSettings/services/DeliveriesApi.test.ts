import { DeliveriesApi } from './DeliveriesApi';
import type { HttpSend, IHttpResponse } from './http';

function response(status: number, body: unknown): IHttpResponse {
  return { status, ok: status >= 200 && status < 300, headers: { get: () => null }, text: () => Promise.resolve(typeof body === 'string' ? body : JSON.stringify(body)) };
}

const PAGE = { counts: { queued: 0, sending: 0, sent: 1, held: 0, expired: 0, failed: 0, cancelled: 2 }, items: [], nextCursor: '10', truncated: false };

describe('DeliveriesApi', () => {
  it('DeliveriesApi - asks the catalog\'s deliveries with the page size and the cursor as a query string', async () => {
    const urls: string[] = [];
    const send: HttpSend = (url, request) => { urls.push(`${request.method} ${url}`); return Promise.resolve(response(200, PAGE)); };
    const api = new DeliveriesApi('http://api.test/', 'https://t.test/sites/a/', send);
    expect(await api.list({ limit: 10 })).toEqual(PAGE);
    await api.list({ limit: 10, cursor: '10' });
    const base = `http://api.test/v1/catalogs/${encodeURIComponent('https://t.test/sites/a')}/deliveries`;
    expect(urls).toEqual([`GET ${base}?limit=10`, `GET ${base}?limit=10&cursor=10`]);
  });

  it('DeliveriesApi - an API older than the page, which counts no cancelled notifications, reads as none cancelled', async () => {
    const older = { ...PAGE, counts: { queued: 0, sending: 0, sent: 1, held: 0, expired: 0, failed: 0 } };
    const api = new DeliveriesApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(200, older)));
    expect((await api.list({ limit: 10 })).counts).toEqual({ ...older.counts, cancelled: 0 });
  });

  it('DeliveriesApi - a problem answer rejects with its catalogue code; an answer of another shape is unknown', async () => {
    const refused = new DeliveriesApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(403, { code: 'NOT_CATALOG_ADMIN', title: 'x' })));
    await expect(refused.list({ limit: 10 })).rejects.toMatchObject({ isAppError: true, kind: 'problem', status: 403, code: 'NOT_CATALOG_ADMIN' });
    const odd = new DeliveriesApi('http://api.test', 'https://t.test/sites/a', () => Promise.resolve(response(200, '<html>')));
    await expect(odd.list({ limit: 10 })).rejects.toMatchObject({ isAppError: true, kind: 'unknown' });
  });
});
