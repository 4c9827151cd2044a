import type { Row } from './report.js';

/** Target is one goal of the benchmark with the figure measured against it. */
export interface Target {
  readonly goal: string;
  readonly measured: number | undefined;
  readonly threshold: number;
  /** met is undefined when a figure is missing (a filtered run). */
  readonly met: boolean | undefined;
}

function figure(rows: readonly Row[], impl: string, scenario: string): number | undefined {
  return rows.find((r) => r.impl === impl && r.scenario === scenario)?.figures?.rate;
}

function ratioOf(a: number | undefined, b: number | undefined): number | undefined {
  return a === undefined || b === undefined ? undefined : a / b;
}

/** checkTargets reads the goals the benchmark exists for off a finished table. */
export function checkTargets(rows: readonly Row[]): Target[] {
  const out: Target[] = [];
  const atLeast = (goal: string, measured: number | undefined, threshold: number) =>
    out.push({ goal, measured, threshold, met: measured === undefined ? undefined : measured >= threshold });
  const atMost = (goal: string, measured: number | undefined, threshold: number) =>
    out.push({ goal, measured, threshold, met: measured === undefined ? undefined : measured <= threshold });
  const vs = (impl: string, base: string, scenario: string) => ratioOf(figure(rows, impl, scenario), figure(rows, base, scenario));

  for (const size of ['16 B', '1 KiB']) {
    for (const n of [64, 1]) {
      atLeast(`tsmicro/grpc unary ${n} in flight ${size} ≥ 0.95× grpc-js`, vs('tsmicro/grpc', 'grpc-js', `unary ${n} in flight ${size}`), 0.95);
    }
    atLeast(`tsmicro/tcp unary 64 in flight ${size} ≥ 15× grpc-js`, vs('tsmicro/tcp', 'grpc-js', `unary 64 in flight ${size}`), 15);
    atLeast(`tsmicro/tcp unary 64 in flight ${size} ≥ 0.35× node floor`, vs('tsmicro/tcp', 'node-floor', `unary 64 in flight ${size}`), 0.35);
  }
  atLeast('tsmicro/tcp server stream 16 B ≥ 8× grpc-js', vs('tsmicro/tcp', 'grpc-js', 'server stream 16 B'), 8);
  atLeast('tsmicro/tcp client stream 16 B ≥ 8× grpc-js', vs('tsmicro/tcp', 'grpc-js', 'client stream 16 B'), 8);
  for (const impl of ['tsmicro/grpc', 'tsmicro/tcp', 'tsmicro/memory']) {
    const unary = figure(rows, impl, 'unary 1 in flight 16 B');
    for (const s of ['server stream 16 B', 'client stream 16 B']) {
      atLeast(`${impl} ${s} msgs/s ≥ 10× its unary 1 in flight calls/s`, ratioOf(figure(rows, impl, s), unary), 10);
    }
  }
  atLeast(
    'tsmicro/nats events across processes ≥ 0.8× nats.js',
    vs('tsmicro/nats', 'nats.js', 'events publish → handler, two processes'),
    0.8,
  );
  // Interceptors on both sides against the same transport without them, in the same run:
  // stand-ins doing an access log's, a recorder's and a tracer's work, and the real ones of
  // @tsmicro/observability (access log at a level that drops it, metrics, tracing without an SDK).
  for (const impl of ['tsmicro/tcp+interceptors', 'tsmicro/tcp+observability']) {
    atLeast(`${impl} unary 64 in flight 16 B ≥ 0.85× tsmicro/tcp`, vs(impl, 'tsmicro/tcp', 'unary 64 in flight 16 B'), 0.85);
    for (const s of ['server stream 16 B', 'client stream 16 B']) {
      atLeast(`${impl} ${s} ≥ 0.80× tsmicro/tcp`, vs(impl, 'tsmicro/tcp', s), 0.8);
    }
  }
  for (const side of ['client', 'server']) {
    const scenario = `idle streams, ${side} RSS`;
    atMost(`tsmicro/tcp ${scenario} ≤ 4096 B/stream`, figure(rows, 'tsmicro/tcp', scenario), 4096);
    atMost(`tsmicro/grpc ${scenario} ≤ 1× grpc-js`, vs('tsmicro/grpc', 'grpc-js', scenario), 1);
  }
  return out;
}

/** formatTargets lists each target as met, missed or not measured. */
export function formatTargets(targets: readonly Target[]): string {
  return targets
    .map((t) => {
      const mark = t.met === undefined ? 'n/a ' : t.met ? 'met ' : 'MISS';
      const value = t.measured === undefined ? '-' : t.measured >= 100 ? Math.round(t.measured).toString() : t.measured.toFixed(2);
      return `${mark}  ${value.padStart(7)}  ${t.goal}`;
    })
    .join('\n');
}
