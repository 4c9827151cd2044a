import { PerformanceObserver, performance } from 'node:perf_hooks';

/** Pause is one garbage collection's pause of the main thread, in ms since the epoch. */
export interface Pause {
  readonly start: number;
  readonly end: number;
}

/**
 * watchGcPauses records every GC pause of this process from now on; take()
 * hands over those recorded since the last take. Times are since the epoch,
 * so pauses of two processes on one machine line up.
 */
export function watchGcPauses(): { take(): Pause[] } {
  let pauses: Pause[] = [];
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      const start = performance.timeOrigin + e.startTime;
      pauses.push({ start, end: start + e.duration });
    }
  }).observe({ entryTypes: ['gc'] });
  return {
    take() {
      const taken = pauses;
      pauses = [];
      return taken;
    },
  };
}
