import { Code } from '@tsmicro/transport';
import { MicroError } from '../errors.js';

/**
 * ServiceNotFoundError means the selector found no node to call for a
 * service. It is a MicroError with code UNAVAILABLE (as gRPC reports a name
 * that does not resolve), so a client can return it to its caller unchanged.
 */
export class ServiceNotFoundError extends MicroError {
  readonly service: string;

  constructor(service: string, reason = 'no registered nodes') {
    super(Code.UNAVAILABLE, `service "${service}" not found: ${reason}`);
    // MicroError fixes `name` as a literal; logs should still show the subclass.
    Object.defineProperty(this, 'name', { value: 'ServiceNotFoundError' });
    this.service = service;
  }
}

/** isServiceNotFoundError reports whether `err` is a ServiceNotFoundError. */
export function isServiceNotFoundError(err: unknown): err is ServiceNotFoundError {
  return err instanceof ServiceNotFoundError;
}
