// `npm run events:sub -- --topic TOPIC [--queue GROUP] [--durable NAME]`: prints SUBSCRIBED once
// subscribed, then `GOT <id>` per handled event; SIGTERM drains and exits 0.
// The broker comes from configuration: MICRO_BROKER (memory | nats), MICRO_BROKER_ADDRESS.
// Context is a value import: tsc records parameter types only for values.
import { Context, micro, Subscribe, Subscriber } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { Event } from './gen/event.js';

function subscriberFor(topic: string, queue: string | undefined, durable: string | undefined) {
  @Subscriber()
  class Printer {
    @Subscribe(topic, { type: Event, ...(queue ? { queue } : {}), ...(durable ? { durable } : {}) })
    async print(_ctx: Context, event: Event): Promise<void> {
      process.stdout.write(`GOT ${event.id ?? ''}\n`);
    }
  }
  return Printer;
}

try {
  const argv = process.argv.slice(2);
  const topic = flagValue(argv, 'topic');
  if (!topic) throw new ArgsError('--topic is required');
  // Events only: the service serves no calls, so it listens in-process.
  const service = micro.newService({ name: 'events-sub', transport: 'memory', server: { address: '127.0.0.1:0' } });
  service.handle(subscriberFor(topic, flagValue(argv, 'queue'), flagValue(argv, 'durable')));
  await service.run({ onListening: () => console.log('SUBSCRIBED') });
  process.exit(0);
} catch (err) {
  console.error(`events:sub: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ArgsError ? 2 : 1);
}
