/** Figures is what one scenario measured: a rate and, where calls have a latency, its percentiles. */
export interface Figures {
  /** Calls, messages or round trips per second. */
  readonly rate: number;
  /** Median latency in milliseconds, when it means something for the scenario. */
  readonly p50?: number;
  readonly p99?: number;
  /** Calls, messages or round trips completed in the measured window. */
  readonly count?: number;
  /** CPU µs per unit (count) of the process that ran the scenario, over the measured window. */
  readonly clientCpu?: number;
  /** The server process's CPU µs per unit over the same window (the runner reads it). */
  readonly serverCpu?: number;
}

/**
 * MeasuredWindow is told where a scenario's measured window opens and
 * closes, so CPU time can be read over exactly that window.
 */
export interface MeasuredWindow {
  open(): void;
  close(): void;
}

const noWindow: MeasuredWindow = { open() {}, close() {} };

/** Timing is how long a scenario warms up and then measures, in milliseconds. */
export interface Timing {
  readonly warmupMs: number;
  readonly measureMs: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

/**
 * closedLoop keeps `inFlight` calls running back to back and measures
 * completed calls per second and each call's latency. Workers watch the
 * clock themselves: over the memory transport a call never leaves the
 * microtask queue, so a timer would never fire.
 */
export async function closedLoop(inFlight: number, op: () => Promise<unknown>, timing: Timing, window = noWindow): Promise<Figures> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  let opened = false;
  const measureStart = performance.now() + timing.warmupMs;
  const measureEnd = measureStart + timing.measureMs;
  // One clock read per call: a call's end is the next one's start (the loop
  // between them is a few instructions). A read costs as much as a tenth of
  // an in-process call, and the loop is the same for every row.
  const worker = async () => {
    let start = performance.now();
    while (start < measureEnd) {
      await op();
      const end = performance.now();
      if (start >= measureStart) {
        if (!opened) {
          opened = true;
          window.open();
        }
        if (count === latencies.length) {
          const bigger = new Float64Array(latencies.length * 2);
          bigger.set(latencies);
          latencies = bigger;
        }
        latencies[count++] = end - start;
      }
      start = end;
    }
  };
  await Promise.all(Array.from({ length: inFlight }, worker));
  window.close();
  // Calls started inside the window count; the window is as long as the last of them.
  const elapsed = Math.max(timing.measureMs, performance.now() - measureStart);
  const sorted = latencies.subarray(0, count).sort();
  return { rate: (count / elapsed) * 1000, p50: percentile(sorted, 0.5), p99: percentile(sorted, 0.99), count };
}

/**
 * repeatedBatches runs batch() (which moves `perBatch` messages) one after
 * another, and measures messages per second over whole batches.
 */
export async function repeatedBatches(batch: () => Promise<number>, timing: Timing, window = noWindow): Promise<Figures> {
  const warmEnd = performance.now() + timing.warmupMs;
  while (performance.now() < warmEnd) await batch();
  let messages = 0;
  window.open();
  const start = performance.now();
  const end = start + timing.measureMs;
  do messages += await batch();
  while (performance.now() < end);
  const elapsed = performance.now() - start;
  window.close();
  return { rate: (messages / elapsed) * 1000, count: messages };
}
