import type { Node, ServiceRecord } from '../registry/registry.js';

/** NodeFilter keeps the nodes a call can use, e.g. those serving its transport. */
export type NodeFilter = (node: Node, service: ServiceRecord) => boolean;

/** SelectOptions narrow the nodes select() chooses from. */
export interface SelectOptions {
  /** Only nodes of this version. */
  readonly version?: string;
  readonly filter?: NodeFilter;
}

/**
 * Next returns the node for the next attempt of a call. Each call skips nodes
 * marked as failed within the cool-down, unless every node is, so a retry
 * loop can simply call it again.
 */
export type Next = () => Node;

/**
 * Selector chooses nodes of a service for a client, as go-micro's
 * selector.Selector: select() → Next, mark() after each attempt.
 */
export interface Selector {
  /** select resolves a Next over the service's nodes; rejects with ServiceNotFoundError when none. */
  select(service: string, options?: SelectOptions): Promise<Next>;
  /**
   * selectNow is select() when the answer is at hand (the service's nodes are
   * cached), else undefined: a call then takes no promise to find its node.
   * It throws where select() would reject. Optional.
   */
  selectNow?(service: string, options?: SelectOptions): Next | undefined;
  /** pick is select() followed by one next(). */
  pick(service: string, options?: SelectOptions): Promise<Node>;
  /**
   * mark records the outcome of a call to `node`: with an error the node is
   * skipped for the cool-down (passive ejection); without one it is trusted again.
   */
  mark(node: Node, err?: unknown): void;
  /** reset forgets cached nodes and marks, of one service or of all. */
  reset(service?: string): void;
  /** close stops watching the registry; the registry itself stays open. */
  close(): void;
}
