import { appError } from '../model/appError';
import { catalogId, parseJson, problemError } from './ConnectionApi';
import type { HttpSend } from './http';
import type { IDeliveries, IDeliveriesApi, IDeliveriesPage } from './interfaces';

/** Client of the API's recent deliveries of one catalog (GET /v1/catalogs/{catalog}/deliveries). */
export class DeliveriesApi implements IDeliveriesApi {
  private readonly _url: string;
  private readonly _send: HttpSend;

  public constructor(baseUrl: string, siteUrl: string, send: HttpSend) {
    this._url = `${baseUrl.replace(/\/+$/, '')}/v1/catalogs/${catalogId(siteUrl)}/deliveries`;
    this._send = send;
  }

  public async list(page: IDeliveriesPage): Promise<IDeliveries> {
    const query = new URLSearchParams({ limit: String(page.limit) });
    if (page.cursor) {
      query.set('cursor', page.cursor);
    }
    if (page.status) {
      query.set('status', page.status);
    }
    const response = await this._send(`${this._url}?${query.toString()}`, { method: 'GET', headers: { Accept: 'application/json' } });
    const text = await response.text();
    if (!response.ok) {
      throw problemError(response, text);
    }
    const parsed = parseJson(text) as IDeliveries | undefined;
    if (!parsed || !parsed.counts || !Array.isArray(parsed.items)) {
      throw appError('unknown', { status: response.status });
    }
    // An API older than this page counts no cancelled notifications.
    return { ...parsed, counts: { ...parsed.counts, cancelled: parsed.counts.cancelled ?? 0 } };
  }
}
