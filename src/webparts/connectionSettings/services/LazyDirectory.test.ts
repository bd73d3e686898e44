import { LazyDirectory } from './LazyDirectory';
import type { IDirectory } from './interfaces';

describe('LazyDirectory', () => {
  it('LazyDirectory - builds the directory once, on the first search', async () => {
    let built = 0;
    const real: IDirectory = { searchPeople: (q: string) => Promise.resolve([{ email: `${q}@x.test`, displayName: q }]) };
    const lazy = new LazyDirectory(() => { built++; return Promise.resolve(real); });
    expect(built).toBe(0);
    expect(await lazy.searchPeople('a')).toEqual([{ email: 'a@x.test', displayName: 'a' }]);
    await lazy.searchPeople('b');
    expect(built).toBe(1);
  });

  it('LazyDirectory - a failed load is tried again on the next search', async () => {
    let attempts = 0;
    const lazy = new LazyDirectory(() => {
      attempts++;
      return attempts === 1 ? Promise.reject(new Error('chunk failed')) : Promise.resolve({ searchPeople: () => Promise.resolve([]) });
    });
    await expect(lazy.searchPeople('a')).rejects.toThrow('chunk failed');
    await expect(lazy.searchPeople('a')).resolves.toEqual([]);
    expect(attempts).toBe(2);
  });
});
