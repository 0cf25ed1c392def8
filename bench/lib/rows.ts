import type { PeerResults } from './bullmq.ts';
import type { DeliveryResults, IngestResults, LatencyResults, Throughput } from './phases.ts';
import { mb, perSecond, type Row } from './report.ts';
import { formatDistribution, round } from './stats.ts';

export interface SweepResults {
  history: number;
  due: number;
  repetitions: number;
  buildSeconds: number;
  empty: { firstMs: number; medianMs: number };
  withHistory: { firstMs: number; medianMs: number };
  ratio: number;
  dueSweep: { ms: number; claimed: number; perSecond: number };
}

export interface Figures {
  batchSize: number;
  rawIngest: Throughput;
  rawUndici: Throughput;
  rawFetch: Throughput;
  ingest: IngestResults;
  delivery: DeliveryResults;
  latency: LatencyResults;
  sweep: SweepResults;
  peakRss: number | null;
  /** The BullMQ peer's runs (one per Redis placement), and why there are none if it could not run. */
  peers: PeerResults[];
  peersSkipped: string | null;
}

const ratio = (value: number, base: number) => `${round(value / base, 2)}`;
const cpu = (value: Throughput, base?: Throughput) => `${value.cpuMicros}${base ? ` (${base.cpuMicros})` : ''}`;

/** The printed table: each hookgate figure beside its raw baseline from the same run. */
export function buildRows(figures: Figures): Row[] {
  const { rawIngest, ingest, delivery, latency, sweep } = figures;
  // The delivery baseline is the faster raw loop on this runtime; the other is shown beside it.
  const loops = [
    { name: 'undici.request', loop: figures.rawUndici },
    { name: 'fetch', loop: figures.rawFetch },
  ].sort((a, b) => b.loop.perSecond - a.loop.perSecond);
  const [baseline, other] = [loops[0]!, loops[1]!];
  const rawDelivery = baseline.loop;
  const againstIngest = (figure: string, value: Throughput, target: number | null = null): Row => ({
    figure,
    hookgate: perSecond(value.perSecond),
    baseline: perSecond(rawIngest.perSecond),
    ratio: ratio(value.perSecond, rawIngest.perSecond),
    cpu: cpu(value, rawIngest),
    target: target === null ? '' : `>= ${target}`,
    met: target === null ? null : value.perSecond / rawIngest.perSecond >= target,
  });
  const blank = { baseline: '', ratio: '', cpu: '', target: '', met: null };
  return [
    againstIngest('ingest, single, fan-out 1', ingest.single1, 0.5),
    againstIngest('ingest, single, fan-out 10', ingest.single10, 0.6),
    againstIngest(`ingest, batch of ${figures.batchSize}, fan-out 1`, ingest.batch1),
    againstIngest(`ingest, batch of ${figures.batchSize}, fan-out 10`, ingest.batch10),
    againstIngest('ingest, single, fan-out 1, 16 KB data', ingest.largePayload1),
    {
      figure: `delivery (signed ${Math.round(delivery.signedShare * 100)} %, attempts recorded: ${delivery.attemptsRecorded ? 'yes' : 'NO'}, ${delivery.connectionsOpened.toLocaleString('en-US')} new connections)`,
      hookgate: perSecond(delivery.perSecond),
      baseline: `${perSecond(rawDelivery.perSecond)} (${baseline.name})`,
      ratio: ratio(delivery.perSecond, rawDelivery.perSecond),
      cpu: cpu(delivery, rawDelivery),
      target: '>= 0.6',
      met: delivery.perSecond / rawDelivery.perSecond >= 0.6,
    },
    {
      ...blank,
      figure: `raw POST loop with ${other.name}`,
      hookgate: '',
      baseline: perSecond(other.loop.perSecond),
      ratio: `${ratio(other.loop.perSecond, rawDelivery.perSecond)} of ${baseline.name}`,
      cpu: cpu(other.loop),
    },
    ...latency.runs.flatMap((run) => [
      {
        ...blank,
        figure: `e2e latency at ${run.offered}/s (${run.delivered}/${run.accepted} delivered${run.sustained ? '' : ', NOT sustained'})`,
        hookgate: formatDistribution(run),
        target: run.offered === 1000 ? 'p99 <= 20 ms' : '',
        met: run.offered === 1000 ? run.sustained && run.p99 <= 20 : null,
      },
      {
        ...blank,
        figure: `  the same, from each 202 as the generator read it`,
        hookgate: formatDistribution(run.afterAccepted),
        target: run.offered === 1000 ? 'p99 <= 50 ms' : '',
        met: run.offered === 1000 ? run.sustained && run.afterAccepted.p99 <= 50 : null,
      },
      { ...blank, figure: `  the load generator's own lateness (its send − its schedule)`, hookgate: formatDistribution(run.generatorLateness) },
    ]),
    { ...blank, figure: 'highest sustained rate found', hookgate: latency.highestSustained ? perSecond(latency.highestSustained) : 'none' },
    { ...blank, figure: `sweep, empty store (median of ${sweep.repetitions})`, hookgate: `${sweep.empty.medianMs} ms` },
    {
      ...blank,
      figure: `sweep, ${sweep.history.toLocaleString('en-US')} delivered in history`,
      hookgate: `${sweep.withHistory.medianMs} ms`,
      baseline: `${sweep.empty.medianMs} ms (empty)`,
      ratio: `${sweep.ratio}`,
      target: '<= 1.2',
      met: sweep.ratio <= 1.2,
    },
    { ...blank, figure: `sweep, ${sweep.due.toLocaleString('en-US')} due (one endpoint)`, hookgate: `${sweep.dueSweep.ms} ms (${perSecond(sweep.dueSweep.perSecond)})` },
    ...latency.runs.map((run) => ({
      ...blank,
      figure: `peak RSS during the run at ${run.offered}/s${run.offered === latency.highestSustained ? ' (highest sustained)' : ''}`,
      hookgate: mb(run.peakRss),
      target: run.offered === latency.highestSustained ? '<= 200 MB' : '',
      met: run.offered === latency.highestSustained && run.peakRss !== null ? run.peakRss <= 200 * 1024 * 1024 : null,
    })),
    ...peerRows(figures),
    { ...blank, figure: 'peak RSS (VmHWM) of the ingest / delivery / e2e servers', hookgate: [ingest.peakRss, delivery.peakRss, latency.peakRss].map(mb).join(' / ') },
  ];
}

