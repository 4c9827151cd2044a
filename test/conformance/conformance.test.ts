import type { TransportName } from '@tsmicro/core/plugin';
import { describe } from 'vitest';
import { conformanceSuite } from './conformance-suite.js';

// in-process: a client reaching a tcp service of its own process over the memory transport, chosen per node.
const transports: (TransportName | 'in-process')[] = ['grpc', 'tcp', 'memory', 'in-process'];

describe.each(transports)('conformance over %s', (transport) => conformanceSuite(transport));
