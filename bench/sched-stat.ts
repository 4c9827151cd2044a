import { closeSync, openSync, readSync } from 'node:fs';

/**
 * SchedStat reads how long one thread has run and how long it has waited
 * for a CPU while ready to run (Linux's /proc/<pid>/schedstat, in ns). A
 * read is one pread on a file kept open, cheap enough to take around every
 * call of a closed loop; for a process it is its main thread.
 */
export class SchedStat {
  private readonly fd: number;
  private readonly buffer = Buffer.alloc(128);

  constructor(pid: number | 'self') {
    this.fd = openSync(`/proc/${pid}/schedstat`, 'r');
  }

  /** readInto writes the ns run and the ns waited so far at into[at] and into[at + 1]. */
  readInto(into: Float64Array, at: number): void {
    const b = this.buffer;
    readSync(this.fd, b, 0, b.length, 0);
    // "<run ns> <wait ns> <timeslices>": digits parsed in place, no string made.
    let i = 0;
    for (const slot of [at, at + 1]) {
      let v = 0;
      while (b[i] !== 32) v = v * 10 + (b[i++] as number) - 48;
      into[slot] = v;
      i++;
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}
