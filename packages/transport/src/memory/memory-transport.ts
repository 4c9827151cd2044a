import { Metadata } from '../metadata.js';
import { Code } from '../status.js';
import { StatusError } from '../status-error.js';
import type {
  ClientStream,
  Connection,
  ConnectionState,
  DialOptions,
  Listener,
  ListenOptions,
  ServerStream,
  StreamOptions,
  Transport,
} from '../transport.js';
import { SlotSet } from '../slot-set.js';
import { type CallOwner, MemoryCall } from './memory-call.js';

const DEFAULT_MAX_MESSAGE = 4 * 1024 * 1024;

// Listeners of this process by address: "dialing" is a map lookup. A
// listener on all interfaces (0.0.0.0:P, [::]:P, :P) is reached by any host
// with its port, as a socket bound so would be: a service registers such an
// address under the host's own IP.
const listeners = new Map<string, MemoryListener>();
const anyHostListeners = new Map<string, MemoryListener>();
let nextPort = 1;

const anyHost = new Set(['0.0.0.0', '::', '[::]', '']);

function splitAddress(address: string): { host: string; port: string } {
  const colon = address.lastIndexOf(':');
  return colon < 0 ? { host: address, port: '' } : { host: address.slice(0, colon), port: address.slice(colon + 1) };
}

/**
 * createMemoryTransport returns the in-process transport: no sockets, the
 * same stream semantics as grpc and tcp. Addresses are any string; one
 * ending in ":0" gets a fresh unique port, as a socket would.
 */
export function createMemoryTransport(): Transport {
  return {
    name: 'memory',
    async dial(address: string, options?: DialOptions): Promise<Connection> {
      const listener = listeners.get(address) ?? anyHostListeners.get(splitAddress(address).port);
      if (!listener || listener.closing) {
        throw new StatusError(Code.UNAVAILABLE, `cannot connect to ${address}: no memory listener there`);
      }
      return listener.accept(options?.maxMessageSize ?? DEFAULT_MAX_MESSAGE);
    },
    async listen(address: string, options: ListenOptions): Promise<Listener> {
      const bound = address.endsWith(':0') ? `${address.slice(0, -2)}:${nextPort++}` : address;
      const { host, port } = splitAddress(bound);
      const everyHost = anyHost.has(host) && port !== '';
      if (listeners.has(bound) || (everyHost && anyHostListeners.has(port))) {
        throw new StatusError(Code.UNAVAILABLE, `memory address ${bound} is in use`);
      }
      const listener = new MemoryListener(bound, options, everyHost ? port : undefined);
      listeners.set(bound, listener);
      if (everyHost) anyHostListeners.set(port, listener);
      return listener;
    },
  };
}

class MemoryListener implements Listener {
  closing = false;
  private readonly conns = new Set<MemoryConnection>();

  constructor(
    readonly address: string,
    private readonly options: ListenOptions,
    /** The port, when the listener is on all interfaces. */
    private readonly anyHostPort: string | undefined,
  ) {}

  get connections(): number {
    return this.conns.size;
  }

  addMethods(): void {}

  accept(clientMaxMessage: number): MemoryConnection {
    const conn = new MemoryConnection(this, clientMaxMessage, this.options.maxMessageSize ?? DEFAULT_MAX_MESSAGE);
    this.conns.add(conn);
    void conn.closed.then(() => this.conns.delete(conn));
    return conn;
  }

  deliver(stream: ServerStream): void {
    this.options.onStream(stream);
  }

  async close(graceMs = 0): Promise<void> {
    if (!this.closing) {
      this.closing = true;
      listeners.delete(this.address);
      if (this.anyHostPort !== undefined) anyHostListeners.delete(this.anyHostPort);
    }
    await Promise.all([...this.conns].map((c) => c.close(graceMs)));
  }
}

class MemoryConnection implements Connection, CallOwner {
  private state_: ConnectionState = 'ready';
  private readonly calls = new SlotSet<MemoryCall>();
  private resolveClosed!: () => void;
  readonly closed = new Promise<void>((r) => {
    this.resolveClosed = r;
  });
  private static nextPeer = 1;
  private readonly peer = `memory-client:${MemoryConnection.nextPeer++}`;

  constructor(
    private readonly listener: MemoryListener,
    private readonly clientMaxMessage: number,
    private readonly serverMaxMessage: number,
  ) {}

  get address(): string {
    return this.listener.address;
  }

  get state(): ConnectionState {
    return this.state_;
  }

  get activeStreams(): number {
    return this.calls.size;
  }

  openStream(method: string, metadata: Metadata, options?: StreamOptions): ClientStream {
    // Requests are checked against the server's limit, replies against the client's:
    // the smaller of the two bounds both directions here, as one queue pair carries both.
    const limit = Math.min(options?.maxMessageSize ?? this.clientMaxMessage, this.serverMaxMessage);
    const call = new MemoryCall(method, metadata.clone(), options?.deadline, options?.contentType, this.peer, limit);
    // Past its deadline already: ended, never delivered.
    if (call.ended) return call;
    if (this.state_ !== 'ready' || this.listener.closing) {
      call.end({ code: Code.UNAVAILABLE, message: `connection to ${this.address} is closed`, metadata: new Metadata() }, false);
      return call;
    }
    this.calls.add(call);
    call.owner = this;
    if (options?.kind === 'unary') call.deliverOnCloseSend = call.unary = true;
    else this.listener.deliver(call.server);
    return call;
  }

  /** deliver hands a unary call to the server once its request is in, unless the listener closed meanwhile. */
  deliver(call: MemoryCall): void {
    if (this.listener.closing) {
      call.end({ code: Code.UNAVAILABLE, message: `connection to ${this.address} is closed`, metadata: new Metadata() }, false);
      return;
    }
    this.listener.deliver(call.server);
  }

  /** callEnded forgets a call that got its final status. */
  callEnded(call: MemoryCall): void {
    this.calls.delete(call);
    if (this.state_ === 'closing' && this.calls.size === 0) this.finishClose();
  }

  async close(graceMs = 0): Promise<void> {
    if (this.state_ === 'closed') return;
    this.state_ = 'closing';
    if (this.calls.size === 0) {
      this.finishClose();
      return;
    }
    const timer = setTimeout(() => {
      for (const call of this.calls.values()) {
        call.end({ code: Code.UNAVAILABLE, message: 'connection closed', metadata: new Metadata() }, false);
      }
    }, graceMs);
    await this.closed;
    clearTimeout(timer);
  }

  private finishClose(): void {
    this.state_ = 'closed';
    this.resolveClosed();
  }
}
