import type { Interceptor } from '@tsmicro/core';

/** bearerToken is a client interceptor that sends `authorization: Bearer <token>` with every call. */
export function bearerToken(token: string): Interceptor {
  const value = `Bearer ${token}`;
  return (next) => (call) => {
    call.metadata.set('authorization', value);
    return next(call);
  };
}
