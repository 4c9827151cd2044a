// Node selection over a registry: strategies, passive ejection, cached node lists.
export { createSelector, RegistrySelector } from './registry-selector.js';
export type { SelectorOptions } from './registry-selector.js';
export type { Next, NodeFilter, SelectOptions, Selector } from './selector.js';
export { random, roundRobin, strategies } from './strategies.js';
export type { Picker, Strategy, StrategyName } from './strategies.js';
export { isServiceNotFoundError, ServiceNotFoundError } from './service-not-found-error.js';
export { EjectionList } from './ejection-list.js';
