import { appError, type IAppError } from '../model/appError';
import type { IConnectionView, IModernStart, ITestEmailResult, Transport } from '../model/connection';
import { DEFAULT_SETTINGS, type IAdminSettings, type IStoredSettings } from '../model/settings';
import type { IConnectionApi, IConnectionPatch, IDeliveries, IDeliveriesApi, IDeliveriesPage, IDelivery, IDirectory, IPerson, ISettingsStore, IVisitorView } from '../services/interfaces';
import type { ISignInResult } from '../services/signInLauncher';
import { themeFor } from '../components/theme';
import { formatTime } from '../components/formatTime';

/** In-memory collaborators for unit tests of the page (browser tests use the real ones). */

/** Text with its non-breaking spaces (a clock and its zone kept together) as plain spaces. */
export const plainSpaces = (text: string): string => text.replace(/[\u00a0\u202f]/g, ' ');

/** A time as the page shows it, read the way testing-library's text matchers read the page (plainSpaces). */
export const shownTime = (...args: Parameters<typeof formatTime>): string => plainSpaces(formatTime(...args));

export const CATALOG = 'https://localhost:4800/sites/catalog-a';

/** What the web part class gives the page about its host, as the page tests set it (short sign-in waits). */
export const PAGE_HOST = {
  theme: themeFor('sharepoint'),
  userEmail: 'adele@contoso.test',
  pageOrigin: 'http://page.test',
  popupPollMs: 20,
  signInClosedWaitMs: 300
} as const;

export function notConnectedView(patch: Partial<IConnectionView> = {}): IConnectionView {
  return {
    catalog: CATALOG,
    connectionId: 'c0ffee00-0000-4000-8000-000000000001',
    enabled: false,
    method: null,
    transport: 'graph',
    account: null,
    health: { state: 'not-connected', code: null, checkedAt: null },
    orgConsent: { granted: false, canGrant: false },
    rooms: { available: false, adminApproval: null },
    alertRecipients: [],
    connectedBy: null,
    connectedAt: null,
    disconnected: null,
    outbox: null,
    etag: 'W/"1"',
    ...patch
  };
}

export function connectedView(patch: Partial<IConnectionView> = {}): IConnectionView {
  return notConnectedView({
    enabled: true,
    method: 'modern',
    account: { email: 'adele@contoso.test', displayName: 'Adele Vance' },
    health: { state: 'connected', code: null, checkedAt: '2026-11-25T10:00:00Z' },
    connectedBy: 'adele@contoso.test',
    connectedAt: '2026-11-25T09:58:00Z',
    outbox: { waiting: 0, held: 0, lastSentAt: null },
    ...patch
  });
}

/** A connected view with what the sending engine adds (who connected, the outbox). */
export function engineView(patch: Partial<IConnectionView> = {}): IConnectionView {
  return connectedView({
    connectedBy: 'adele@contoso.test',
    connectedAt: '2026-11-24T09:30:00Z',
    outbox: { waiting: 3, held: 0, lastSentAt: '2026-11-25T09:58:00Z' },
    ...patch
  });
}

export class FakeSettingsStore implements ISettingsStore {
  public stored: IStoredSettings;
  /** What each save wrote: the admin's columns only, as the real store does. */
  public saves: IAdminSettings[] = [];
  public failLoad: IAppError | undefined;
  public failSave: IAppError | undefined;
  /** Fails the next save only. */
  public failSaveOnce: IAppError | undefined;
  public loads: number = 0;
  /** What a visitor who cannot manage the catalog reads. */
  public visitor: IVisitorView = { summary: undefined, owners: [] };

  public constructor(settings: Partial<IStoredSettings> = {}) {
    this.stored = { ...DEFAULT_SETTINGS, etag: '"1"', ...settings };
  }

  public load(): Promise<IStoredSettings> {
    this.loads++;
    return this.failLoad ? Promise.reject(this.failLoad) : Promise.resolve({ ...this.stored });
  }

  public save(settings: IAdminSettings, etag: string | undefined): Promise<IStoredSettings> {
    const once = this.failSaveOnce;
    this.failSaveOnce = undefined;
    if (this.failSave || once) {
      return Promise.reject(this.failSave || once);
    }
    if (etag !== this.stored.etag) {
      return Promise.reject(appError('conflict'));
    }
    this.saves.push(settings);
    this.stored = { ...this.stored, ...settings, etag: `"${this.saves.length + 1}"` };
    return Promise.resolve({ ...this.stored });
  }

  public readForVisitor(): Promise<IVisitorView> {
    return Promise.resolve(this.visitor);
  }
}

export class FakeConnectionApi implements IConnectionApi {
  public readonly origin: string = 'http://api.test';
  public readonly baseUrl: string = 'http://api.test';
  public view: IConnectionView;
  public calls: string[] = [];
  public failures: Record<string, IAppError> = {};
  public authorizeUrl: string = 'http://api.test/authorize?state=1';
  /** The view a check answers (and keeps), as the API does when it finds the health changed. */
  public checkedView: IConnectionView | undefined;
  /** When set, a check answers only once this settles. */
  public checkGate: Promise<void> | undefined;
  public testEmailGate: Promise<void> | undefined;
  /** When set for a call's key ('retry-sending', 'disconnect', ...), that call answers only once its gate settles. */
  public gates: Record<string, Promise<void>> = {};
  /** What the API answers a page asking how its sign-in ended (undefined: not yet). */
  public signInResult: ISignInResult | undefined;

  public constructor(view: IConnectionView = notConnectedView()) {
    this.view = view;
  }

  public getConnection(): Promise<IConnectionView> {
    return this._answer('get', () => this.view);
  }

