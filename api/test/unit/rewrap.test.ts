import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TableClient } from '@azure/data-tables';
import { open, seal, SealedValue } from '../../src/secrets/envelope';
import { KekRing, LocalFileKek } from '../../src/secrets/kek';
import { rewrapAll } from '../../src/secrets/rewrap';

type Row = SealedValue & { partitionKey: string; rowKey: string; etag: string; kind?: string };

/** A table in memory with ETags; `beforeUpdate` lets a test write a row "meanwhile", as a running API would. */
function fakeTable(rows: Row[], beforeUpdate: (row: Row) => void = () => undefined): TableClient {
  let version = 1;
  const find = (pk: string, rk: string): Row | undefined => rows.find((r) => r.partitionKey === pk && r.rowKey === rk);
  const rejected = (statusCode: number): Error => Object.assign(new Error(`status ${statusCode}`), { statusCode });
  return {
    listEntities: async function* () {
      for (const row of [...rows]) yield { ...row };
    },
    getEntity: async (pk: string, rk: string) => {
      const row = find(pk, rk);
      if (!row) throw rejected(404);
      return { ...row };
    },
    updateEntity: async (entity: Partial<Row> & { partitionKey: string; rowKey: string }, _mode: string, options: { etag: string }) => {
      const row = find(entity.partitionKey, entity.rowKey);
      if (!row) throw rejected(404);
      beforeUpdate(row);
      if (row.etag !== options.etag) throw rejected(412);
      Object.assign(row, entity, { etag: `W/"${(version += 1)}"` });
    }
  } as unknown as TableClient;
}

describe('key rotation: rewrapAll', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rewrap-'));
  const a = LocalFileKek.open(path.join(dir, 'a.json'));
  const b = LocalFileKek.open(path.join(dir, 'b.json'));
  const row = async (kek: LocalFileKek, key: string, secret: string): Promise<Row> => ({ partitionKey: key, rowKey: 'secret', etag: 'W/"1"', ...(await seal(kek, Buffer.from(secret), `${key}|password`)) });

  it('re-wraps every data key under the new KEK without touching the ciphertext; the old KEK is then not needed', async () => {
    const rows = [await row(a, 'c1', 'one'), await row(a, 'c2', 'two'), await row(b, 'c3', 'three')];
    const ciphertexts = rows.map((r) => r.ciphertext);
    const report = await rewrapAll([fakeTable(rows)], new KekRing(b, [a]));
    expect(report).toEqual({ examined: 3, rewrapped: 2, skipped: 0 });
    expect(rows.map((r) => r.kekId)).toEqual([b.keyId, b.keyId, b.keyId]);
    expect(rows.map((r) => r.ciphertext)).toEqual(ciphertexts);
    const onlyB = new KekRing(b);
    expect(await Promise.all(rows.map(async (r) => (await open(onlyB, r, `${r.partitionKey}|password`)).toString()))).toEqual(['one', 'two', 'three']);
  });

  it('a row the API rewrote meanwhile (sealed under the new KEK) is left as the API wrote it', async () => {
    const rows = [await row(a, 'c1', 'old')];
    const resealed = await row(b, 'c1', 'new');
    let written = false;
    const table = fakeTable(rows, (r) => {
      if (!written) {
        written = true;
        Object.assign(r, resealed, { etag: 'W/"api"' });
      }
    });
    const report = await rewrapAll([table], new KekRing(b, [a]));
    expect(report).toEqual({ examined: 1, rewrapped: 0, skipped: 1 });
    expect((await open(new KekRing(b), rows[0], 'c1|password')).toString()).toBe('new');
  });

  it('a data key wrapped by a KEK the ring does not have is an error naming that KEK, and nothing is written', async () => {
    const rows = [await row(a, 'c1', 'one')];
    const missing = { code: 'SERVICE_KEY_UNAVAILABLE', upstream: `key ${a.keyId} not configured (KEY_VAULT_PREVIOUS_KEY_IDS / LOCAL_KEK_PREVIOUS_FILES)` };
    await expect(rewrapAll([fakeTable(rows)], new KekRing(b))).rejects.toMatchObject(missing);
    expect(rows[0].kekId).toBe(a.keyId);
    await expect(open(new KekRing(b), rows[0], 'c1|password')).rejects.toMatchObject(missing);
  });

  it('rows without a sealed value are not examined', async () => {
    const plain = { partitionKey: 'p', rowKey: 'r', etag: 'W/"1"' } as unknown as Row;
    expect(await rewrapAll([fakeTable([plain])], new KekRing(b, [a]))).toEqual({ examined: 0, rewrapped: 0, skipped: 0 });
  });
});
