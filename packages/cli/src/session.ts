import { type Client, Code, MicroError, noopLogger, type Registry } from '@tsmicro/core';
import { createClient, nodeRoutes } from '@tsmicro/core/plugin';
import { createGrpcTransport, createPool } from '@tsmicro/transport';
import { type Args, flag } from './args.js';
import { timeoutFlag } from './timeout-flag.js';
import { ReflectionClient } from './reflection-client.js';
import { UsageError } from './usage-error.js';

// "host:port", "[::1]:port": anything else is a service name for the registry.
const addressPattern = /^(\[[^\]]+\]|[^\s/:]+):\d+$/;

/**
 * Session holds what one CLI command talks through: a grpc client, the
 * registry when a service is named, and the timeout; close() lets go of all.
 */
export class Session {
  readonly client: Client;
  readonly timeoutMs: number | undefined;
  private registryInstance: Registry | undefined;
  private readonly reflections: ReflectionClient[] = [];

  constructor(private readonly args: Args) {
    const timeout = flag(args, 'timeout');
    this.timeoutMs = timeout === undefined ? undefined : timeoutFlag(timeout);
    const transport = createGrpcTransport();
    this.client = createClient({ transport, connections: createPool(transport, { poolSize: 1 }) });
  }

  /**
   * registry opens the configured shared registry: --registry-address, or
   * MICRO_REGISTRY_ADDRESS, or etcd's default address, as services use.
   */
  async registry(): Promise<Registry> {
    if (this.registryInstance) return this.registryInstance;
    const kind = flag(this.args, 'registry') ?? (process.env.MICRO_REGISTRY || 'etcd');
    const address = flag(this.args, 'registry-address') ?? (process.env.MICRO_REGISTRY_ADDRESS || undefined);
    if (kind !== 'etcd') {
      throw new UsageError(`--registry ${kind}: the CLI runs in its own process, so only a shared registry works (accepted: etcd)`);
    }
    // Loaded on demand: etcd's client is heavy and most commands name an address.
    const { createEtcdRegistry } = await import('@tsmicro/registry-etcd');
    const registry = createEtcdRegistry({ address, dialTimeoutMs: this.timeoutMs ?? 5_000, logger: noopLogger });
    this.registryInstance = registry;
    try {
      await registry.ready();
    } catch (err) {
      const how = address === undefined ? ' (the default: pass --registry-address host:port or set MICRO_REGISTRY_ADDRESS)' : '';
      throw new MicroError(Code.UNAVAILABLE, `${(err as Error).message}${how}`, { cause: err });
    }
    return registry;
  }

  /**
   * address returns a target's grpc host:port: as given (bare or grpc://), or
   * the grpc address of a node of the named service from the registry.
   */
  async address(target: string): Promise<string> {
    const scheme = /^([a-z][a-z0-9-]*):\/\/(.*)$/.exec(target);
    if (scheme) {
      if (scheme[1] !== 'grpc') throw new UsageError(`${target}: the CLI speaks grpc, so give a grpc:// or bare host:port address`);
      target = scheme[2] as string;
    }
    if (addressPattern.test(target)) return target;
    const records = await (await this.registry()).getService(target);
    const addresses = records.flatMap((r) => r.nodes).flatMap((n) => nodeRoutes(n, 'grpc').get('grpc') ?? []);
    const address = addresses[Math.floor(Math.random() * addresses.length)];
    if (address === undefined) throw new MicroError(Code.NOT_FOUND, `service ${target} has no grpc node in the registry`);
    return address;
  }

  /** reflection opens a reflection client to an address. */
  reflection(address: string): ReflectionClient {
    const reflection = new ReflectionClient(this.client, address, this.timeoutMs);
    this.reflections.push(reflection);
    return reflection;
  }

  async close(): Promise<void> {
    for (const r of this.reflections) r.close();
    await this.client.close();
    await this.registryInstance?.close();
  }
}
