import type { Context, Hono } from 'hono';
import { html } from 'hono/html';
import { MAX_REACH } from '../db/limits.ts';
import { type AttemptSeries, attemptSeries, type ChartScope } from '../db/repo/delivery-charts.ts';
import { ApiError } from '../errors.ts';
import { endpointInReach, reachOf } from './access.ts';
import { lineChart } from './charts.ts';
import { empty, type Html } from './layout.ts';
import type { ConsoleEnv } from './session.ts';

/** hour: 60 one-minute buckets; day: 96 buckets of 15 minutes. */
export const CHART_RANGES = {
  hour: { label: 'last hour', bucketMs: 60_000, buckets: 60 },
  day: { label: 'last day', bucketMs: 900_000, buckets: 96 },
} as const;
type RangeName = keyof typeof CHART_RANGES;

type Render = (c: Context<ConsoleEnv>, title: string, body: Html) => Response | Promise<Response>;

/** /console/charts (every endpoint in the session's reach) and /console/endpoints/:id/charts, `?range=hour|day`. */
export function registerCharts(app: Hono<ConsoleEnv>, render: Render): void {
  app.get('/charts', async (c) => {
    const reach = await reachOf(c);
    if (reach && reach.length > MAX_REACH)
      throw new ApiError('validation', `You reach ${reach.length} tenants, more than one query can chart (${MAX_REACH}); open an endpoint's charts instead.`);
    const range = rangeOf(c);
    const series = await seriesOf(c, { tenantIds: reach ?? undefined }, range);
    return render(c, 'Charts', chartsView({ heading: 'Deliveries, all endpoints', base: '/console/charts', range, series }));
  });
  app.get('/endpoints/:endpointId/charts', async (c) => {
    const { endpoint } = await endpointInReach(c, c.req.param('endpointId'));
    const range = rangeOf(c);
    const series = await seriesOf(c, { endpointId: endpoint.id }, range);
    const base = `/console/endpoints/${encodeURIComponent(endpoint.id)}/charts`;
    return render(c, `Charts · ${endpoint.id}`, chartsView({ heading: html`Deliveries to <code>${endpoint.url}</code>`, base, range, series, back: endpoint.id }));
  });
}

const rangeOf = (c: Context<ConsoleEnv>): RangeName => (c.req.query('range') === 'day' ? 'day' : 'hour');

function seriesOf(c: Context<ConsoleEnv>, scope: ChartScope, name: RangeName): Promise<AttemptSeries> {
  const { bucketMs, buckets } = CHART_RANGES[name];
  // Buckets end at the next boundary after now, so the newest bucket is the one in progress.
  const to = Math.ceil((c.var.services.clock.now() + 1) / bucketMs) * bucketMs;
  return attemptSeries(c.var.services.db, scope, { from: to - bucketMs * buckets, bucketMs, buckets });
}

function chartsView(data: { heading: Html | string; base: string; range: RangeName; series: AttemptSeries; back?: string }): Html {
  const { series, range } = data;
  const { bucketMs, label } = CHART_RANGES[range];
  const labels = series.buckets.map((bucket) => new Date(bucket.at).toISOString().slice(11, 16));
  const bucketText = bucketMs === 60_000 ? 'minute' : '15 minutes';
  const rate = (attempts: number, succeeded: number) => (attempts === 0 ? null : Math.round((succeeded / attempts) * 1000) / 10);
  const overall = rate(series.attempts, series.succeeded);
  const ms = (value: number | null) => (value === null ? '—' : `${value} ms`);
  return html`<h1>${data.heading}</h1>
${data.back ? html`<p><a href="/console/endpoints/${encodeURIComponent(data.back)}">← Endpoint</a></p>` : ''}
<p class="filters">${(Object.keys(CHART_RANGES) as RangeName[]).map(
    (name) => html`<a href="${data.base}?range=${name}"${name === range ? html` class="current" aria-current="page"` : ''}>${CHART_RANGES[name].label}</a>`,
  )}</p>
<dl class="grid card chart-summary">
  <dt>Attempts</dt><dd data-stat="attempts">${series.attempts}</dd>
  <dt>Success rate</dt><dd data-stat="success-rate">${overall === null ? '—' : `${overall} %`}</dd>
  <dt>Latency p50 / p95 / p99</dt><dd data-stat="latency">${ms(series.latencyMs.p50)} / ${ms(series.latencyMs.p95)} / ${ms(series.latencyMs.p99)}</dd>
</dl>
${
  series.attempts === 0
    ? empty(`No attempts in the ${label}.`)
    : html`${lineChart({
        id: 'rate',
        title: `Deliveries per second, ${label}`,
        description: `Attempts per second, averaged over each ${bucketText} (UTC); ${series.attempts} attempts in all.`,
        xLabel: 'Time (UTC)',
        yLabel: 'attempts / s',
        labels,
        series: [{ name: 'attempts/s', values: series.buckets.map((bucket) => Math.round((bucket.attempts / (bucketMs / 1000)) * 1000) / 1000) }],
      })}
${lineChart({
  id: 'success',
  title: `Success rate, ${label}`,
  description: `Share of attempts that succeeded in each ${bucketText} (UTC); ${overall} % over the whole range. Buckets without attempts are gaps.`,
  xLabel: 'Time (UTC)',
  yLabel: 'success %',
  labels,
  yMax: 100,
  series: [{ name: 'success %', values: series.buckets.map((bucket) => rate(bucket.attempts, bucket.succeeded)) }],
})}
${lineChart({
  id: 'latency',
  title: `Latency percentiles, ${label}`,
  description: `p50, p95 and p99 of attempt durations in each ${bucketText} (UTC), as the upper bound of the histogram bin holding each; exact over the range: ${ms(series.latencyMs.p50)}, ${ms(series.latencyMs.p95)}, ${ms(series.latencyMs.p99)}.`,
  xLabel: 'Time (UTC)',
  yLabel: 'ms',
  labels,
  series: (['p50', 'p95', 'p99'] as const).map((key) => ({ name: key, values: series.buckets.map((bucket) => bucket[key]) })),
})}`
}`;
}
