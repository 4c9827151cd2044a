// closedPort is a loopback port nothing listens on: a free port, bound once and
// released, is exactly that until someone binds it again.
export { freePort as closedPort } from '@tsmicro/core/testing';
