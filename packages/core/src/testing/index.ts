// @tsmicro/core/testing: helpers for the tests of tsmicro and of its plugins
// (registries, brokers, transports). Not needed by applications.
export {
  findOnPath,
  missingServerLine,
  MissingServerError,
  outsideServers,
  REQUIRE_SERVERS_ENV,
  serverAvailable,
  serversRequired,
} from './outside-server.js';
export type { OutsideServer, OutsideServerName } from './outside-server.js';
