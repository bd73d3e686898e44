import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SignInStore, type PendingSignIn } from '../../src/connections/signInStore';
import { azuriteConnectionString } from '../../src/config/config';
import { LocalFileKek } from '../../src/secrets/kek';
import { openTables } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';
import { azureTable } from '../support/azureTable';

describe('SignInStore (Azurite)', () => {
  let azurite: RunningAzurite;
  let store: SignInStore;

  beforeAll(async () => {
    azurite = await startAzurite();
    const tables = await openTables(azuriteConnectionString(azurite.tablePort, azurite.queuePort));
    // Queried as Azure answers, where Azurite is lenient (support/azureTable.ts).
    store = new SignInStore(azureTable(tables.pendingsignins), LocalFileKek.open(path.join(mkdtempSync(path.join(os.tmpdir(), 'kek-')), 'kek.json')));
  });
  afterAll(async () => azurite.stop());

  const signIn = (catalog: string): PendingSignIn => ({
    phase: 'graph', catalog, caller: 'o1', callerName: 'Adele', origin: 'https://contoso.sharepoint.com', orgConsent: false,
    transport: 'graph', nonce: 'n', verifier: 'v', expiresAt: Date.now() + 600_000
  });

  it('removeForCatalog - a disconnect removes the catalog\'s sign-ins whatever the case its site path was written in, and no other catalog\'s', async () => {
    await store.put('state-upper', signIn('https://contoso.sharepoint.com/sites/Catalog-A'));
    await store.put('state-lower', signIn('https://contoso.sharepoint.com/sites/catalog-a'));
    await store.put('state-other', signIn('https://contoso.sharepoint.com/sites/catalog-b'));
    expect(await store.removeForCatalog('https://contoso.sharepoint.com/sites/catalog-a')).toBe(2);
    await expect(store.take('state-upper')).rejects.toMatchObject({ code: 'STATE_INVALID' });
    expect((await store.take('state-other')).catalog).toBe('https://contoso.sharepoint.com/sites/catalog-b');
  });

  it('purgeExpired - removes the sign-ins past their time and no other, as Azure answers its query (a millisecond time is no Edm.Int32 literal)', async () => {
    const now = Date.now();
    await store.put('state-expired', { ...signIn('https://contoso.sharepoint.com/sites/catalog-c'), expiresAt: now - 1 });
    await store.put('state-live', { ...signIn('https://contoso.sharepoint.com/sites/catalog-c'), expiresAt: now + 600_000 });
    expect(await store.purgeExpired(now)).toBe(1);
    await expect(store.take('state-expired')).rejects.toMatchObject({ code: 'STATE_INVALID' });
    expect((await store.take('state-live')).catalog).toBe('https://contoso.sharepoint.com/sites/catalog-c');
  });
});
