import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** OutsideServerName names a server binary that some tests start for real. */
export type OutsideServerName = 'etcd' | 'nats-server';

/** OutsideServer says what a server's tests are and how to install it. */
export interface OutsideServer {
  /** what its tests cover, for the skip line */
  readonly tests: string;
  /** the command that installs it on Debian/Ubuntu */
  readonly install: string;
}

/** outsideServers lists every server binary the test suites start. */
export const outsideServers: Readonly<Record<OutsideServerName, OutsideServer>> = {
  etcd: { tests: 'etcd tests', install: 'apt-get install etcd-server' },
  'nats-server': { tests: 'NATS tests', install: 'apt-get install nats-server' },
};

/** REQUIRE_SERVERS_ENV is the variable under which a missing server fails the run instead of skipping. */
export const REQUIRE_SERVERS_ENV = 'TSMICRO_REQUIRE_SERVERS';

/** MissingServerError is thrown for a missing server when TSMICRO_REQUIRE_SERVERS=1. */
export class MissingServerError extends Error {
  override readonly name = 'MissingServerError';
}

/** findOnPath returns the path of an executable file named `binary` in env.PATH, or undefined. */
export function findOnPath(binary: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, binary);
    try {
      if (!statSync(candidate).isFile()) continue;
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here, or not executable
    }
  }
  return undefined;
}

/** missingServerLine is the one line a run prints for a server that is not on PATH. */
export function missingServerLine(server: OutsideServerName): string {
  const { tests, install } = outsideServers[server];
  return `${server} not on PATH: ${tests} skipped (install: ${install})`;
}

/** serversRequired tells whether TSMICRO_REQUIRE_SERVERS=1 is set, so a missing server is a failure. */
export function serversRequired(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[REQUIRE_SERVERS_ENV] === '1';
}

/**
 * serverAvailable tells whether a test may start `server`: true when its binary
 * is on PATH, false when it is not (its tests are then skipped). Under
 * TSMICRO_REQUIRE_SERVERS=1 a missing server throws MissingServerError instead,
 * so CI can never skip those tests silently.
 */
export function serverAvailable(server: OutsideServerName, env: NodeJS.ProcessEnv = process.env): boolean {
  if (findOnPath(server, env) !== undefined) return true;
  if (serversRequired(env)) {
    throw new MissingServerError(
      `${server} is not on PATH and ${REQUIRE_SERVERS_ENV}=1 (install: ${outsideServers[server].install})`,
    );
  }
  return false;
}
