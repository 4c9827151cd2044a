import type { Metadata } from '@tsmicro/transport';
import type { ContextValues } from './context-values.js';

// biome-ignore lint/suspicious/noExplicitAny: a mixin's base takes any constructor arguments
export type MixinBase = abstract new (...args: any[]) => object;

/** CallReadSource is what the reads every interceptor call shares go through to. */
export interface CallReadSource {
  readonly service: string;
  readonly metadata: Metadata;
  readonly deadline: number | undefined;
  readonly signal: AbortSignal;
  readonly peer: string;
  readonly values: ContextValues;
}

/**
 * callReads adds to `Base` the members of CallBase that a call reads
 * through to another object: the handler's context on a server, the attempt
 * on a client's inner layers. Plain getters, one each, so every read stays
 * a direct one.
 */
export function callReads<B extends MixinBase>(base: B) {
  abstract class CallReads extends base {
    /** readsFrom is the object these reads go through to. */
    abstract readonly readsFrom: CallReadSource;

    get service(): string {
      return this.readsFrom.service;
    }
    get metadata(): Metadata {
      return this.readsFrom.metadata;
    }
    get deadline(): number | undefined {
      return this.readsFrom.deadline;
    }
    get signal(): AbortSignal {
      return this.readsFrom.signal;
    }
    get peer(): string {
      return this.readsFrom.peer;
    }
    get values(): ContextValues {
      return this.readsFrom.values;
    }
  }
  return CallReads;
}
