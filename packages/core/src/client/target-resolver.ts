import { Code } from '@tsmicro/transport';
import type { CallOptions } from '../client-types.js';
import { MicroError } from '../errors.js';
import type { Node } from '../registry/registry.js';
import type { SelectOptions } from '../selector/selector.js';
import { defaults } from '../config/defaults.js';
import { localNodes } from '../local-nodes.js';
import { type ChoiceOptions, FailedDials, type Route, routeOf, routesTo } from '../transport-choice.js';
import type { ClientOptions, ConnectionSource } from './client-options.js';

/** Way is one way to a node, with the connections of its transport. */
export interface Way extends Route {
  readonly connections: ConnectionSource;
}

/** Target is what one attempt goes to: a node, and the ways to reach it, best first. */
export interface Target {
  readonly node: Node;
  readonly ways: readonly Way[];
  /** Chosen by the selector, so its outcome is reported back with mark(). */
  readonly selected: boolean;
  /** localNodes.version the ways were worked out at. */
  readonly version: number;
}

/** TargetedCall is what TargetResolver.targetFor reads of a call, and the selector's pick it keeps there. */
export interface TargetedCall {
  readonly service: string;
  readonly options: CallOptions;
  /** The selector's node list for this call's attempts, once picked. */
  picked?: () => Node;
}

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
  // A node's target is worked out once, and again only when this process starts or stops serving a node.
  private readonly nodeTargets = new WeakMap<Node, Target>();
  private readonly choice: ChoiceOptions;
  // What select() keeps: the nodes this client has a way to. One object for every call.
  private readonly reachable: SelectOptions = { filter: (n) => this.targetOf(n).ways.length > 0 };
  /** failedDials are the routes to pass over for a while, because dialing them just failed. */
  readonly failedDials: FailedDials;

  constructor(private readonly options: ClientOptions) {
    this.failedDials = new FailedDials(options.failedDialMs ?? 10_000);
    this.choice = {
      preference: options.transports ?? defaults.client.transports,
      fallback: options.transport.name,
      supports: (transport) => this.sourceOf(transport) !== undefined,
      localAddress: localNodes.addressOf,
    };
  }

  /**
   * targetFor returns where the call's next attempt goes: at once when it is
   * known, else a promise. What it keeps per call (the selector's pick) is
   * the call's own field, so a call costs no closure here.
   */
  targetFor(call: TargetedCall): Target | Promise<Target> {
    const { options } = this;
    const address = call.options.address;
    if (address !== undefined) return this.targetAt(address);
    const selector = options.selector;
    if (selector) {
      // One select per call: every attempt then walks the same node list, skipping the ones just marked.
      const next = (call.picked ??= selector.selectNow?.(call.service, this.reachable));
      // Cached nodes are at hand: the target too, with no promise.
      if (next !== undefined) return this.targetOf(next());
      return selector.select(call.service, this.reachable).then((picked) => this.targetOf((call.picked ??= picked)()));
    }
    const resolve = options.resolve;
    if (!resolve) throw new MicroError(Code.UNAVAILABLE, `no address for ${call.service}: pass { address } or configure a registry`);
    const resolved = resolve(call.service);
    return typeof resolved === 'string' ? this.targetAt(resolved) : resolved.then((a) => this.targetAt(a));
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

  private sourceOf(transport: string): ConnectionSource | undefined {
    if (transport === this.options.transport.name) return this.options.connections;
    const source = this.options.connectionsFor?.(transport);
    if (source) this.extraSources.add(source);
    return source;
  }

  private targetOf(node: Node): Target {
    let target = this.nodeTargets.get(node);
    if (target === undefined || target.version !== localNodes.version) {
      const ways = routesTo(node, this.choice).map((r) => ({ ...r, connections: this.sourceOf(r.transport) as ConnectionSource }));
      target = { node, ways, selected: true, version: localNodes.version };
      this.nodeTargets.set(node, target);
    }
    return target;
  }

  private targetAt(address: string): Target {
    let target = this.addressTargets.get(address);
    if (target === undefined) {
      const route = routeOf(address, this.options.transport.name);
      const connections = this.sourceOf(route.transport);
      if (connections === undefined) {
        throw new MicroError(Code.INVALID_ARGUMENT, `address ${address} names transport "${route.transport}", which this client does not have`);
      }
      const node: Node = { id: address, address: route.address, metadata: { transport: route.transport } };
      target = { node, ways: [{ ...route, connections }], selected: false, version: 0 };
      if (this.addressTargets.size < MAX_ADDRESS_TARGETS) this.addressTargets.set(address, target);
    }
    return target;
  }
}
