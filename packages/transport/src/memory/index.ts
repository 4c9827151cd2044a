export { createMemoryTransport } from './memory-transport.js';
