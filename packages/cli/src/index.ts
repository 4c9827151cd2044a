// Public API of @tsmicro/cli: the command line as a function, for embedding and tests.
export { main } from './main.js';
