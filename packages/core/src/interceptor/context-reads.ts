import type { Metadata } from '@tsmicro/transport';
import type { Context } from '../context.js';
import { callReads, type MixinBase } from './call-reads.js';

/**
 * contextReads adds to `Base` the members a server interceptor reads of its
 * call that are the handler's context's: a call the server hands its
 * interceptors (an RPC, a delivered event) extends contextReads(its base)
 * and sets `ctx`.
 */
export function contextReads<B extends MixinBase>(base: B) {
  abstract class ContextReads extends callReads(base) {
    abstract readonly ctx: Context;

    get readsFrom(): Context {
      return this.ctx;
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
