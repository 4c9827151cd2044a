import type { Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { ContextValues } from './context-values.js';

// biome-ignore lint/suspicious/noExplicitAny: a mixin's base takes any constructor arguments
type Base = abstract new (...args: any[]) => object;

/**
 * contextReads adds to `Base` the members a server interceptor reads of its
 * call that are the handler's context's: a call the server hands its
 * interceptors (an RPC, a delivered event) extends contextReads(its base)
 * and sets `ctx`. Plain getters, one each, so every read stays a direct one.
 */
export function contextReads<B extends Base>(base: B) {
  abstract class ContextReads extends base {
    abstract readonly ctx: Context;

    get service(): string {
      return this.ctx.service;
    }
    get metadata(): Metadata {
      return this.ctx.metadata;
    }
    get deadline(): number | undefined {
      return this.ctx.deadline;
    }
    get signal(): AbortSignal {
      return this.ctx.signal;
    }
    get peer(): string {
      return this.ctx.peer;
    }
    get values(): ContextValues {
      return this.ctx.values;
    }
    get responseHeader(): Metadata {
      return this.ctx.responseHeader;
    }
    get responseTrailer(): Metadata {
      return this.ctx.responseTrailer;
    }
  }
  return ContextReads;
}
