// Chat server: `node examples/dist/chat/server.js --address 127.0.0.1:PORT`.
// The transport comes from configuration (MICRO_TRANSPORT, micro.config.json), grpc when unset.
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { Chat } from './chat-handler.js';
import { printListening } from '../shared/listening.js';

const address = flagValue(process.argv.slice(2), 'address') ?? '127.0.0.1:0';
const service = micro.newService({ name: 'chat', server: { address } });
service.handle(Chat);
await service.run({ onListening: printListening });
