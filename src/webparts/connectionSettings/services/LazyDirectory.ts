import type { IDirectory, IPerson } from './interfaces';

/**
 * Defers building the real directory (and loading @pnp/graph) until the people picker first
 * searches: no other part of the page talks to Microsoft Graph.
 */
export class LazyDirectory implements IDirectory {
  private readonly _create: () => Promise<IDirectory>;
  private _directory: Promise<IDirectory> | undefined;

  public constructor(create: () => Promise<IDirectory>) {
    this._create = create;
  }

  public searchPeople(query: string): Promise<IPerson[]> {
    if (!this._directory) {
      this._directory = this._create();
      // A failed load must not stick: the next search tries again.
      this._directory.catch(() => { this._directory = undefined; }); // eslint-disable-line @typescript-eslint/no-floating-promises
    }
    return this._directory.then((directory: IDirectory) => directory.searchPeople(query));
  }
}
