import type { TransportName } from '@tsmicro/core/plugin';
import { describe } from 'vitest';
import { conformanceSuite } from './conformance-suite.js';

const transports: TransportName[] = ['grpc', 'tcp', 'memory'];

describe.each(transports)('conformance over %s', (transport) => conformanceSuite(transport));
