import type { Node } from './registry/registry.js';

/** IN_PROCESS names, in a client's preference list, the way to a node this process serves itself. */
export const IN_PROCESS = 'in-process';

/** Route is one way to reach a node: a transport and the address it listens on there. */
export interface Route {
  /** Transport to dial: "grpc", "tcp", or "memory" (also for in-process). */
  readonly transport: string;
  readonly address: string;
}

/** ChoiceOptions say what the client side can use. */
export interface ChoiceOptions {
  /** Transport names in the client's order of preference, possibly with "in-process". */
  readonly preference: readonly string[];
  /** Transport of a node that names none (a record written by something other than tsmicro). */
  readonly fallback: string;
  /** Whether this client has a transport of that name. */
  supports(transport: string): boolean;
  /** In-process address of a node this process serves, by node id. */
  localAddress(nodeId: string): string | undefined;
}

/**
 * nodeRoutes reads what a node advertises, transport name → address. A node
 * listening on several transports lists them in `metadata.transports`
 * ("grpc,tcp") with one `address.<name>` each; a node of an older version
 * names one `metadata.transport` served at `node.address`.
 */
export function nodeRoutes(node: Node, fallback: string): Map<string, string> {
  const offered = new Map<string, string>();
  const listed = node.metadata.transports;
  if (listed !== undefined) {
    for (const name of listed.split(',')) {
      const address = node.metadata[`address.${name}`];
      if (address !== undefined && address !== '') offered.set(name, address);
    }
  }
  if (offered.size === 0) offered.set(node.metadata.transport ?? fallback, node.address);
  return offered;
}

/**
 * routesTo orders the ways to reach `node`, best first: the client's
 * preference, keeping what both sides have. "in-process" applies when this
 * process serves the node itself, and goes through the memory transport.
 * Empty means this client cannot reach the node.
 */
export function routesTo(node: Node, options: ChoiceOptions): Route[] {
  const offered = nodeRoutes(node, options.fallback);
  const routes: Route[] = [];
  for (const name of options.preference) {
    if (name === IN_PROCESS) {
      const address = options.localAddress(node.id);
      if (address !== undefined && options.supports('memory')) routes.push({ transport: 'memory', address });
      continue;
    }
    const address = offered.get(name);
    if (address !== undefined && options.supports(name)) routes.push({ transport: name, address });
  }
  return routes;
}

const SCHEME = /^([a-z][a-z0-9-]*):\/\/(.+)$/;

/**
 * routeOf reads a call's `address` option: "tcp://127.0.0.1:9000" names its
 * transport, a bare "host:port" goes over `fallback`.
 */
export function routeOf(address: string, fallback: string): Route {
  const m = SCHEME.exec(address);
  return m ? { transport: m[1] as string, address: m[2] as string } : { transport: fallback, address };
}

/**
 * FailedDials remembers, for a while, the routes whose dial just failed, so
 * the next calls to that node start at its next route instead of waiting on
 * the same failure again.
 */
export class FailedDials {
  private readonly until = new Map<string, number>();

  constructor(private readonly coolDownMs: number) {}

  /** mark records that dialing `route` of node `nodeId` failed now. */
  mark(nodeId: string, route: Route): void {
    if (this.until.size >= MAX_FAILED) this.prune();
    this.until.set(key(nodeId, route), Date.now() + this.coolDownMs);
  }

  /** cooling says whether `route` of node `nodeId` failed within the cool-down. */
  cooling(nodeId: string, route: Route): boolean {
    if (this.until.size === 0) return false;
    const k = key(nodeId, route);
    const until = this.until.get(k);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(k);
    return false;
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, until] of this.until) if (until <= now) this.until.delete(k);
    // Still full of live entries: forgetting the oldest only costs one more failed dial.
    for (const k of this.until.keys()) {
      if (this.until.size < MAX_FAILED) break;
      this.until.delete(k);
    }
  }
}

const MAX_FAILED = 4096;

function key(nodeId: string, route: Route): string {
  return `${nodeId} ${route.transport} ${route.address}`;
}
