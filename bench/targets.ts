import type { Row } from './report.js';
import { formatSpread, roundRatios, type Spread, spreadOf } from './round-ratios.js';

/** Target is one goal of the benchmark with the figure measured against it. */
export interface Target {
  readonly goal: string;
  readonly measured: number | undefined;
  readonly threshold: number;
  /** met is undefined when a figure is missing (a filtered run). */
  readonly met: boolean | undefined;
  /** measured's spread over the rounds: the verdict is the median's. */
  readonly spread?: Spread;
}

function row(rows: readonly Row[], impl: string, scenario: string): Row | undefined {
  return rows.find((r) => r.impl === impl && r.scenario === scenario);
}

function figure(rows: readonly Row[], impl: string, scenario: string): number | undefined {
  return row(rows, impl, scenario)?.figures?.rate;
}

// A ratio of two rows: the median of its per-round quotients, else the quotient of the median rounds.
function ratioSpread(rows: readonly Row[], a: string, sa: string, b: string, sb: string): Spread | undefined {
  const ra = row(rows, a, sa);
  const rb = row(rows, b, sb);
  const byRound = roundRatios(ra?.rounds, rb?.rounds) ?? groupRatios(ra?.rounds, rb?.rounds);
  if (byRound) return byRound;
  const x = ra?.figures?.rate;
  const y = rb?.figures?.rate;
  return x === undefined || y === undefined ? undefined : { median: x / y, min: x / y, max: x / y, rounds: 1 };
}

// groupRatios is roundRatios for two rows of different scenarios with
// different numbers of rounds (those at 1 in flight, and unary 64 in flight
// 16 B, run twice as many as the streams): the longer row's consecutive
// rounds go in as many groups as the shorter has rounds, each group's mean
// standing for one round, so such a ratio shows its spread as well.
function groupRatios(a: readonly number[] | undefined, b: readonly number[] | undefined): Spread | undefined {
  if (!a || !b || a.length === 0 || b.length === 0) return undefined;
  const n = Math.min(a.length, b.length);
  return roundRatios(inGroups(a, n), inGroups(b, n));
}

function inGroups(values: readonly number[], groups: number): number[] | undefined {
  if (values.length % groups !== 0) return undefined;
  const size = values.length / groups;
  return Array.from({ length: groups }, (_, g) => values.slice(g * size, (g + 1) * size).reduce((sum, x) => sum + x, 0) / size);
}

/** checkTargets reads the goals the benchmark exists for off a finished table. */
export function checkTargets(rows: readonly Row[]): Target[] {
  const out: Target[] = [];
  const check = (goal: string, spread: Spread | undefined, threshold: number, atLeast: boolean) =>
    out.push({
      goal,
      measured: spread?.median,
      threshold,
      met: spread === undefined ? undefined : atLeast ? spread.median >= threshold : spread.median <= threshold,
      spread,
    });
  const vs = (impl: string, base: string, scenario: string) => ratioSpread(rows, impl, scenario, base, scenario);
  const atLeast = (goal: string, spread: Spread | undefined, threshold: number) => check(goal, spread, threshold, true);
  const atMost = (goal: string, spread: Spread | undefined, threshold: number) => check(goal, spread, threshold, false);

  for (const size of ['16 B', '1 KiB']) {
    for (const n of [64, 1]) {
      atLeast(`tsmicro/grpc unary ${n} in flight ${size} ≥ 1.0× grpc-js`, vs('tsmicro/grpc', 'grpc-js', `unary ${n} in flight ${size}`), 1);
    }
    atLeast(`tsmicro/tcp unary 64 in flight ${size} ≥ 15× grpc-js`, vs('tsmicro/tcp', 'grpc-js', `unary 64 in flight ${size}`), 15);
  }
  atLeast('tsmicro/tcp unary 64 in flight 16 B ≥ 0.75× node floor', vs('tsmicro/tcp', 'node-floor', 'unary 64 in flight 16 B'), 0.75);
  // CPU per call is what the rate above is made of, and it barely moves on a busy machine.
  for (const side of ['client', 'server'] as const) {
    const key = side === 'client' ? 'clientCpu' : 'serverCpu';
    const scenario = 'unary 64 in flight 16 B';
    const perCall = roundRatios(row(rows, 'tsmicro/tcp', scenario)?.[key], row(rows, 'node-floor', scenario)?.[key]);
    atMost(`tsmicro/tcp unary 64 in flight 16 B ${side} CPU per call ≤ 1.5× node floor's`, perCall, 1.5);
  }
  for (const s of ['server stream 16 B', 'client stream 16 B']) {
    atLeast(`tsmicro/tcp ${s} ≥ 0.6× node floor`, vs('tsmicro/tcp', 'node-floor', s), 0.6);
    atLeast(`tsmicro/tcp ${s} ≥ 12× grpc-js`, vs('tsmicro/tcp', 'grpc-js', s), 12);
  }
  atLeast('tsmicro/memory unary 64 in flight 16 B ≥ 300000 calls/s', spreadOf(row(rows, 'tsmicro/memory', 'unary 64 in flight 16 B')?.rounds), 300_000);
  for (const impl of ['tsmicro/grpc', 'tsmicro/tcp']) {
    for (const s of ['server stream 16 B', 'client stream 16 B']) {
      atLeast(`${impl} ${s} msgs/s ≥ 10× its unary 1 in flight calls/s`, ratioSpread(rows, impl, s, impl, 'unary 1 in flight 16 B'), 10);
    }
  }
  // Over a socket, a unary call at 1 in flight waits a round trip, which a
  // stream spares each message. In process there is no round trip to spare:
  // both rows are CPU-bound, so the meaningful question is what a streamed
  // message costs beside a whole call (two messages encoded and decoded, and
  // the call's own setup), measured against the busiest unary row.
  for (const s of ['server stream 16 B', 'client stream 16 B']) {
    atLeast(`tsmicro/memory ${s} msgs/s ≥ 3× its unary 64 in flight calls/s`, ratioSpread(rows, 'tsmicro/memory', s, 'tsmicro/memory', 'unary 64 in flight 16 B'), 3);
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
    atMost(`tsmicro/tcp ${scenario} ≤ 4096 B/stream`, spreadOf(row(rows, 'tsmicro/tcp', scenario)?.rounds ?? optional(figure(rows, 'tsmicro/tcp', scenario))), 4096);
    atMost(`tsmicro/grpc ${scenario} ≤ 1× grpc-js`, vs('tsmicro/grpc', 'grpc-js', scenario), 1);
  }
  return out;
}

/** formatTargets lists each target as met, missed or not measured. */
export function formatTargets(targets: readonly Target[]): string {
  return targets
    .map((t) => {
      const mark = t.met === undefined ? 'n/a ' : t.met ? 'met ' : 'MISS';
      const value = t.spread === undefined ? '-' : formatSpread(t.spread);
      const rounds = t.spread && t.spread.rounds > 1 ? `  (median, lowest–highest of ${t.spread.rounds} rounds)` : '';
      return `${mark}  ${value.padStart(22)}  ${t.goal}${rounds}`;
    })
    .join('\n');
}

function optional(x: number | undefined): number[] | undefined {
  return x === undefined ? undefined : [x];
}
