/** A gate a fake (a probe, a request) waits at until the test opens it; `reached` resolves once something waits. */
export function gate(): { wait: () => Promise<void>; open: () => void; reached: Promise<void> } {
  let open: () => void = () => undefined;
  let reach: () => void = () => undefined;
  const opened = new Promise<void>((resolve) => (open = resolve));
  const reached = new Promise<void>((resolve) => (reach = resolve));
  return { wait: () => (reach(), opened), open, reached };
}
