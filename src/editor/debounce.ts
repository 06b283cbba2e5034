// A small trailing debounce for the app: ask the worker for diagnostics once typing pauses. It
// imports nothing, so the app may use it without loading Monaco.

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Drop the pending call. */
  cancel(): void;
  /** Make the pending call now, if there is one. */
  flush(): void;
}

/** `f` runs `ms` after the last call, with that call's arguments. */
export function debounce<A extends unknown[]>(f: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const run = () => {
    timer = null;
    const args = pending;
    pending = null;
    if (args !== null) f(...args);
  };
  const d = (...args: A) => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  };
  d.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  d.flush = () => {
    if (timer !== null) clearTimeout(timer);
    run();
  };
  return d;
}
