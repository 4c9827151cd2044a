import type { Broker, BrokerLogger } from './broker/broker.js';
import { BrokerError } from './broker/broker-error.js';
import { defaultMemoryBroker } from './broker/memory-broker.js';
import type { ResolvedConfig } from './config/index.js';
import { importOptional } from './optional-package.js';

/** natsBrokerPackage is the package MICRO_BROKER=nats loads at start. */
export const natsBrokerPackage = '@tsmicro/broker-nats';

// The shape of @tsmicro/broker-nats this loader relies on.
interface NatsBrokerModule {
  createNatsBroker(options: { address?: readonly string[]; timeoutMs?: number; logger?: BrokerLogger }): Broker;
}

/** LoadedBroker is a broker and whether the service made it (and so must disconnect it). */
export interface LoadedBroker {
  readonly broker: Broker;
  readonly owned: boolean;
}

/**
 * loadBroker makes and connects the broker the configuration names. NATS
 * comes from its own package, imported only when asked for; a broker that
 * cannot be reached stops start-up with an error naming the address and key.
 */
export async function loadBroker(config: ResolvedConfig, logger?: BrokerLogger): Promise<LoadedBroker> {
  if (config.broker.kind === 'memory') return { broker: defaultMemoryBroker(), owned: false };
  const module = await importOptional<NatsBrokerModule>(
    natsBrokerPackage,
    (cause) =>
      new BrokerError(`broker "nats" (MICRO_BROKER / broker.kind) needs the package ${natsBrokerPackage}: install it, or pass brokerInstance`, {
        cause,
      }),
  );
  const address = config.broker.address;
  const broker = module.createNatsBroker({
    ...(address.length > 0 ? { address } : {}),
    timeoutMs: config.broker.timeoutMs,
    ...(logger ? { logger } : {}),
  });
  try {
    await broker.connect();
  } catch (err) {
    await broker.disconnect().catch(() => {});
    const where = address.length > 0 ? address.join(',') : 'its default 127.0.0.1:4222';
    throw new BrokerError(
      `cannot reach the nats broker at ${where} (MICRO_BROKER_ADDRESS / broker.address) within ${config.broker.timeoutMs} ms: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  return { broker, owned: true };
}
