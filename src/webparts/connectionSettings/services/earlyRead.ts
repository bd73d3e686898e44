/**
 * A read the host starts before the page asks for it (bench:page): the web part's onInit and the
 * preview host start the page's first reads while React and the page's code are still loading, and
 * the page's first ask takes that answer instead of asking again. Taken once: every later read
 * asks afresh, and a write drops an answer nobody took (it may no longer be true).
 */
export class EarlyRead<T> {
  private _pending: Promise<T> | undefined;

  /** Starts the read unless one is already waiting to be taken. */
  public start(read: () => Promise<T>): void {
    if (!this._pending) {
      const pending = read();
      // Nobody may take it (a visitor's page, a write first): its failure is the taker's to see.
      pending.catch(() => undefined);
      this._pending = pending;
    }
  }

  /** The read started early, once; undefined when none is waiting. */
  public take(): Promise<T> | undefined {
    const pending = this._pending;
    this._pending = undefined;
    return pending;
  }

  public drop(): void {
    this._pending = undefined;
  }
}
