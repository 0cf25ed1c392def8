/**
 * A tiny in-memory metrics registry rendered in the Prometheus text format (version 0.0.4).
 * Recording is a map lookup and an addition, cheap enough for the delivery hot path; Web APIs only,
 * so every runtime shares it.
 */
type Labels = Record<string, string>;

interface Counter {
  inc(labels?: Labels, by?: number): void;
}

interface Histogram {
  observe(value: number, labels?: Labels): void;
}

interface Gauge {
  set(value: number, labels?: Labels): void;
}

interface Family {
  name: string;
  help: string;
  type: 'counter' | 'histogram' | 'gauge';
  render(): string[];
}

export interface MetricsRegistry {
  counter(name: string, help: string): Counter;
  histogram(name: string, help: string, buckets: readonly number[]): Histogram;
  gauge(name: string, help: string): Gauge;
  /** The exposition text of every metric, in registration order. */
  render(): string;
}

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

function labelText(labels: Labels | undefined, extra?: [string, string]): string {
  const pairs = Object.entries(labels ?? {});
  if (extra) pairs.push(extra);
  return pairs.length ? `{${pairs.map(([key, value]) => `${key}="${escapeLabel(value)}"`).join(',')}}` : '';
}

/** One key per label set, whatever the order its names were given in. */
const keyOf = (labels: Labels | undefined): string => {
  if (!labels) return '';
  let key = '';
  for (const name of Object.keys(labels).sort()) key += `${name}\u0000${labels[name]}\u0001`;
  return key;
};

const formatNumber = (value: number) => (Number.isFinite(value) ? String(value) : value > 0 ? '+Inf' : value < 0 ? '-Inf' : 'NaN');

export function createMetricsRegistry(): MetricsRegistry {
  const families: Family[] = [];

  const register = (family: Family) => {
    if (families.some((known) => known.name === family.name)) throw new Error(`metric ${family.name} registered twice`);
    families.push(family);
  };

  return {
    counter(name, help) {
      const values = new Map<string, { labels: Labels | undefined; value: number }>();
      register({
        name,
        help,
        type: 'counter',
        render: () => [...values.values()].map(({ labels, value }) => `${name}${labelText(labels)} ${formatNumber(value)}`),
      });
      return {
        inc(labels, by = 1) {
          const key = keyOf(labels);
          const entry = values.get(key);
          if (entry) entry.value += by;
          else values.set(key, { labels, value: by });
        },
      };
    },

    gauge(name, help) {
      const values = new Map<string, { labels: Labels | undefined; value: number }>();
      register({
        name,
        help,
        type: 'gauge',
        render: () => [...values.values()].map(({ labels, value }) => `${name}${labelText(labels)} ${formatNumber(value)}`),
      });
      return {
        set(value, labels) {
          values.set(keyOf(labels), { labels, value });
        },
      };
    },

    histogram(name, help, buckets) {
      const bounds = [...buckets].sort((a, b) => a - b);
      const series = new Map<string, { labels: Labels | undefined; counts: number[]; sum: number; count: number }>();
      register({
        name,
        help,
        type: 'histogram',
        render: () =>
          [...series.values()].flatMap(({ labels, counts, sum, count }) => [
            ...bounds.map((bound, index) => `${name}_bucket${labelText(labels, ['le', formatNumber(bound)])} ${counts[index]}`),
            `${name}_bucket${labelText(labels, ['le', '+Inf'])} ${count}`,
            `${name}_sum${labelText(labels)} ${formatNumber(sum)}`,
            `${name}_count${labelText(labels)} ${count}`,
          ]),
      });
      return {
        observe(value, labels) {
          const key = keyOf(labels);
          let entry = series.get(key);
          if (!entry) {
            entry = { labels, counts: bounds.map(() => 0), sum: 0, count: 0 };
            series.set(key, entry);
          }
          // Buckets are cumulative: every bound at or above the value counts it.
          for (let index = 0; index < bounds.length; index++) if (value <= bounds[index]!) entry.counts[index]!++;
          entry.sum += value;
          entry.count++;
        },
      };
    },

    render() {
      const lines: string[] = [];
      for (const family of families) {
        lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${family.name} ${family.type}`, ...family.render());
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