/** hookgate against the BullMQ peer, per Redis placement: throughput ratio (target >= 2) and p99 ratio at 1,000/s (target <= 0.25). */
function peerRows({ peers, peersSkipped, delivery, latency }: Figures): Row[] {
  const blank = { baseline: '', ratio: '', cpu: '', target: '', met: null };
  if (peersSkipped) return [{ ...blank, figure: 'BullMQ peer', hookgate: `skipped: ${peersSkipped}` }];
  const ours = latency.runs.find((run) => run.offered === 1000);
  return peers.flatMap((peer) => {
    const where = peer.redisCore === '0' ? "on the server's core" : 'on the other core';
    const p99Ratio = ours ? ours.p99 / peer.latency.p99 : Number.NaN;
    return [
      {
        figure: `BullMQ peer delivery, Redis ${where} (${peer.delivery.jobs.toLocaleString('en-US')} jobs; CPU: worker (Redis))`,
        hookgate: perSecond(delivery.perSecond),
        baseline: `${perSecond(peer.delivery.perSecond)} (BullMQ)`,
        ratio: ratio(delivery.perSecond, peer.delivery.perSecond),
        cpu: `${delivery.cpuMicros} (${peer.delivery.cpuMicros} + ${peer.delivery.redisCpuMicros})`,
        target: '>= 2',
        met: delivery.perSecond / peer.delivery.perSecond >= 2,
      },
      {
        cpu: '',
        figure: `BullMQ peer e2e at 1000/s, Redis ${where} (${peer.latency.delivered}/${peer.latency.accepted}${peer.latency.sustained ? '' : ', NOT sustained'}); ratio of p99s`,
        hookgate: ours ? `p99 ${ours.p99} ms` : 'n/a',
        baseline: formatDistribution(peer.latency),
        ratio: `${round(p99Ratio, 2)}`,
        target: '<= 0.25',
        met: ours ? p99Ratio <= 0.25 : null,
      },
    ];
  });
}