  public updateConnection(patch: IConnectionPatch, etag: string): Promise<IConnectionView> {
    if (etag !== this.view.etag) {
      this.calls.push(`patch ${JSON.stringify(patch)} (stale)`);
      return Promise.reject(appError('conflict', { status: 412, code: 'CHANGED_BY_SOMEONE_ELSE' }));
    }
    return this._answer(`patch ${JSON.stringify(patch)}`, () => {
      this.view = { ...this.view, ...patch, etag: `W/"p${this.calls.length}"` };
      return this.view;
    }, 'patch');
  }

  public startModern(orgConsent: boolean, transport: Transport, pageOrigin: string): Promise<IModernStart> {
    return this._answer(`modern ${orgConsent} ${transport} ${pageOrigin}`, () => ({ authorizeUrl: this.authorizeUrl, expiresAt: '2026-11-25T11:00:00Z' }), 'modern');
  }

  /** A completed sign-in answers the view the test arranged as what the API holds once connected. */
  public completeModern(completion: string): Promise<IConnectionView> {
    return this._answer(`complete ${completion}`, () => this.view, 'complete');
  }

  public modernResult(): Promise<ISignInResult | undefined> {
    this.calls.push('result');
    return Promise.resolve(this.signInResult);
  }

  public connectClassic(email: string, password: string): Promise<IConnectionView> {
    return this._answer(`classic ${email}`, () => {
      this.view = connectedView({ method: 'classic', account: { email, displayName: email }, enabled: this.view.enabled, alertRecipients: this.view.alertRecipients, etag: `W/"c${this.calls.length}"` });
      return this.view;
    }, 'classic');
  }

  public checkConnection(): Promise<IConnectionView> {
    this.calls.push('check');
    const failure = this.failures.check;
    // A test may hold the answer back (checkGate) to see the page while the check is under way.
    return (this.checkGate || Promise.resolve()).then(() => {
      if (failure) {
        throw failure;
      }
      // What the API records when its check finds the connection changed (e.g. lost).
      this.view = this.checkedView || this.view;
      return this.view;
    });
  }

  /** What a retry answers as the block's next try (the API's: now, or a minute after the last refusal). */
  public retryNextTryAt: string | undefined;

  public retrySending(): Promise<IConnectionView> {
    return this._answer('retry-sending', () => {
      const blocked = this.view.sendingBlocked;
      this.view = blocked && this.retryNextTryAt ? { ...this.view, sendingBlocked: { ...blocked, nextTryAt: this.retryNextTryAt } } : this.view;
      return this.view;
    }, 'retry-sending');
  }

  public sendTestEmail(to: string): Promise<ITestEmailResult> {
    // A test may hold the answer back (testEmailGate) to see the page while the email is on its way.
    return (this.testEmailGate || Promise.resolve()).then(() => this._answer(`test-email ${to}`, () => ({ status: 'accepted' as const, messageId: '<1@test>' }), 'test-email'));
  }

  public disconnect(): Promise<IConnectionView> {
    return this._answer('disconnect', () => {
      this.view = notConnectedView({ enabled: this.view.enabled });
      return this.view;
    });
  }

  private _answer<T>(call: string, result: () => T, key?: string): Promise<T> {
    this.calls.push(call);
    const failure = this.failures[key || call];
    const gate = this.gates[key || call];
    if (gate) {
      return gate.then(() => {
        if (failure) {
          throw failure;
        }
        return result();
      });
    }
    return failure ? Promise.reject(failure) : Promise.resolve(result());
  }
}

export class FakeDirectory implements IDirectory {
  public people: IPerson[];

  public constructor(people: IPerson[] = [{ email: 'alex@contoso.test', displayName: 'Alex Wilber' }]) {
    this.people = people;
  }

  public searchPeople(query: string): Promise<IPerson[]> {
    const q = query.toLowerCase();
    return Promise.resolve(this.people.filter((p: IPerson) => p.displayName.toLowerCase().indexOf(q) === 0 || p.email.indexOf(q) === 0));
  }
}

export function delivery(patch: Partial<IDelivery> = {}): IDelivery {
  return {
    id: 'n-1',
    kind: 'notification',
    subject: 'Course starts tomorrow',
    recipients: 1,
    status: 'sent',
    code: null,
    createdAt: '2026-11-25T09:00:00Z',
    sentAt: '2026-11-25T09:00:05Z',
    updatedAt: '2026-11-25T09:00:05Z',
    ...patch
  };
}

/** Recent deliveries from a list held in memory, newest first, paged by index like the API's cursor. */
export class FakeDeliveriesApi implements IDeliveriesApi {
  public items: IDelivery[];
  public calls: IDeliveriesPage[] = [];
  public failure: IAppError | undefined;
  /** As the API answers for a catalog with more notifications than it reads for the list. */
  public truncated: boolean = false;

  public constructor(items: IDelivery[] = []) {
    this.items = items;
  }

  public list(page: IDeliveriesPage): Promise<IDeliveries> {
    this.calls.push(page);
    if (this.failure) {
      return Promise.reject(this.failure);
    }
    const start = page.cursor ? Number(page.cursor) : 0;
    const counts = { queued: 0, sending: 0, sent: 0, held: 0, expired: 0, failed: 0, cancelled: 0 };
    for (const item of this.items) {
      counts[item.status as keyof typeof counts] += 1;
    }
    // As the API lists them: of one status when asked, counted over all.
    const listed = page.status ? this.items.filter((item) => item.status === page.status) : this.items;
    const end = start + page.limit;
    return Promise.resolve({
      counts,
      items: listed.slice(start, end),
      nextCursor: end < listed.length ? String(end) : null,
      truncated: this.truncated
    });
  }
}
