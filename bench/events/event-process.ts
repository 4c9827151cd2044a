import { connect, headers } from '@nats-io/transport-node';
import { Context, loadProto, type MessageType, micro, Subscribe, Subscriber } from '@tsmicro/core';
import { createMemoryBroker } from '@tsmicro/core/plugin';
import { randomUUID } from 'node:crypto';
import { answerRequests, residentSet } from '../child-rpc.js';
import { protoPath } from '../bench-impl.js';

// One side of an events row, in its own process: `node event-process.js <role> <nats address>`.
// Subscribers are armed with arm(n) and answer wait() once n events were handled; publishers answer publish(n) once sent.
// Every role moves the same 16 B bench.Payload, protobuf-encoded, with a message id header.

/** EventRole names what an events bench process does. */
export type EventRole = 'memory' | 'raw-sub' | 'raw-pub' | 'tsmicro-sub' | 'tsmicro-pub' | 'durable-sub' | 'durable-pub';

interface Payload {
  data: Uint8Array;
}
const Payload = loadProto(protoPath).service('bench.Bench').methods.unary!.requestType as MessageType<Payload>;
const message: Payload = { data: new Uint8Array(16).fill(1) };
const role = process.argv[2] as EventRole;
const address = process.argv[3] ?? '';
// Each pair has a topic of its own: the raw and tsmicro pairs share one server.
const topic = role.startsWith('durable') ? 'bench.durable' : role.startsWith('raw') ? 'bench.raw' : 'bench.events';
// Durable publishes wait for their ack; this many are in the air at once.
const window = 256;

/** Counter resolves expect(n) once n events were counted. */
class Counter {
  private count = 0;
  private target = Number.POSITIVE_INFINITY;
  private done: (() => void) | undefined;
  add(): void {
    if (++this.count >= this.target && this.done) {
      const done = this.done;
      this.done = undefined;
      done();
    }
  }
  expect(n: number): Promise<void> {
    this.count = 0;
    this.target = n;
    return new Promise((resolve) => (this.done = resolve));
  }
}
const counter = new Counter();

@Subscriber()
class Counting {
  @Subscribe(topic, { type: Payload, queue: 'bench', maxInFlight: 64 })
  async on(_ctx: Context, _msg: Payload): Promise<void> {
    counter.add();
  }
}

@Subscriber()
class DurableCounting {
  @Subscribe(topic, { type: Payload, durable: 'bench', maxInFlight: 256 })
  async on(_ctx: Context, _msg: Payload): Promise<void> {
    counter.add();
  }
}

const env = { MICRO_BROKER: role === 'memory' ? 'memory' : 'nats', MICRO_BROKER_ADDRESS: address, MICRO_LOG_LEVEL: 'warn' };
const service = micro.newService(
  { name: `bench-${role}`, transport: 'memory', ...(role === 'memory' ? { brokerInstance: createMemoryBroker() } : {}) },
  { env, file: false },
);
const handlers: Record<string, (arg: unknown) => Promise<unknown> | unknown> = {
  rss: residentSet,
  // CPU time used so far (user + system, µs): cpu-per-event divides its growth by the events moved.
  cpu: () => {
    const used = process.cpuUsage();
    return used.user + used.system;
  },
};
let close: () => Promise<void> = () => service.stop();

if (role === 'raw-sub' || role === 'raw-pub') {
  // What a nats.js user writes by hand for the same work: encode, an id header, publish; decode, count.
  const nc = await connect({ servers: address });
  if (role === 'raw-sub') {
    nc.subscribe(topic, { queue: 'bench', callback: (_err, m) => {
        Payload.decode(m.data);
        counter.add();
      },
    });
    await nc.flush();
  } else {
    handlers.publish = async (n) => {
      for (let i = 0; i < (n as number); i++) {
        const h = headers();
        h.set('content-type', 'application/protobuf');
        h.set('micro-id', randomUUID());
        nc.publish(topic, Payload.encode(message), { headers: h });
      }
    };
  }
  close = () => nc.drain();
} else {
  if (role === 'tsmicro-sub' || role === 'memory') service.handle(Counting);
  if (role === 'durable-sub') service.handle(DurableCounting);
  await service.start();
  const publisher = service.publisher(topic, Payload, { durable: role === 'durable-pub' });
  handlers.publish = async (n) => {
    if (role === 'durable-pub') {
      for (let i = 0; i < (n as number); i += window) {
        await Promise.all(Array.from({ length: Math.min(window, (n as number) - i) }, () => publisher.publish(message)));
      }
      return;
    }
    for (let i = 0; i < (n as number); i++) await publisher.publish(message);
  };
  handlers.batch = async (n) => {
    const done = counter.expect(n as number);
    for (let i = 0; i < (n as number); i++) await publisher.publish(message);
    await done;
    return n;
  };
}
// arm resets the count before the publisher starts; wait resolves once the armed count was reached.
let armed: Promise<void> = Promise.resolve();
handlers.arm = (n) => {
  armed = counter.expect(n as number);
  return true;
};
handlers.wait = () => armed;
handlers.exit = async () => {
  await close();
  setImmediate(() => process.exit(0));
};
answerRequests(handlers);
process.send!({ ready: role });
