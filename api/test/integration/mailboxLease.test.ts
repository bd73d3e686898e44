import type { TableClient } from '@azure/data-tables';
import { MailboxLease } from '../../src/sending/mailboxLease';
import { openTables, TABLES } from '../../src/storage/tables';
import { RunningAzurite, startAzurite } from '../support/azurite';

jest.setTimeout(60_000);

const LEASE = 30_000;
const A = 'https://contoso.test/sites/a';
const B = 'https://contoso.test/sites/b';
const C = 'https://contoso.test/sites/c';

/** The mailbox lease's turn-taking between catalogs that share a mailbox, over Azurite. */
describe('MailboxLease on Azurite', () => {
  let azurite: RunningAzurite;
  let table: TableClient;

  beforeAll(async () => {
    azurite = await startAzurite();
    table = (await openTables(azurite.connectionString))[TABLES.mailboxes];
  });

  afterAll(async () => {
    await azurite.stop();
  });

  it('one holder at a time; a lease released with a hand-over is only for that catalog until the reservation ends', async () => {
    const mailbox = 'shared1@contoso.test';
    const held = await MailboxLease.acquire(table, mailbox, 'instance-1', 1000, LEASE, undefined, A);
    expect(held).toBeDefined();
    expect(await MailboxLease.acquire(table, mailbox, 'instance-2', 2000, LEASE, undefined, B)).toBeUndefined();
    await held?.release({ catalog: B, reservedUntil: 20_000 });
    // Not for A again (even from the same instance), nor for C, while reserved; for B (any spelling of it).
    expect(await MailboxLease.acquire(table, mailbox, 'instance-1', 3000, LEASE, undefined, A)).toBeUndefined();
    expect(await MailboxLease.acquire(table, mailbox, 'instance-3', 3000, LEASE, undefined, C)).toBeUndefined();
    const forB = await MailboxLease.acquire(table, mailbox, 'instance-2', 3000, LEASE, undefined, B.toUpperCase());
    expect(forB).toBeDefined();
    // Taken: the reservation is gone with it, so after B releases without a hand-over anyone may take it.
    await forB?.release();
    expect(await MailboxLease.acquire(table, mailbox, 'instance-3', 4000, LEASE, undefined, C)).toBeDefined();
  });

  it('a reservation that nobody took ends: then any catalog takes the mailbox', async () => {
    const mailbox = 'shared2@contoso.test';
    const held = await MailboxLease.acquire(table, mailbox, 'instance-1', 1000, LEASE, undefined, A);
    await held?.release({ catalog: B, reservedUntil: 5000 });
    expect(await MailboxLease.acquire(table, mailbox, 'instance-1', 4999, LEASE, undefined, A)).toBeUndefined();
    expect(await MailboxLease.acquire(table, mailbox, 'instance-1', 5000, LEASE, undefined, A)).toBeDefined();
  });

  it('waiting names the catalog that has waited longest, never the holder itself, and forgets catalogs that stopped saying so', async () => {
    const mailbox = 'shared3@contoso.test';
    const held = await MailboxLease.acquire(table, mailbox, 'instance-1', 1000, LEASE, undefined, A);
    if (!held) {
      throw new Error('lease not taken');
    }
    expect(await held.waiting(A, 1000, LEASE)).toBeUndefined();
    await MailboxLease.wait(table, mailbox, A.toUpperCase(), 1000, LEASE);
    expect(await held.waiting(A, 1000, LEASE)).toBeUndefined();
    await MailboxLease.wait(table, mailbox, C, 2000, LEASE);
    await MailboxLease.wait(table, mailbox, B, 1500, LEASE);
    // Another mailbox's waiting catalog is not this one's.
    await MailboxLease.wait(table, 'other@contoso.test', 'https://contoso.test/sites/z', 500, LEASE);
    expect(await held.waiting(A, 3000, LEASE)).toBe(B);
    // Saying it again keeps B's place in the line (C said it last before B said it again).
    await MailboxLease.wait(table, mailbox, B, 2500, LEASE);
    expect(await held.waiting(A, 3000, LEASE)).toBe(B);
    await MailboxLease.wait(table, mailbox, C, 2600, LEASE);
    // Not said for longer than the window: not waiting any more.
    expect(await held.waiting(A, 2500 + LEASE + 1, LEASE)).toBe(C);
    expect(await held.waiting(A, 2600 + LEASE + 1, LEASE)).toBeUndefined();
    // B comes back after its silence: it waits anew, behind C who kept saying it.
    await MailboxLease.wait(table, mailbox, C, 2600 + LEASE, LEASE);
    await MailboxLease.wait(table, mailbox, B, 2600 + LEASE, LEASE);
    expect(await held.waiting(A, 2600 + LEASE, LEASE)).toBe(C);
  });

  it('a catalog that got its turn by a hand-over waits anew at the end of the line next time', async () => {
    const mailbox = 'shared4@contoso.test';
    const held = await MailboxLease.acquire(table, mailbox, 'instance-1', 1000, LEASE, undefined, A);
    await MailboxLease.wait(table, mailbox, B, 1000, LEASE);
    await MailboxLease.wait(table, mailbox, C, 1100, LEASE);
    await held?.release({ catalog: B, reservedUntil: 10_000 });
    const forB = await MailboxLease.acquire(table, mailbox, 'instance-2', 2000, LEASE, undefined, B);
    if (!forB) {
      throw new Error('lease not handed over');
    }
    expect(await forB.waiting(B, 2000, LEASE)).toBe(C);
    await forB.release({ catalog: C, reservedUntil: 10_000 });
    const forC = await MailboxLease.acquire(table, mailbox, 'instance-3', 3000, LEASE, undefined, C);
    if (!forC) {
      throw new Error('lease not handed over');
    }
    // A and B say they wait (B again, after its turn): A, who said so first, goes before B.
    await MailboxLease.wait(table, mailbox, A, 3100, LEASE);
    await MailboxLease.wait(table, mailbox, B, 3200, LEASE);
    expect(await forC.waiting(C, 3300, LEASE)).toBe(A);
  });
});
