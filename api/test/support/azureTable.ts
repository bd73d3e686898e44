import { RestError, type TableClient } from '@azure/data-tables';

/**
 * A TableClient over Azurite that answers queries as Azure Table Storage does where Azurite is
 * lenient, so a test shows what only a real account would:
 * - an integer literal in `$filter` without the `L` suffix is Edm.Int32, and one past its range is
 *   refused with 400 ("Unrecognized 'Edm.Int32' literal", Azure/azure-storage-node#316,
 *   microsoft/AzureStorageExplorer#1382); Azurite reads any number;
 * - a property named in `$select` that an entity lacks comes back as null (Azure/Azurite#2535);
 *   Azurite leaves it out.
 */
export function azureTable(table: TableClient): TableClient {
  return new Proxy(table, {
    get(target, property, receiver) {
      if (property === 'listEntities') {
        return (options?: Parameters<TableClient['listEntities']>[0]) => {
          checkFilter(options?.queryOptions?.filter);
          return withNulls(target.listEntities(options), options?.queryOptions?.select);
        };
      }
      const value = Reflect.get(target, property, receiver) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    }
  });
}

function checkFilter(filter: string | undefined): void {
  const outsideStrings = (filter ?? '').replace(/'(?:[^']|'')*'/g, "''");
  for (const match of outsideStrings.matchAll(/(?<![\w.])(-?\d+)(?![\w.])/g)) {
    const n = Number(match[1]);
    if (n > 2_147_483_647 || n < -2_147_483_648) {
      throw new RestError(`Unrecognized 'Edm.Int32' literal '${match[1]}' in '${filter}'.`, { statusCode: 400, code: 'InvalidInput' });
    }
  }
}

type Entities = ReturnType<TableClient['listEntities']>;

function withNulls(entities: Entities, select: string[] | undefined): Entities {
  const fill = <T>(entity: T): T => {
    for (const name of select ?? []) {
      const key = name === 'PartitionKey' ? 'partitionKey' : name === 'RowKey' ? 'rowKey' : name;
      if (!(key in (entity as object))) {
        (entity as Record<string, unknown>)[key] = null;
      }
    }
    return entity;
  };
  const wrapped = {
    async next() {
      const result = await entities.next();
      return result.done ? result : { ...result, value: fill(result.value) };
    },
    [Symbol.asyncIterator]() {
      return wrapped;
    },
    byPage(settings?: Parameters<Entities['byPage']>[0]) {
      const pages = entities.byPage(settings);
      const pageIterator = {
        async next() {
          const result = await pages.next();
          if (!result.done) {
            result.value.forEach(fill);
          }
          return result;
        },
        [Symbol.asyncIterator]() {
          return pageIterator;
        }
      };
      return pageIterator;
    }
  };
  return wrapped as unknown as Entities;
}
