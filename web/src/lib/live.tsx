// Follows the server's change feed (GET /api/v1/events/stream) so every page updates when anything
// changes — a rollback from the CLI or the guard shows without a reload. It uses fetch rather than
// EventSource so the token travels in the Authorization header, and resumes after a drop from the
// last event id it saw, so nothing is missed or seen twice.
import { createParser } from 'eventsource-parser';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Api } from '../api';
import type { RegistryEvent } from '../types';

type Listener = (e: RegistryEvent) => void;
export type LiveState = 'connecting' | 'live' | 'offline';

interface Live {
  state: LiveState;
  subscribe: (l: Listener) => () => void;
}

const LiveContext = createContext<Live>({ state: 'offline', subscribe: () => () => {} });

const RETRY_MIN_MS = 500;
const RETRY_MAX_MS = 10_000;

async function readStream(res: Response, onEvent: (e: RegistryEvent) => void, onOpen: () => void): Promise<void> {
  if (!res.ok || !res.body) throw new Error(`event stream answered ${res.status}`);
  onOpen();
  const parser = createParser({
    onEvent: (msg) => {
      try {
        onEvent(JSON.parse(msg.data) as RegistryEvent);
      } catch {
        // a malformed message is skipped, never fatal
      }
    },
  });
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    parser.feed(value);
  }
}

export function LiveProvider({ api, children }: { api: Api; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    const ctrl = new AbortController();
    let lastId: number | null = null;
    let delay = RETRY_MIN_MS;
    const deliver = (e: RegistryEvent) => {
      lastId = e.id;
      for (const l of listeners.current) l(e);
    };
    void (async () => {
      while (!ctrl.signal.aborted) {
        try {
          // Start from a known position, so a drop before the first event still resumes without a gap.
          if (lastId === null) lastId = await api.latestEventId(ctrl.signal);
          const res = await api.eventStream(lastId, ctrl.signal);
          await readStream(res, deliver, () => {
            setState('live');
            delay = RETRY_MIN_MS;
          });
        } catch {
          // dropped or refused: retry with backoff below
        }
        if (ctrl.signal.aborted) return;
        setState('offline');
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, RETRY_MAX_MS);
      }
    })();
    return () => ctrl.abort();
  }, [api]);

  const subscribe = useCallback((l: Listener) => {
    listeners.current.add(l);
    return () => {
      listeners.current.delete(l);
    };
  }, []);
  const value = useMemo(() => ({ state, subscribe }), [state, subscribe]);
  return <LiveContext.Provider value={value}>{children}</LiveContext.Provider>;
}

export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}

/** Calls `listener` for every committed event (optionally only one model's). */
export function useLiveEvents(listener: Listener, model?: string): void {
  const { subscribe } = useContext(LiveContext);
  const latest = useRef(listener);
  latest.current = listener;
  useEffect(() => subscribe((e) => (!model || e.model === model ? latest.current(e) : undefined)), [subscribe, model]);
}

/** Events of one commit (a rollback writes three or four) arrive together: refetch once for all. */
const COALESCE_MS = 20;

/** A number that changes whenever events for `model` commit: put it in a fetch's deps to refetch. */
export function useLiveTick(model?: string): number {
  const [tick, setTick] = useState(0);
  const pending = useRef<ReturnType<typeof setTimeout> | null>(null);
  useLiveEvents(() => {
    if (pending.current) return;
    pending.current = setTimeout(() => {
      pending.current = null;
      setTick((t) => t + 1);
    }, COALESCE_MS);
  }, model);
  useEffect(
    () => () => {
      if (pending.current) clearTimeout(pending.current);
    },
    [],
  );
  return tick;
}
