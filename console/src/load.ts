import { h } from 'preact';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import htm from 'htm';

export const html = htm.bind(h);

export interface Loaded<T> {
  readonly data: T | undefined;
  readonly error: string | undefined;
  reload(): void;
}

/** A read of the API that a page shows: loading, its answer, or its problem; again when `deps` change or on reload. */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]): Loaded<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setError(undefined);
    load().then(
      (answer) => live && setData(answer),
      (problem: Error) => live && setError(problem.message),
    );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { data, error, reload: () => setRound((r) => r + 1) };
}

/** What a page shows while its data comes, or when it cannot. */
export function Shown<T>({ loaded, children }: { loaded: Loaded<T>; children: (data: T) => ComponentChildren }) {
  if (loaded.error) return html`<p class="error" role="alert">${loaded.error}</p>`;
  if (loaded.data === undefined) return html`<p class="loading">Loading…</p>`;
  return html`${children(loaded.data)}`;
}
