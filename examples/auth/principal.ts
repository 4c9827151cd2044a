import { createContextKey } from '@tsmicro/core';

/** Caller is who a verified bearer token belongs to. */
export interface Caller {
  readonly user: string;
  readonly roles: readonly string[];
}

/**
 * callerKey is where BearerAuth puts the verified caller in the call's
 * context values; handlers read it with ctx.values.get(callerKey).
 */
export const callerKey = createContextKey<Caller | undefined>(undefined, { description: 'authenticated caller' });
