import type { Figures } from './measure.js';
import { rangeOf, roundRatios, type Spread, spreadOf } from './round-ratios.js';

/** Row is one implementation's figures in one scenario, with ratios to the grpc-js row. */
export interface Row {
  readonly scenario: string;
  readonly impl: string;
  readonly unit: string;
  readonly figures: Figures | undefined;
  /** Resident set of the client and server processes after the scenario, in bytes. */
  readonly clientRss?: number;
  readonly serverRss?: number;
  /** The rate of each round, in round order (the figures are the median round's). */
  readonly rounds?: readonly number[];
  /** CPU µs per unit of the client and server process, round by round (the memory row's one process is its client). */
  readonly clientCpu?: readonly number[];
  readonly serverCpu?: readonly number[];
  /** figure ÷ the grpc-js figure of the same scenario (rate, p50, p99); rate is the median of per-round ratios. */
  readonly ratio?: { rate?: number; p50?: number; p99?: number };
  /** The rate ratio's spread over the rounds. */
  readonly rateSpread?: Spread;
}

/** withRatios fills each row's ratio to the grpc-js row of its scenario. */
export function withRatios(rows: readonly Row[], baseline: string): Row[] {
  return rows.map((row) => {
    const base = rows.find((r) => r.scenario === row.scenario && r.impl === baseline)?.figures;
    if (!base || !row.figures || row.impl === baseline) return row;
    const div = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b === 0 ? undefined : a / b);
    const baseRounds = rows.find((r) => r.scenario === row.scenario && r.impl === baseline)?.rounds;
    const rateSpread = roundRatios(row.rounds, baseRounds);
    return {
      ...row,
      rateSpread,
      ratio: { rate: rateSpread?.median ?? div(row.figures.rate, base.rate), p50: div(row.figures.p50, base.p50), p99: div(row.figures.p99, base.p99) },
    };
  });
}

const mib = (b: number | undefined) => (b === undefined ? '-' : `${(b / 1048576).toFixed(0)} MiB`);
const times = (r: number | undefined) => (r === undefined ? '' : `${r >= 10 ? r.toFixed(1) : r.toFixed(2)}×`);

// The median over the rounds of a row's CPU µs per unit.
function cpu(perRound: readonly number[] | undefined): string {
  const s = spreadOf(perRound);
  return s === undefined ? '' : s.median.toFixed(2);
}

function rate(value: number, unit: string): string {
  if (unit === 'B/stream') return `${Math.round(value).toLocaleString('en-US')} B/stream`;
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

/** formatTable lays every row out in one aligned text table. */
export function formatTable(rows: readonly Row[]): string {
  const header = ['scenario', 'implementation', 'rate', 'vs grpc-js', 'rounds', 'p50 ms', 'vs', 'p99 ms', 'vs', 'client µs', 'server µs', 'client RSS', 'server RSS'];
  const cells = rows.map((r) => {
    const f = r.figures;
    return [
      r.scenario,
      r.impl,
      f ? rate(f.rate, r.unit) : '-',
      times(r.ratio?.rate),
      r.rateSpread && r.rateSpread.rounds > 1 ? rangeOf(r.rateSpread) : '',
      f?.p50 === undefined ? '' : f.p50.toFixed(3),
      times(r.ratio?.p50),
      f?.p99 === undefined ? '' : f.p99.toFixed(3),
      times(r.ratio?.p99),
      cpu(r.clientCpu),
      cpu(r.serverCpu),
      mib(r.clientRss),
      mib(r.serverRss),
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) => c.map((v, i) => (i < 2 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = '';
  for (const c of cells) {
    out.push(line(c[0] === last ? ['', ...c.slice(1)] : c));
    last = c[0]!;
  }
  return out.join('\n');
}
