/** A gate a fake (a probe, a request) waits at until the test opens it; `reached` resolves once something waits. */
export function gate(): { wait: () => Promise<void>; open: () => void; reached: Promise<void> } {
  let open: () => void = () => undefined;
  let reach: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return { wait: () => (reach(), opened), open, reached };
}

/**
 * Waits until something waits at the gate, and fails at once when `work` ends without having
 * reached it (a regression that stops the work earlier): awaiting `reached` alone would wait for
 * jest's timeout to say so.
 */
export function reachedBy(target: { reached: Promise<void> }, work: Promise<unknown>): Promise<void> {
  // A failure of the work passes through as it is.
  const ended = work.then((outcome: unknown) => Promise.reject(new Error(`the work ended before it reached the gate: ${JSON.stringify(outcome) ?? 'undefined'}`)));
  return Promise.race([target.reached, ended]);
}
