import type { BenchClient } from './bench-impl.js';
import { closedLoop, type Figures, type MeasuredWindow, repeatedBatches, type Timing } from './measure.js';

/** Scenario is one column group of the table, run by the client process. */
export interface Scenario {
  readonly name: string;
  /** What its rate counts. */
  readonly unit: 'calls/s' | 'msgs/s' | 'round trips/s';
  /** run measures it, or returns undefined when the implementation lacks the call kind; window hears where the measured window lies. */
  run(client: BenchClient, timing: Timing, window?: MeasuredWindow): Promise<Figures | undefined>;
}

const bytes16 = new Uint8Array(16).fill(1);
const bytes1k = new Uint8Array(1024).fill(1);

function unary(inFlight: number, payload: Uint8Array, label: string): Scenario {
  return {
    name: `unary ${inFlight} in flight ${label}`,
    unit: 'calls/s',
    run: (client, timing, window) => closedLoop(inFlight, () => client.unary(payload), timing, window),
  };
}

function serverStream(size: number, label: string, perStream: number): Scenario {
  return {
    name: `server stream ${label}`,
    unit: 'msgs/s',
    async run(client, timing, window) {
      if (!client.serverStream) return undefined;
      const open = client.serverStream.bind(client);
      return repeatedBatches(() => open(size, perStream), timing, window);
    },
  };
}

/** scenarios are every measurement but the idle streams, in table order. */
export const scenarios: readonly Scenario[] = [
  unary(1, bytes16, '16 B'),
  unary(1, bytes1k, '1 KiB'),
  unary(64, bytes16, '16 B'),
  unary(64, bytes1k, '1 KiB'),
  serverStream(16, '16 B', 20_000),
  serverStream(1024, '1 KiB', 5_000),
  {
    name: 'client stream 16 B',
    unit: 'msgs/s',
    async run(client, timing, window) {
      if (!client.clientStream) return undefined;
      const send = client.clientStream.bind(client);
      return repeatedBatches(() => send(bytes16, 20_000), timing, window);
    },
  },
  {
    name: 'bidi ping-pong 16 B',
    unit: 'round trips/s',
    async run(client, timing, window) {
      if (!client.bidi) return undefined;
      const stream = await client.bidi();
      const figures = await closedLoop(1, () => stream.ping(bytes16), timing, window);
      await stream.close();
      return figures;
    },
  },
];

/** idleStreamCount is how many idle streams the memory rows hold open on one connection. */
export const idleStreamCount = 10_000;
