// Price board: `node examples/dist/ticker/prices-server.js --address 127.0.0.1:PORT`. Subscribes to the
// ticks the ticker publishes (queue group "price-board") and serves ticker.Prices/Latest.
// Transport and broker come from configuration (MICRO_TRANSPORT, MICRO_BROKER, MICRO_BROKER_ADDRESS).
import { micro } from '@tsmicro/core';
import { flagValue } from '../shared/args.js';
import { PriceBoard } from './price-board.js';

const address = flagValue(process.argv.slice(2), 'address') ?? '127.0.0.1:0';
const service = micro.newService({ name: 'prices', server: { address } });
service.handle(PriceBoard);
await service.run({ onListening: (bound) => console.log(`LISTENING ${bound}`) });
