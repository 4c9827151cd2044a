import type { TransportName } from '@tsmicro/core/plugin';
import { describe } from 'vitest';
import { endStatusSuite } from './end-status-suite.js';

const transports: TransportName[] = ['grpc', 'tcp', 'memory'];

describe.each(transports)('end status interceptors hear over %s', (transport) => endStatusSuite(transport));
