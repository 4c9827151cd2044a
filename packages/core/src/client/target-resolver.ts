import { Code } from '@tsmicro/transport';
import type { CallOptions } from '../client-types.js';
import { MicroError } from '../errors.js';
import type { Node } from '../registry/registry.js';
import type { ClientOptions, ConnectionSource } from './client-options.js';

/** Target is what one attempt goes to: a node, and the connections of its transport. */
export interface Target {
  readonly node: Node;
  readonly connections: ConnectionSource;
  /** Chosen by the selector, so its outcome is reported back with mark(). */
  readonly selected: boolean;
}

/** Targets gives each attempt of one call its target: at once when it is known, else a promise. */
export type Targets = () => Target | Promise<Target>;

/** How many fixed addresses a client keeps a target for. */
const MAX_ADDRESS_TARGETS = 1024;

/**
 * TargetResolver is the client's first layer: it turns a service name (or an
 * `address` call option) into the targets of a call's attempts, through the
 * selector or the resolver, and reports each attempt's outcome back.
 */
export class TargetResolver {
  private readonly extraSources = new Set<ConnectionSource>();
  // The target of a fixed address, kept per address: a call by address or
  // through `resolve` then builds no node of its own.
  private readonly addressTargets = new Map<string, Target>();

  constructor(private readonly options: ClientOptions) {}

  /** targetsOf returns where the attempts of one call go. */
  targetsOf(service: string, callOptions: CallOptions): Targets {
    const { options } = this;
    const address = callOptions.address;
    if (address !== undefined) {
      const target = this.targetAt(address);
      return () => target;
    }
    const selector = options.selector;
    if (selector) {
      // One select per call: every attempt then walks the same node list, skipping the ones just marked.
      let next: (() => Node) | undefined;
      const take = (): Target => {
        const node = (next as () => Node)();
        return { node, connections: this.connectionsOf(node) ?? options.connections, selected: true };
      };
      return () =>
        next
          ? take()
          : selector.select(service, { filter: (n) => this.connectionsOf(n) !== undefined }).then((picked) => {
              next ??= picked;
              return take();
            });
    }
    const resolve = options.resolve;
    if (!resolve) {
      return () => {
        throw new MicroError(Code.UNAVAILABLE, `no address for ${service}: pass { address } or configure a registry`);
      };
    }
    return () => {
      const resolved = resolve(service);
      return typeof resolved === 'string' ? this.targetAt(resolved) : resolved.then((a) => this.targetAt(a));
    };
  }

  /** mark tells the selector how an attempt on a node ended; only transport failures eject it. */
  mark(target: Target, code: Code, err?: unknown): void {
    const { selector } = this.options;
    if (!target.selected || !selector) return;
    if (code === Code.UNAVAILABLE) selector.mark(target.node, err ?? new MicroError(code, 'unavailable'));
    else if (code !== Code.DEADLINE_EXCEEDED && code !== Code.CANCELLED) selector.mark(target.node);
  }

  /** close closes every connection source this client used. */
  async close(): Promise<void> {
    await Promise.all([this.options.connections.close(), ...[...this.extraSources].map((s) => s.close())]);
  }

  private connectionsOf(node: Node): ConnectionSource | undefined {
    const name = node.metadata.transport;
    if (name === undefined || name === this.options.transport.name) return this.options.connections;
    const source = this.options.connectionsFor?.(name);
    if (source) this.extraSources.add(source);
    return source;
  }

  private targetAt(address: string): Target {
    let target = this.addressTargets.get(address);
    if (target === undefined) {
      target = { node: { id: address, address, metadata: {} }, connections: this.options.connections, selected: false };
      if (this.addressTargets.size < MAX_ADDRESS_TARGETS) this.addressTargets.set(address, target);
    }
    return target;
  }
}
