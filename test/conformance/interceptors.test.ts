import type { TransportName } from '@tsmicro/core/plugin';
import { describe } from 'vitest';
import { interceptorSuite } from './interceptor-suite.js';

const transports: TransportName[] = ['grpc', 'tcp', 'memory'];

describe.each(transports)('interceptors over %s', (transport) => interceptorSuite(transport));
