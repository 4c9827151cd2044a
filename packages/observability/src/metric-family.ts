import type { Metric, Registry } from 'prom-client';

/** Sample is one line of a metric family: its value, labels and, for histogram parts, the full name. */
export interface Sample {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number>>;
  readonly metricName?: string;
}

/**
 * registerFamily adds a counter or histogram family whose samples are read
 * from `samples` at scrape time. The hot path then only bumps plain numbers:
 * prom-client's own metrics hash their label set on every increment, which
 * costs several times the work of a whole tcp call. prom-client's registry
 * formats any object with name, help, type and get(); its TypeScript types
 * name only its own classes, hence the one cast here.
 */
export function registerFamily(
  registry: Registry,
  family: { name: string; help: string; type: 'counter' | 'histogram'; samples: () => Sample[] },
): void {
  const metric = {
    name: family.name,
    help: family.help,
    type: family.type,
    aggregator: 'sum',
    get: async () => ({ name: family.name, help: family.help, type: family.type, aggregator: 'sum', values: family.samples() }),
    reset: () => {},
  };
  registry.registerMetric(metric as unknown as Metric);
}
