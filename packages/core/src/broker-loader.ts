import type { Broker } from './broker/broker.js';
import { BrokerError } from './broker/broker-error.js';
import { defaultMemoryBroker } from './broker/memory-broker.js';
import type { ResolvedConfig } from './config/index.js';
import type { Logger } from './logger/logger.js';
import { importOptional } from './optional-package.js';

/** natsBrokerPackage is the package MICRO_BROKER=nats loads at start. */
export const natsBrokerPackage = '@tsmicro/broker-nats';

// The shape of @tsmicro/broker-nats this loader relies on.
interface NatsBrokerModule {
  createNatsBroker(options: { address?: readonly string[]; timeoutMs?: number; logger?: Logger }): Broker;
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
 * NATS reports to `logger`; the memory broker is shared by the whole process
 * and keeps its own, so a service names its logger on each subscribe instead.
 */
export async function loadBroker(config: ResolvedConfig, logger: Logger): Promise<LoadedBroker> {
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
    logger,
  });
  try {
    await broker.connect();
  } catch (err) {
    await broker.disconnect().catch(() => {});
    // The broker's own error names the address it tried; the key says where that came from.
    throw new BrokerError(`${err instanceof Error ? err.message : String(err)} (check MICRO_BROKER_ADDRESS / broker.address)`, { cause: err });
  }
  return { broker, owned: true };
}
