import type { IAdminSettings, IStoredSettings } from '../model/settings';
import { EarlyRead } from './earlyRead';
import type { ISettingsStore, IVisitorView } from './interfaces';

/** What the web part asks of the settings store: the page's interface and the Teams tab's check. */
export interface ISiteSettingsStore extends ISettingsStore {
  hasSettingsList(): Promise<boolean>;
}

/**
 * The settings store with its code (PnPjs) loaded beside the page's first paint rather than
 * before it (bench:bundle, issue 14): `preload` starts the load at once, every call waits for it.
 * A failed load is not kept: the next call loads again.
 */
export class LazySettingsStore implements ISiteSettingsStore {
  private readonly _create: () => Promise<ISiteSettingsStore>;
  private _store: Promise<ISiteSettingsStore> | undefined;
  private readonly _early: EarlyRead<IStoredSettings> = new EarlyRead<IStoredSettings>();

  public constructor(create: () => Promise<ISiteSettingsStore>) {
    this._create = create;
  }

  public preload(): void {
    this._get().catch(() => undefined);
  }

  /**
   * Loads the code and reads the settings now, before the page asks (the page's first load takes
   * this answer). Only where the page will show: it makes the list and its item when missing.
   */
  public prefetch(): void {
    this._early.start(() => this._get().then((store) => store.load()));
  }

  public load(): Promise<IStoredSettings> {
    return this._early.take() || this._get().then((store) => store.load());
  }

  public save(settings: IAdminSettings, etag: string | undefined): Promise<IStoredSettings> {
    this._early.drop();
    return this._get().then((store) => store.save(settings, etag));
  }

  /** Never rejects (ISettingsStore): code that cannot be fetched reads as nothing the visitor may see. */
  public readForVisitor(): Promise<IVisitorView> {
    return this._get().then((store) => store.readForVisitor(), () => ({ summary: undefined, owners: [] }));
  }

  public hasSettingsList(): Promise<boolean> {
    return this._get().then((store) => store.hasSettingsList());
  }

  private _get(): Promise<ISiteSettingsStore> {
    if (!this._store) {
      const started = this._create();
      this._store = started;
      started.catch(() => { if (this._store === started) { this._store = undefined; } });
    }
    return this._store;
  }
}
