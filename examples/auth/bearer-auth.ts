import { Code, Injectable, type Interceptor, MicroError } from '@tsmicro/core';
import { callerKey } from './principal.js';
// A value import: typedi reads the constructor's parameter type at run time.
import { TokenStore } from './token-store.js';

const BEARER = /^Bearer (\S+)$/;

/**
 * BearerAuth is a server interceptor: it checks the `authorization: Bearer
 * <token>` header of every call before the handler runs and puts the caller
 * in the context values. Given as a class, it is built through the service's
 * typedi container, which injects the TokenStore.
 */
@Injectable()
export class BearerAuth {
  constructor(private readonly tokens: TokenStore) {}

  readonly intercept: Interceptor = (next) => (call) => {
    const header = call.metadata.get('authorization');
    const token = typeof header === 'string' ? BEARER.exec(header)?.[1] : undefined;
    if (token === undefined) throw new MicroError(Code.UNAUTHENTICATED, 'missing bearer token');
    const caller = this.tokens.verify(token);
    if (caller === undefined) throw new MicroError(Code.UNAUTHENTICATED, 'unknown bearer token');
    call.values.set(callerKey, caller);
    return next(call);
  };
}
