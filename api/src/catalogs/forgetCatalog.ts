import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { catalogKey, deleteRow, deleteWhere, statusOf, storageError, TABLES } from '../storage/tables';

export interface ForgetReport {
  /** Rows deleted, by table. */
  deleted: Record<string, number>;
}

type Tables = Record<(typeof TABLES)[keyof typeof TABLES], TableClient>;

/**
 * Retiring a catalog whose site is gone (or whose app was removed): nobody can press Disconnect
 * there any more - the API asks SharePoint whether the caller administers a site that no longer
 * exists - so the operator's `forget-catalog` deletes everything the API keeps for it: the
 * connection record and its sealed secret (refresh token or password), its outbox (queued
 * notifications too), its sessions, its settings list state, its sign-ins under way and its place
 * in a shared mailbox's line. The mailbox's pacing budget (a hash of the address and counts)
 * stays: another catalog may send from that mailbox. Rows are deleted a partition at a time, 100 to
 * a transaction; the command can be run again (what is gone is gone).
 */
export async function forgetCatalog(tables: Tables, catalog: string): Promise<ForgetReport> {
  const partitionKey = catalogKey(catalog);
  const deleted: Record<string, number> = {};
  for (const name of [TABLES.connections, TABLES.outbox, TABLES.sessions, TABLES.settingsLists] as const) {
    deleted[name] = await deletePartition(tables[name], partitionKey);
  }
  // As SignInStore.removeForCatalog finds them (it needs the key-encryption key, this command does not).
  deleted[TABLES.signIns] = await deleteWhere(tables[TABLES.signIns], odata`catalogKey eq ${partitionKey} or catalog eq ${catalog}`, []);
  // A wait row's key ends with the catalog's key, as its catalog was spelt then: compared by that key.
  deleted[TABLES.mailboxes] = await deleteWhere<{ catalog?: unknown }>(tables[TABLES.mailboxes], odata`PartitionKey eq 'mailbox-wait'`, ['catalog'], (row) => typeof row.catalog === 'string' && catalogKey(row.catalog) === partitionKey);
  return { deleted };
}

async function deletePartition(table: TableClient, partitionKey: string): Promise<number> {
  const rowKeys: string[] = [];
  try {
    for await (const row of table.listEntities<{ rowKey: string }>({ queryOptions: { filter: odata`PartitionKey eq ${partitionKey}`, select: ['RowKey'] } })) {
      rowKeys.push(row.rowKey);
    }
    for (let i = 0; i < rowKeys.length; i += 100) {
      await table.submitTransaction(rowKeys.slice(i, i + 100).map((rowKey): TransactionAction => ['delete', { partitionKey, rowKey }])).catch(async (error: unknown) => {
        if (statusOf(error) !== 404) {
          throw error;
        }
        // A row deleted meanwhile (the API's own retention): the rest one by one.
        await Promise.all(rowKeys.slice(i, i + 100).map((rowKey) => deleteRow(table, partitionKey, rowKey)));
      });
    }
  } catch (error) {
    throw storageError(error);
  }
  return rowKeys.length;
}
