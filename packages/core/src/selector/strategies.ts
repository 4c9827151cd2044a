import type { Node } from '../registry/registry.js';

/** Picker chooses one node of a non-empty list; it may keep state between calls. */
export type Picker = (nodes: readonly Node[]) => Node;

/**
 * Strategy makes a Picker. A selector makes one Picker per service and keeps
 * it, so a round-robin position survives from one call to the next (go-micro
 * restarts it at a random node on every Select, which skews the spread).
 */
export type Strategy = () => Picker;

/** random picks any node with equal chance. */
export const random: Strategy = () => (nodes) => {
  const node = nodes[Math.floor(Math.random() * nodes.length)];
  if (!node) throw new RangeError('random: no nodes to pick from');
  return node;
};

/**
 * roundRobin walks the nodes in order, starting at a random one so that many
 * clients starting together do not all hit the first node.
 */
export const roundRobin: Strategy = () => {
  let i = Math.floor(Math.random() * 1_000_000);
  return (nodes) => {
    const node = nodes[i++ % nodes.length];
    if (!node) throw new RangeError('roundRobin: no nodes to pick from');
    return node;
  };
};

/** StrategyName is a strategy as configuration names it. */
export type StrategyName = 'random' | 'roundRobin';

/** strategies maps configuration names to strategies. */
export const strategies: Readonly<Record<StrategyName, Strategy>> = { random, roundRobin };
