import {
  MissingServerError,
  missingServerLine,
  type OutsideServerName,
  outsideServers,
  serverAvailable,
} from '@tsmicro/core/testing';

/**
 * reportMissingServers is vitest's global setup: one line per outside server
 * that is missing, printed once for the whole run rather than once per test
 * file that skips.
 */
export default function reportMissingServers(): void {
  for (const server of Object.keys(outsideServers) as OutsideServerName[]) {
    try {
      if (!serverAvailable(server)) console.warn(missingServerLine(server));
    } catch (err) {
      if (err instanceof MissingServerError) throw new MissingServerError(`${err.message}: failing the run`);
      throw err;
    }
  }
}
