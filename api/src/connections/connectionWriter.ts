import { isDeepStrictEqual } from 'node:util';
import type { ErrorCode } from '@lms-m365/contracts';
import { ApiError } from '../errors/apiError';
import { followIncident, type OutboxCounters } from '../health/incident';
import type { ConnectionStore, SecretChange } from './connectionStore';
import { listFields } from '../sharepoint/listMirror';
import type { ConnectionRecord } from './model';

/**
 * Every server-side change of a connection record goes through here: re-read and re-applied
 * when another writer got there first, then copied to the catalog's settings list item.
 */
export class ConnectionWriter {
  public constructor(
    private readonly connections: ConnectionStore,
    private readonly deps: {
      now?: () => number;
      /** Copies the record's non-secret state to the catalog's settings list item. */
      mirror?: (record: ConnectionRecord) => Promise<unknown>;
      onUpstreamError?: (context: string, error: ApiError, catalog?: string) => void;
      /** The catalog's outbox counters: the restored notice's "what went out" counts from the write that resolves its incident. */
      counters?: (catalog: string) => Promise<OutboxCounters>;
      /** A connection was found lost (its record now says so): the log's line of why, with the upstream's own code when known. */
      onLost?: (record: ConnectionRecord, upstream?: string) => void;
      /** A lost connection works again, or Exchange's block of its sending was recorded or lifted: the log's line. */
      onChange?: (record: ConnectionRecord, change: 'restored' | 'blocked' | 'unblocked') => void;
    } = {}
  ) {}

  private incidentListener: ((record: ConnectionRecord) => void) | undefined;
  private writeListener: ((record: ConnectionRecord) => void) | undefined;

  /** Called after every write of a record (the sending engine: a drain of the catalog looks again before it sends more). */
  public onWrite(listener: (record: ConnectionRecord) => void): void {
    this.writeListener = listener;
  }

  /** Called when a write opens or resolves an incident: its notices are due. */
  public onIncident(listener: (record: ConnectionRecord) => void): void {
    this.incidentListener = listener;
  }

  private nowIso(): string {
    return new Date((this.deps.now ?? Date.now)()).toISOString();
  }

  /**
   * The list item follows the record; a failure is logged, and the next write tries again. Two
   * writes of a record close together (a connect and its first check, two instances) mirror in
   * either order, so a mirror that ends reads the record again and copies it once more when what it
   * wrote is no longer what the record says: the last mirror to end leaves the list as the record is.
   */
  public async mirror(record: ConnectionRecord): Promise<void> {
    if (!this.deps.mirror) {
      return;
    }
    let current = record;
    for (let pass = 0; pass < 3; pass++) {
      try {
        await this.deps.mirror(current);
      } catch (error) {
        this.deps.onUpstreamError?.('settings list mirror', error instanceof ApiError ? error : new ApiError('SERVICE_UNAVAILABLE'), current.catalog);
        return;
      }
      const latest = await this.connections.read(current.catalog).then((stored) => stored.record, () => current);
      if (isDeepStrictEqual(listFields(latest), listFields(current))) {
        return;
      }
      current = latest;
    }
  }

  /**
   * Writes `next` over `previous` (read as `etag`), with its secret when given, then mirrors it.
   * A change of health opens or resolves the incident.
   */
  public async write(previous: ConnectionRecord, next: ConnectionRecord, etag: string, secret?: SecretChange, counted?: OutboxCounters): Promise<ConnectionRecord> {
    let written = followIncident(previous, next, this.nowIso());
    const incident = written.incident;
    if (incident?.resolvedAt && incident.restored && !incident.atResolution && previous.incident?.id === incident.id && !previous.incident.resolvedAt && (counted || this.deps.counters)) {
      // Counted before the write that lets the held items go, not by the first notice's dispatch once
      // they went (a reconnect wakes the drain; the list's copy is written first). Unread: the dispatch
      // counts. `counted`: by the caller, before it sent them (a drain that found a block lifted).
      const atResolution = counted ?? (await this.deps.counters?.(written.catalog).catch(() => null)) ?? null;
      written = atResolution ? { ...written, incident: { ...incident, atResolution } } : written;
    }
    if (secret) {
      await this.connections.commit(written, etag, secret);
    } else {
      await this.connections.write(written, etag);
    }
    this.writeListener?.(written);
    await this.mirror(written);
    if (written.incident?.id !== previous.incident?.id || written.incident?.resolvedAt !== previous.incident?.resolvedAt) {
      this.incidentListener?.(written);
    }
    return written;
  }

