// `npm run events:pub -- --topic TOPIC --count N [--durable] [--prefix P]`: publishes events with ids
// P-0 … P-(N-1) (with --durable through JetStream, each acknowledged), prints `PUBLISHED N`, exits 0.
// An unreachable broker ends it non-zero, naming the address. Broker from MICRO_BROKER / MICRO_BROKER_ADDRESS.
import { micro } from '@tsmicro/core';
import { ArgsError, flagValue } from '../shared/args.js';
import { Event } from './gen/event.js';

// Durable publishes wait for an acknowledgement each; this many are in the air at once.
const WINDOW = 64;

try {
  const argv = process.argv.slice(2);
  const topic = flagValue(argv, 'topic');
  if (!topic) throw new ArgsError('--topic is required');
  const countText = flagValue(argv, 'count') ?? '';
  if (!/^\d+$/.test(countText)) throw new ArgsError(`--count must be a whole number, got ${JSON.stringify(countText)}`);
  const count = Number(countText);
  const prefix = flagValue(argv, 'prefix') ?? 'msg';
  const durable = argv.includes('--durable');

  const service = micro.newService({ name: 'events-pub', transport: 'memory' });
  const publisher = service.publisher(topic, Event, { durable });
  const payload = new TextEncoder().encode(topic);
  for (let start = 0; start < count; start += WINDOW) {
    const batch: Promise<string>[] = [];
    for (let i = start; i < Math.min(count, start + WINDOW); i++) batch.push(publisher.publish({ id: `${prefix}-${i}`, payload }, { id: `${prefix}-${i}` }));
    await Promise.all(batch);
  }
  // Disconnecting flushes what the client still buffers.
  if (count > 0) await service.broker.disconnect();
  console.log(`PUBLISHED ${count}`);
  process.exit(0);
} catch (err) {
  console.error(`events:pub: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(err instanceof ArgsError ? 2 : 1);
}
