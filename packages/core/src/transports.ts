import { createGrpcTransport, createMemoryTransport, createTcpTransport, type Transport } from '@tsmicro/transport';

/** TransportName is a transport configuration can choose. */
export type TransportName = 'grpc' | 'tcp' | 'memory';

// One transport object per name and process: the memory transport's
// listeners live in it, and grpc/tcp hold no per-call state in it.
const made = new Map<TransportName, Transport>();

/** transportByName returns the transport a configuration names. */
export function transportByName(name: TransportName): Transport {
  let transport = made.get(name);
  if (!transport) {
    transport = create(name);
    made.set(name, transport);
  }
  return transport;
}

function create(name: TransportName): Transport {
  switch (name) {
    case 'memory':
      return createMemoryTransport();
    case 'grpc':
      return createGrpcTransport();
    case 'tcp':
      return createTcpTransport();
  }
}