  /**
   * Reads the record, applies `change` (given the storage ETag it was read with) and writes the
   * result conditionally; when another writer came first, reads again and applies `change` again
   * (five tries). What `change` throws ends the update as it is.
   */
  public async update(catalog: string, change: (record: ConnectionRecord, etag: string) => ConnectionRecord | Promise<ConnectionRecord>, counted?: OutboxCounters): Promise<ConnectionRecord> {
    for (let attempt = 0; ; attempt++) {
      const { record, etag } = await this.connections.read(catalog);
      const next = await change(record, etag);
      if (next === record) {
        return record;
      }
      try {
        return await this.write(record, next, etag, undefined, counted);
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'CHANGED_BY_SOMEONE_ELSE' || attempt >= 4) {
          throw error;
        }
      }
    }
  }

  /**
   * A connect or disconnect: the record's next generation and its secret in one transaction,
   * re-read and re-applied when another writer got there first. `change` may throw (a sign-in
   * started on a generation that is gone) and is given the generation the write will carry.
   */
  public async replaceConnection(catalog: string, change: (record: ConnectionRecord, generation: number) => ConnectionRecord, secret: (generation: number) => Promise<SecretChange>): Promise<ConnectionRecord> {
    for (let attempt = 0; ; attempt++) {
      const { record, etag } = await this.connections.read(catalog);
      const generation = record.generation + 1;
      // A new connection (or none) starts without the old account's sending block.
      const next = { ...change(record, generation), generation, blocked: null };
      try {
        return await this.write(record, next, etag, await secret(generation));
      } catch (error) {
        if (!(error instanceof ApiError) || error.code !== 'CHANGED_BY_SOMEONE_ELSE' || attempt >= 9) {
          throw error;
        }
      }
    }
  }

  /**
   * Records a health outcome of the connection `seen` (its catalog, connection id and generation,
   * as the outcome was seen with): a newer connection of the catalog, or a reconnect since, is
   * left alone. `used`: tokens were used, which postpones the keep-alive refresh (R-LOSS-0).
   * `since`: when what a working outcome rests on began (a check's start, a drain's sign-in). It
   * does not undo a loss recorded after that: a check whose sign-in went through before the
   * password changed, ending after a send found the connection lost, would resolve the incident
   * while every new sign-in fails (and the next send open another, with a second alert). Such a
   * check that was right after all is recorded by the next one.
   */
  public async recordHealth(seen: Pick<ConnectionRecord, 'catalog' | 'connectionId' | 'generation'>, health: { state: 'connected' | 'lost' | 'error'; code: ErrorCode | null }, options: { used?: boolean; since?: number; upstream?: string } = {}): Promise<void> {
    // The state this outcome replaced; none when the record is another connection's (left alone).
    let previous: ConnectionRecord['health']['state'] | undefined;
    const written = await this.update(seen.catalog, (record) => {
      // Per attempt: a retry that finds a newer connection must not log the one it first saw.
      previous = undefined;
      if (!sameConnection(record, seen)) {
        return record;
      }
      // A check that could not tell (R-PAGE-6 "error") says nothing against a loss already found.
      if (health.state === 'error' && record.health.state === 'lost') {
        return record;
      }
      if (health.state === 'connected' && record.health.state === 'lost' && options.since !== undefined && recordedAfter(record.health.checkedAt, options.since)) {
        return record;
      }
      previous = record.health.state;
      return { ...record, health: { ...health, checkedAt: this.nowIso() }, lastTokenUseAt: options.used ? this.nowIso() : record.lastTokenUseAt };
    });
    if (health.state === 'lost' && previous !== undefined && previous !== 'lost' && written.health.state === 'lost') {
      this.deps.onLost?.(written, options.upstream);
    }
    if (health.state === 'connected' && previous === 'lost') {
      this.deps.onChange?.(written, 'restored');
    }
  }

  /**
   * Records that Exchange stopped the connection `seen` from sending (`code`), or that a send went
   * through again (null). A reconnect since is left alone. A lift says `since` when the send that
   * went through began: a block recorded after that (a test email refused while a drain's last
   * message went) stays. `atResolution`: the outbox's counters before what waited was sent, for
   * the restored notice (read here when not given).
   */
  public async recordBlocked(seen: Pick<ConnectionRecord, 'catalog' | 'connectionId' | 'generation'>, code: ErrorCode | null, lifted: { since?: number; atResolution?: OutboxCounters } = {}): Promise<void> {
    let changed = false;
    const written = await this.update(seen.catalog, (record) => {
      changed = false;
      if (!sameConnection(record, seen) || Boolean(record.blocked) === (code !== null)) {
        return record;
      }
      if (code === null && lifted.since !== undefined && record.blocked && recordedAfter(record.blocked.since, lifted.since)) {
        return record;
      }
      changed = true;
      return { ...record, blocked: code ? { code, since: this.nowIso() } : null };
    }, code === null ? lifted.atResolution : undefined);
    if (changed) {
      this.deps.onChange?.(written, code ? 'blocked' : 'unblocked');
    }
  }
}

/** Is `record` still the connection an outcome was seen with (connected, and no reconnect since)? */
function sameConnection(record: ConnectionRecord, seen: Pick<ConnectionRecord, 'connectionId' | 'generation'>): boolean {
  return record.connectionId === seen.connectionId && !!record.method && record.generation === seen.generation;
}

/** Was a state (a health, a block) recorded at `at` after `since`? (Unknown or unreadable: no.) */
function recordedAfter(at: string | null, since: number): boolean {
  return at !== null && Date.parse(at) > since;
}
