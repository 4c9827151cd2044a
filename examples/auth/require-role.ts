import { Code, type Interceptor, MicroError } from '@tsmicro/core';
import { callerKey } from './principal.js';

/**
 * requireRole is a method-level server interceptor: the caller BearerAuth
 * verified (it runs outside, at the service level) must have `role`.
 */
export function requireRole(role: string): Interceptor {
  return (next) => (call) => {
    const caller = call.values.get(callerKey);
    if (!caller?.roles.includes(role)) {
      throw new MicroError(Code.PERMISSION_DENIED, `${call.method.name} needs the role "${role}"`);
    }
    return next(call);
  };
}
