import type { TransportName } from '@tsmicro/core/plugin';
import { describe } from 'vitest';
import { transportContractSuite } from './transport-contract-suite.js';

const transports: TransportName[] = ['grpc', 'tcp', 'memory'];

describe.each(transports)('transport contract over %s', (transport) => transportContractSuite(transport));
