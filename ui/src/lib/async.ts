// Small timing helpers: debouncing and coalescing of refetches.

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  /** Runs a scheduled call now, if any. */
  flush(): void;
  /** Drops a scheduled call. */
  cancel(): void;
  /** Whether a call is scheduled. */
  pending(): boolean;
}

/** Calls `fn` with the latest arguments once `ms` have passed without another call. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let lastArgs: A | null = null;
  const run = () => {
    timer = null;
    const args = lastArgs;
    lastArgs = null;
    if (args) fn(...args);
  };
  const debounced = ((...args: A) => {
    lastArgs = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(run, ms);
  }) as Debounced<A>;
  debounced.flush = () => {
    if (timer !== null) {
      clearTimeout(timer);
      run();
    }
  };
  debounced.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    lastArgs = null;
  };
  debounced.pending = () => timer !== null;
  return debounced;
}

/**
 * Wraps an async task so that calls while it runs do not start a second
 * run in parallel but one more run after it: a burst of change events
 * becomes at most two refetches, and the last one sees the final state.
 */
export function coalesce(task: () => Promise<void>): () => Promise<void> {
  let running: Promise<void> | null = null;
  let again = false;
  const loop = async () => {
    try {
      do {
        again = false;
        try {
          await task();
        } catch {
          // The task reports its own errors; a failed run must not stop later ones.
        }
      } while (again);
    } finally {
      running = null;
    }
  };
  return () => {
    if (running) {
      again = true;
      return running;
    }
    running = loop();
    return running;
  };
}
