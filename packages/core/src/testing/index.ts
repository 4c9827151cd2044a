// @tsmicro/core/testing: helpers for the tests of tsmicro and of its plugins
// (registries, brokers, transports). Not needed by applications;
// registry-suite needs vitest, an optional peer dependency.
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
export { describeRegistry, eventually, nextEvent, nodeOf, serviceOf, sleep } from './registry-suite.js';
export type { RegistryHarness } from './registry-suite.js';
export { describeBroker, Gate } from './broker-suite.js';
export { freePort, stopProcess } from './server-process.js';
export type { BrokerHarness } from './broker-suite.js';
