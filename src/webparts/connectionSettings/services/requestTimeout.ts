import type { Queryable } from '@pnp/queryable';

const timers = new WeakMap<object, Set<ReturnType<typeof setTimeout>>>();

/**
 * Aborts a PnPjs request after `ms` (an AbortError, as PnPjs's Timeout), and clears its timer once the
 * request ends: PnPjs's Timeout never clears it, so every request leaves a timer pending for the whole
 * period (in Node, a process or test worker kept alive that long).
 */
export function RequestTimeout(ms: number): (instance: Queryable) => Queryable {
  return (instance: Queryable) => {
    instance.on.pre(async function (this: object, url: string, init: RequestInit, result: unknown) {
      const controller = new AbortController();
      init.signal = controller.signal;
      const pending = timers.get(this) ?? new Set<ReturnType<typeof setTimeout>>();
      pending.add(setTimeout(() => controller.abort(), ms));
      timers.set(this, pending);
      return [url, init, result] as [string, RequestInit, unknown];
    });
    // Emitted by PnPjs once the request's promise settles, success or failure.
    instance.on.dispose(function (this: object) {
      timers.get(this)?.forEach(clearTimeout);
      timers.delete(this);
    });
    return instance;
  };
}
