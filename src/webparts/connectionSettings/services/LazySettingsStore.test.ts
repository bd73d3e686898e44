import { DEFAULT_SETTINGS, type ISettings, type IStoredSettings } from '../model/settings';
import type { IVisitorView } from './interfaces';
import { LazySettingsStore, type ISiteSettingsStore } from './LazySettingsStore';

class Store implements ISiteSettingsStore {
  public saved: Array<{ settings: ISettings; etag: string | undefined }> = [];
  public load(): Promise<IStoredSettings> { return Promise.resolve({ ...DEFAULT_SETTINGS, etag: 'W/"1"' } as IStoredSettings); }
  public save(settings: ISettings, etag: string | undefined): Promise<IStoredSettings> {
    this.saved.push({ settings, etag });
    return Promise.resolve({ ...settings, etag: 'W/"2"' } as IStoredSettings);
  }
  public readForVisitor(): Promise<IVisitorView> { return Promise.resolve({ summary: undefined, owners: [] }); }
  public hasSettingsList(): Promise<boolean> { return Promise.resolve(true); }
}

describe('LazySettingsStore', () => {
  it('LazySettingsStore - preload builds the real store at once; every call then goes to it', async () => {
    const real = new Store();
    const create = jest.fn(() => Promise.resolve(real));
    const lazy = new LazySettingsStore(create);
    lazy.preload();
    expect(create).toHaveBeenCalledTimes(1);
    expect((await lazy.load()).etag).toBe('W/"1"');
    await lazy.save(DEFAULT_SETTINGS, 'W/"1"');
    expect(real.saved).toEqual([{ settings: DEFAULT_SETTINGS, etag: 'W/"1"' }]);
    expect(await lazy.readForVisitor()).toEqual({ summary: undefined, owners: [] });
    expect(await lazy.hasSettingsList()).toBe(true);
    expect(create).toHaveBeenCalledTimes(1);
  });

  it('LazySettingsStore - a failed load rejects the call and the next call loads again', async () => {
    const create = jest.fn()
      .mockImplementationOnce(() => Promise.reject(new Error('chunk failed')))
      .mockImplementationOnce(() => Promise.resolve(new Store()));
    const lazy = new LazySettingsStore(create);
    await expect(lazy.load()).rejects.toThrow('chunk failed');
    expect(await lazy.hasSettingsList()).toBe(true);
    expect(create).toHaveBeenCalledTimes(2);
  });
  it('LazySettingsStore - prefetch loads the code and reads the settings at once; the first load takes that read', async () => {
    const real = new Store();
    const load = jest.spyOn(real, 'load');
    const lazy = new LazySettingsStore(() => Promise.resolve(real));
    lazy.prefetch();
    lazy.prefetch();
    expect((await lazy.load()).etag).toBe('W/"1"');
    expect(load).toHaveBeenCalledTimes(1);
    await lazy.load();
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('LazySettingsStore - a save drops a read nobody took: the next load reads what was saved', async () => {
    const real = new Store();
    let stored: IStoredSettings = { ...DEFAULT_SETTINGS, etag: 'W/"1"' } as IStoredSettings;
    jest.spyOn(real, 'load').mockImplementation(() => Promise.resolve(stored));
    jest.spyOn(real, 'save').mockImplementation((settings: ISettings) => {
      stored = { ...settings, etag: 'W/"2"' } as IStoredSettings;
      return Promise.resolve(stored);
    });
    const lazy = new LazySettingsStore(() => Promise.resolve(real));
    lazy.prefetch();
    await lazy.save({ ...DEFAULT_SETTINGS, enabled: true }, 'W/"1"');
    expect(await lazy.load()).toMatchObject({ enabled: true, etag: 'W/"2"' });
  });

  it('LazySettingsStore - a visitor\'s read never rejects, even when the store\'s code cannot be fetched (the page would stay on its spinner)', async () => {
    const lazy = new LazySettingsStore(() => Promise.reject(new Error('chunk failed')));
    await expect(lazy.readForVisitor()).resolves.toEqual({ summary: undefined, owners: [] });
  });
});
