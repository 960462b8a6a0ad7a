// Live health per version from GET /models/{name}/metrics: one small chart per metric (MetricChart),
// over a time range the reader picks. By default the range follows the data (lib/time-range.ts).
import { useEffect, useState } from 'react';
import { useLiveTick } from '../lib/live';
import { useSession } from '../lib/session';
import { AUTO_ORDER, activeSpan, chartDomain, fetchPlan, rangeTitle, refinePlan, wantsWiderRange, type RangeChoice } from '../lib/time-range';
import { isNotFound, useResource } from '../lib/use-resource';
import type { Metrics } from '../types';
import type { Api } from '../api';
import { ErrorNote } from './ErrorNote';
import { CHARTS, MetricChart, clock } from './MetricChart';
import { RangePicker } from './RangePicker';

const REFRESH_MS = 30_000;

/** The metrics for a choice, and the moment they were read (a fixed range ends then). */
async function loadMetrics(api: Api, model: string, choice: RangeChoice, signal: AbortSignal): Promise<{ metrics: Metrics; now: number }> {
  const ranges = choice === 'auto' ? AUTO_ORDER : [choice];
  let metrics: Metrics | undefined;
  for (const range of ranges) {
    metrics = await api.metrics(model, fetchPlan(range), signal);
    // Auto keeps the narrowest range that holds the latest activity whole; a quiet day ends on the widest.
    if (metrics.versions.length === 0 || !wantsWiderRange(metrics)) break;
  }
  const now = Date.now();
  const finer = choice === 'auto' ? refinePlan(metrics!, now) : null;
  if (finer) metrics = await api.metrics(model, finer, signal);
  return { metrics: metrics!, now };
}

export function HealthCharts({ model }: { model: string }) {
  const { api } = useSession();
  const tick = useLiveTick(model);
  const [choice, setChoice] = useState<RangeChoice>('auto');
  const res = useResource((signal) => loadMetrics(api, model, choice, signal), [api, model, tick, choice]);
  const { reload } = res;
  useEffect(() => {
    const timer = setInterval(reload, REFRESH_MS);
    return () => clearInterval(timer);
  }, [reload]);

  const data = res.data?.metrics;
  const domain = data ? chartDomain(choice, data, res.data!.now) : null;
  const empty = isNotFound(res.error) || (data && data.versions.length === 0);
  return (
    <section aria-labelledby="health-h" className="card">
      <div className="card-head">
        <h2 id="health-h">Health</h2>
        <RangePicker value={choice} onChange={setChoice} />
      </div>
      <p className="small muted" data-testid="health-range">
        {rangeTitle(choice, data && activeSpan(data) ? domain : null, clock)}
      </p>
      {empty && <p className="muted">No monitoring data yet: charts appear once a gateway serves this model.</p>}
      {res.error && !isNotFound(res.error) && <ErrorNote error={res.error} />}
      {data && domain && data.versions.length > 0 && (
        <>
          {data.rollbacks.length > 0 && (
            <p className="small muted">
              Rollbacks in this range: {data.rollbacks.map((r) => `v${r.from_version} → v${r.to_version} at ${clock(Date.parse(r.time))} by ${r.actor}`).join('; ')}
            </p>
          )}
          <div className="charts">
            {CHARTS.map((c) => (
              <MetricChart key={c.key} metrics={data} chart={c} domain={domain} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}
