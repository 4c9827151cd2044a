/** PingPong is one open bidirectional stream driven one round trip at a time. */
export interface PingPong {
  /** ping sends one payload and resolves when its echo arrives. */
  ping(payload: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/**
 * BenchClient is one implementation's client side, held over one connection.
 * A method an implementation lacks is left out, and its row reads "-".
 */
export interface BenchClient {
  /** unary resolves once the reply arrived; its value is not looked at, so a client's own promise serves as it is. */
  unary(payload: Uint8Array): Promise<unknown>;
  /** serverStream asks for count payloads of size bytes and resolves how many arrived. */
  serverStream?(size: number, count: number): Promise<number>;
  /** clientStream sends payload count times, honouring backpressure, and resolves the server's count. */
  clientStream?(payload: Uint8Array, count: number): Promise<number>;
  bidi?(): Promise<PingPong>;
  close(): Promise<void>;
}

/** BenchServer is one implementation's server side. */
export interface BenchServer {
  readonly address: string;
  close(): Promise<void>;
}

/** BenchImpl is one row of the table: how to serve and how to connect. */
export interface BenchImpl {
  readonly name: string;
  serve(): Promise<BenchServer>;
  connect(address: string): Promise<BenchClient>;
}

/** ImplName names every implementation the runner knows. */
export type ImplName =
  | 'grpc-js'
  | 'tsmicro/grpc'
  | 'tsmicro/tcp'
  | 'tsmicro/tcp+interceptors'
  | 'tsmicro/tcp+observability'
  | 'tsmicro/memory'
  | 'node-floor';

/** implNames is the order rows appear in: the baseline first. */
export const implNames: readonly ImplName[] = [
  'grpc-js',
  'tsmicro/grpc',
  'tsmicro/tcp',
  'tsmicro/tcp+interceptors',
  'tsmicro/tcp+observability',
  'tsmicro/memory',
  'node-floor',
];

/** protoPath is bench.proto, beside the sources and one level above the built files. */
export const protoPath = new URL('../bench.proto', import.meta.url).pathname;

/** loadImpl imports one implementation lazily, so a process loads only what it runs. */
export async function loadImpl(name: ImplName): Promise<BenchImpl> {
  switch (name) {
    case 'grpc-js':
      return (await import('./impls/raw-grpc.js')).rawGrpc;
    case 'tsmicro/grpc':
      return (await import('./impls/tsmicro.js')).tsmicro('grpc');
    case 'tsmicro/tcp':
      return (await import('./impls/tsmicro.js')).tsmicro('tcp');
    case 'tsmicro/tcp+interceptors':
      return (await import('./impls/tsmicro.js')).tsmicro('tcp', 'interceptors');
    case 'tsmicro/tcp+observability':
      return (await import('./impls/tsmicro.js')).tsmicro('tcp', 'observability');
    case 'tsmicro/memory':
      return (await import('./impls/tsmicro.js')).tsmicro('memory');
    case 'node-floor':
      return (await import('./impls/node-floor.js')).nodeFloor;
  }
}
