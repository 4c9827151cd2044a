// The tcp transport: tsmicro's own binary framing over node:net and node:tls.
export { createTcpTransport } from './tcp-transport.js';
export type { TcpTransportOptions } from './tcp-options.js';
