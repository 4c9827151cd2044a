import { Code } from '@tsmicro/transport';
import type { Context } from '../context.js';
import type { ServiceDefinition } from '../definition.js';
import { MicroError } from '../errors.js';
import type { ServerStreamServer } from '../stream-types.js';
import {
  HealthDefinition,
  type HealthCheckRequest,
  type HealthCheckResponse,
  type HealthListResponse,
  type ServingStatus,
} from './health-proto.js';

/**
 * HealthStatusSetter changes what grpc.health.v1.Health reports. The empty
 * service name "" is the whole server; every service the server handles
 * follows it unless given a status of its own.
 */
export interface HealthStatusSetter {
  /** setServing marks a service ("" or omitted: the whole server) SERVING. */
  setServing(service?: string): void;
  /** setNotServing marks a service ("" or omitted: the whole server) NOT_SERVING. */
  setNotServing(service?: string): void;
  /** setStatus gives a service a status of its own. */
  setStatus(service: string, status: ServingStatus): void;
  /** status reports what Check would answer, or undefined for an unknown service. */
  status(service?: string): ServingStatus | undefined;
  /**
   * shutdown marks everything NOT_SERVING for good and ends every Watch
   * after telling it so, so open watches do not hold up a graceful stop.
   */
  shutdown(): void;
}

/** HealthService is the health handler to register on a server, and the setter that drives it. */
export interface HealthService extends HealthStatusSetter {
  readonly definition: ServiceDefinition;
  /** handler goes to server.handle(handler, { definition }). */
  readonly handler: object;
}

/** HealthServiceOptions tune healthService. */
export interface HealthServiceOptions {
  /** Status of the whole server until a setter is called: NOT_SERVING, since a server is not ready before it starts. */
  readonly initial?: ServingStatus;
}

/** ServedServices is what the health and reflection services need of a server: its router's services. */
export interface ServedServices {
  readonly router: { services(): ServiceDefinition[] };
}

/**
 * healthService builds grpc.health.v1.Health (Check, Watch, List) for a
 * server: services the server handles are known by name and follow the
 * whole server's status. Register it with
 * `server.handle(health.handler, { definition: health.definition })`.
 */
export function healthService(server?: ServedServices, options: HealthServiceOptions = {}): HealthService {
  const explicit = new Map<string, ServingStatus>([['', options.initial ?? 'NOT_SERVING']]);
  const listeners = new Set<() => void>();
  let version = 0;
  let down = false;

  const served = (): string[] => server?.router.services().map((s) => s.typeName) ?? [];
  const statusOf = (service = ''): ServingStatus | undefined => {
    const own = explicit.get(service);
    if (own !== undefined) return own;
    return served().includes(service) ? explicit.get('') : undefined;
  };
  const changed = () => {
    version++;
    for (const wake of [...listeners]) wake();
  };
  // Resolves at the next status change or when the watching call ends.
  const nextChange = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        listeners.delete(wake);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      listeners.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  const set = (service: string, status: ServingStatus) => {
    if (down) return;
    explicit.set(service, status);
    changed();
  };

  const handler = {
    async check(_ctx: Context, request: HealthCheckRequest): Promise<HealthCheckResponse> {
      const status = statusOf(request.service);
      if (status === undefined) throw new MicroError(Code.NOT_FOUND, `unknown service ${request.service}`);
      return { status };
    },
    async list(_ctx: Context, _request: Record<string, never>): Promise<HealthListResponse> {
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const name of new Set([...explicit.keys(), ...served()])) {
        statuses[name] = { status: statusOf(name) ?? 'SERVICE_UNKNOWN' };
      }
      return { statuses };
    },
    async watch(ctx: Context, request: HealthCheckRequest, stream: ServerStreamServer<HealthCheckResponse>): Promise<void> {
      let last: ServingStatus | undefined;
      for (;;) {
        const seen = version;
        const status = statusOf(request.service) ?? 'SERVICE_UNKNOWN';
        if (status !== last) {
          last = status;
          await stream.send({ status });
        }
        if (down || ctx.signal.aborted) return;
        if (version === seen) await nextChange(ctx.signal);
      }
    },
  };

  return {
    definition: HealthDefinition,
    handler,
    setServing: (service = '') => set(service, 'SERVING'),
    setNotServing: (service = '') => set(service, 'NOT_SERVING'),
    setStatus: set,
    status: statusOf,
    shutdown() {
      if (down) return;
      for (const name of new Set([...explicit.keys(), ...served()])) explicit.set(name, 'NOT_SERVING');
      down = true;
      changed();
    },
  };
}
