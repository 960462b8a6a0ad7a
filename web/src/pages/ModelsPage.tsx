// Every model at a glance: serving version with its badges and health, and the last change.
// Server-side search, keyset pages of 100, and a virtualized list, so 1,000 models × 100 versions
// costs one small request per 100 rows and only the visible rows in the DOM.
import { observeElementRect, useVirtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useRef, useState } from 'react';
import { Link } from 'react-router';
import { AliasBadge, HealthBadge } from '../components/Badges';
import { ErrorNote } from '../components/ErrorNote';
import { FirstModelGuide } from '../components/FirstModelGuide';
import { eventTitle } from '../components/Timeline';
import { formatTime, relativeTime } from '../lib/format';
import { useLiveEvents } from '../lib/live';
import { useSession } from '../lib/session';
import type { Model } from '../types';
import { useTitle } from '../lib/use-title';
import type { PromotionSummary } from '../promotion/promotion-api';
import { PromotionBadges, usePromotionSummaries } from '../promotion/PromotionBadges';

const ROW_HEIGHT = 68;
const SEARCH_DEBOUNCE_MS = 250;
const FALLBACK_RECT = { width: 1200, height: 700 };

export function ModelRow({ m, promo }: { m: Model; promo?: PromotionSummary }) {
  const aliases = Object.entries(m.aliases);
  return (
    <div className="model-row">
      <div className="model-name">
        <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
        {m.description && <div className="muted small truncate">{m.description}</div>}
      </div>
      <div className="model-serving">
        {m.production ? (
          <>
            <span className="badge stage-production">Production v{m.production.version}</span>
            <HealthBadge health={m.production.health} reason={m.production.health_reason} />
          </>
        ) : (
          <span className="muted small">not in Production</span>
        )}
      </div>
      <div className="model-pointers">
        {m.stages.Staging !== null && <span className="badge stage-staging">Staging v{m.stages.Staging}</span>}
        {aliases.slice(0, 3).map(([a, v]) => (
          <AliasBadge key={a} alias={`${a} v${v}`} />
        ))}
        {aliases.length > 3 && <span className="muted small">+{aliases.length - 3}</span>}
        <span className="muted small">{m.latest_version ? `latest v${m.latest_version}` : 'no versions'}</span>
        <PromotionBadges s={promo} />
      </div>
      <div className="model-last small">
        {m.last_event ? (
          <>
            <div className="truncate">
              {eventTitle(m.last_event.type)}
              {m.last_event.reason ? ` — ${m.last_event.reason}` : ''}
            </div>
            <div className="muted">
              {m.last_event.actor} · <time dateTime={m.last_event.time} title={formatTime(m.last_event.time)}>{relativeTime(m.last_event.time)}</time>
            </div>
          </>
        ) : (
          <span className="muted">—</span>
        )}
      </div>
    </div>
  );
}

function useModelPages(search: string) {
  const { api } = useSession();
  const [models, setModels] = useState<Model[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<unknown>();
  const [generation, setGeneration] = useState(0);
  const inflight = useRef<AbortController | null>(null);

  const fetchPage = useCallback(
    async (after: string | null) => {
      inflight.current?.abort();
      const ctrl = new AbortController();
      inflight.current = ctrl;
      setLoading(true);
      try {
        const page = await api.listModels({ search: search || undefined, cursor: after }, ctrl.signal);
        setModels((prev) => (after ? [...prev, ...page.models] : page.models));
        setCursor(page.next_cursor);
        setError(undefined);
      } catch (err) {
        if (!ctrl.signal.aborted) setError(err);
      } finally {
        if (inflight.current === ctrl) setLoading(false);
      }
    },
    [api, search],
  );

  useEffect(() => {
    void fetchPage(null);
    return () => inflight.current?.abort();
  }, [fetchPage, generation]);

  // One changed model is re-read alone (only if it is on screen); creations, deletions and renames
  // reload the list.
  const shown = useRef(new Set<string>());
  shown.current = new Set(models.map((m) => m.name));
  useLiveEvents((e) => {
    if (!e.model) return;
    if (/^model\.(created|deleted|renamed)$/.test(e.type)) return setGeneration((g) => g + 1);
    if (!shown.current.has(e.model)) return;
    void api.getModel(e.model).then(
      (fresh) => setModels((prev) => prev.map((m) => (m.name === fresh.name ? fresh : m))),
      () => undefined,
    );
  });

  return { models, cursor, loading, error, more: () => cursor && !loading && fetchPage(cursor) };
}

export function ModelsPage() {
  useTitle('Models');
  const [input, setInput] = useState('');
  const [search, setSearch] = useState('');
  useEffect(() => {
    const t = setTimeout(() => setSearch(input.trim()), SEARCH_DEBOUNCE_MS);
    return () => clearTimeout(t);
  }, [input]);
  const { models, cursor, loading, error, more } = useModelPages(search);
  const promotions = usePromotionSummaries();
  const { api } = useSession();
  // An empty registry (not an empty search) gets the first steps instead of an empty table.
  const firstRun = !loading && !error && !search && !input && models.length === 0;
  const scroller = useRef<HTMLDivElement>(null);
  const virtual = useVirtualizer({
    count: models.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
    // Without layout (first paint, a hidden tab, jsdom) the list would measure 0 px and render no
    // rows; assume a laptop-sized viewport until a real size arrives.
    initialRect: FALLBACK_RECT,
    observeElementRect: (instance, cb) => observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : FALLBACK_RECT)),
  });
  const items = virtual.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : -1;
  useEffect(() => {
    if (cursor && lastIndex >= models.length - 10) void more();
  }, [lastIndex, models.length, cursor, more]);

  return (
    <>
      <div className="page-head">
        <h1>Models</h1>
        <div className="search">
          <label htmlFor="model-search" className="sr-only">
            Search models
          </label>
          <input id="model-search" type="search" placeholder="Search models…" value={input} onChange={(e) => setInput(e.target.value)} />
        </div>
      </div>
      <ErrorNote error={error} />
      {firstRun && <FirstModelGuide origin={api.baseUrl} />}
      <div hidden={firstRun}>
        <div className="model-header small muted" aria-hidden="true">
          <span>Model</span>
          <span>Serving</span>
          <span>Stages, aliases</span>
          <span>Last change</span>
        </div>
        <div ref={scroller} className="model-scroll" tabIndex={-1}>
          <ul aria-label="Models" aria-busy={loading} style={{ height: virtual.getTotalSize() }} className="model-list">
            {items.map((it) => (
              <li
                key={models[it.index].name}
                aria-setsize={cursor ? -1 : models.length}
                aria-posinset={it.index + 1}
                style={{ transform: `translateY(${it.start}px)`, height: ROW_HEIGHT }}
              >
                <ModelRow m={models[it.index]} promo={promotions.get(models[it.index].name)} />
              </li>
            ))}
          </ul>
          {!loading && models.length === 0 && !error && <p className="muted empty">{search ? `No model matches “${search}”.` : 'No models registered yet.'}</p>}
        </div>
        <p className="small muted" aria-live="polite">
          {models.length} {models.length === 1 ? 'model' : 'models'} shown{cursor ? ', scroll for more' : ''}
          {loading ? ' · loading…' : ''}
        </p>
      </div>
    </>
  );
}
