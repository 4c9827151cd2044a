#!/usr/bin/env node
import { main } from './main.js';

const code = await main(process.argv.slice(2));
// Exit once stdout is flushed: a client stream may have left stdin open.
process.stdout.write('', () => process.exit(code));
