import { ApiError } from '../errors/apiError';
import type { ConnectionRecord } from '../connections/model';
import type { GraphClient } from '../graph/graphClient';

/** The settings list the package provisions on each catalog site (docs/design.md). */
export const SETTINGS_LIST = 'LmsM365Connection';

const STATUS: Record<ConnectionRecord['health']['state'], string> = { 'not-connected': 'NotConnected', connected: 'Connected', lost: 'Lost', error: 'Error' };

/** The list item's fields the API owns, from the connection record (never a secret). */
export function listFields(record: ConnectionRecord): Record<string, unknown> {
  return {
    LmsEnabled: record.enabled,
    LmsAuthMethod: record.method === 'modern' ? 'Modern' : record.method === 'classic' ? 'Classic' : null,
    LmsTransport: record.transport === 'smtp-oauth' ? 'SmtpOAuth' : 'Graph',
    LmsAccountEmail: record.account?.email ?? null,
    LmsConnectionStatus: STATUS[record.health.state],
    LmsStatusCode: record.health.code,
    LmsLastCheck: record.health.checkedAt,
    LmsAlertRecipients: record.alertRecipients.join('\n'),
    LmsConnectionId: record.connectionId
  };
}

interface Item {
  id: string;
  eTag?: string;
}

/**
 * Mirrors a catalog's non-secret connection state into its settings list item with app-only
 * Graph, so the page (and list versioning) shows what the API knows. The web part owns the list;
 * when it does not exist yet there is nothing to mirror into.
 */
export class ListMirror {
  public constructor(private readonly graph: GraphClient, private readonly appToken: () => Promise<string>) {}

  public async mirror(record: ConnectionRecord): Promise<'updated' | 'created' | 'no-list'> {
    const token = await this.appToken();
    const site = new URL(record.catalog);
    const siteInfo = await this.graph.request<{ id: string }>(token, 'GET', `/sites/${site.hostname}:${site.pathname}:`);
    const items = `/sites/${encodeURIComponent(siteInfo?.id ?? '')}/lists/${SETTINGS_LIST}/items`;
    let existing: { value: Item[] } | undefined;
    try {
      existing = await this.graph.request<{ value: Item[] }>(token, 'GET', `${items}?$top=1`);
    } catch (error) {
      if (error instanceof ApiError && error.upstream?.startsWith('Graph 404')) {
        return 'no-list';
      }
      throw error;
    }
    const item = existing?.value[0];
    if (!item) {
      await this.graph.request(token, 'POST', items, { fields: { Title: 'Microsoft 365 connection', ...listFields(record) } });
      return 'created';
    }
    for (let attempt = 0; ; attempt++) {
      const current = attempt === 0 ? item : await this.graph.request<Item>(token, 'GET', `${items}/${item.id}`);
      try {
        await this.graph.request(token, 'PATCH', `${items}/${item.id}/fields`, listFields(record), current?.eTag ? { 'if-match': current.eTag } : {});
        return 'updated';
      } catch (error) {
        // Someone saved the item meanwhile: re-read it and write the API's fields again.
        if (!(error instanceof ApiError) || !error.upstream?.startsWith('Graph 412') || attempt >= 2) {
          throw error;
        }
      }
    }
  }
}
