// Follows the server's change feed so every page updates when anything changes — a rollback from
// the CLI or the guard shows without a reload. The following itself is the SDK's one follower
// (sdk/events-follow.ts, through api.followEvents): it starts from the newest event, resumes after
// a drop from the last event id it delivered (nothing missed or seen twice), polls the event log
// while the stream is unavailable, and never gives up while the page is open.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { Api } from '../api';
import type { RegistryEvent } from '../types';

type Listener = (e: RegistryEvent) => void;
/** live: the stream is open. offline: it is not (events may still arrive by polling meanwhile). */
export type LiveState = 'connecting' | 'live' | 'offline';

interface Live {
  state: LiveState;
  subscribe: (l: Listener) => () => void;
}

const LiveContext = createContext<Live>({ state: 'offline', subscribe: () => () => {} });

export function LiveProvider({ api, children }: { api: Api; children: ReactNode }) {
  const listeners = useRef(new Set<Listener>());
  const [state, setState] = useState<LiveState>('connecting');

  useEffect(() => {
    const ctrl = new AbortController();
    const events = api.followEvents({ signal: ctrl.signal, onStatus: (s) => setState(s === 'streaming' ? 'live' : 'offline') });
    void (async () => {
      for await (const e of events) {
        for (const l of listeners.current) {
          try {
            l(e);
          } catch {
            // one component's failing listener must not stop the others hearing the feed
          }
        }
      }
    })().catch(() => {
      // Only an abort ends a follower that never gives up: the page is leaving or the session changed.
    });
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
