import { useCallback, useEffect, useRef, useState, type DependencyList, type FormEvent, type SetStateAction } from "react";

interface Loaded<T> {
  data: T | null;
  error: unknown;
  /** The load function whose answer this is: while it is not the current one, a new load is under way. */
  answered: unknown;
  reloading: boolean;
}

/**
 * Loads data on mount and whenever deps change, and again on reload(); errors are kept, not thrown. Answers are
 * applied only while their request is the latest: a slow answer to an older request (an earlier id, a reload
 * overtaken by another) is dropped, never shown over a newer one. The deps are checked like useCallback's
 * (eslint.config.js lists useLoad among the hooks whose dependencies react-hooks/exhaustive-deps verifies).
 */
export function useLoad<T>(load: () => Promise<T>, deps: DependencyList) {
  // eslint-disable-next-line react-hooks/exhaustive-deps, react-hooks/use-memo -- the callers' deps are checked at each call
  const run = useCallback(load, deps);
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, answered: null, reloading: false });
  // The latest request; starting another cancels it, so only the newest may change the state.
  const latest = useRef<{ cancelled: boolean } | null>(null);

  const request = useCallback(() => {
    if (latest.current) latest.current.cancelled = true;
    const mine = { cancelled: false };
    latest.current = mine;
    const settle = (next: (s: Loaded<T>) => Loaded<T>) => {
      if (!mine.cancelled) setState(next);
    };
    const done = run().then(
      (data) => settle(() => ({ data, error: null, answered: run, reloading: false })),
      (error: unknown) => settle((s) => ({ ...s, error, answered: run, reloading: false })),
    );
    return { done, cancel: () => void (mine.cancelled = true) };
  }, [run]);

  useEffect(() => {
    // Unmounted or deps changed: whatever is still on its way is stale.
    return request().cancel;
  }, [request]);

  const reload = useCallback(() => {
    setState((s) => ({ ...s, reloading: true }));
    return request().done;
  }, [request]);

  const setData = useCallback(
    (update: SetStateAction<T | null>) =>
      setState((s) => ({ ...s, data: typeof update === "function" ? (update as (previous: T | null) => T | null)(s.data) : update })),
    [],
  );

  return { data: state.data, setData, error: state.error, loading: state.answered !== run || state.reloading, reload };
}

/** The device clock, re-read every second while active (for countdowns); frozen otherwise. */
export function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return;
    const tick = () => setNow(Date.now());
    // Re-read at once on becoming active: the frozen value may be long out of date.
    const first = setTimeout(tick, 0);
    const t = setInterval(tick, 1000);
    return () => {
      clearTimeout(first);
      clearInterval(t);
    };
  }, [active]);
  return now;
}

/**
 * A form's submit handler with its busy flag and the last error (kept for the form to show, never thrown).
 * The action runs after the flag is set and the previous error cleared; submit itself returns nothing, so it can be
 * handed to onSubmit as it is.
 */
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = (e?: FormEvent) => {
    e?.preventDefault();
    setBusy(true);
    setError(null);
    action()
      .catch((err: unknown) => setError(err))
      .finally(() => setBusy(false));
  };
  return { submit, busy, error };
}
