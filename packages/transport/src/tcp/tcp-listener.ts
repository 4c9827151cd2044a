import type { Server } from 'node:net';
import type { Listener, MethodInfo } from '../transport.js';
import type { ServedMethods } from './served-methods.js';
import type { TcpServerSession } from './tcp-server-session.js';

/**
 * TcpListener is a bound tcp (or TLS) server. close() stops accepting,
 * sends GOAWAY on every connection, waits up to graceMs for open calls and
 * then ends the rest with UNAVAILABLE.
 */
export class TcpListener implements Listener {
  private closing: Promise<void> | undefined;

  constructor(
    readonly address: string,
    private readonly server: Server,
    private readonly sessions: Set<TcpServerSession>,
    private readonly pending: Set<{ destroy(): void }>,
    private readonly abuse: { readonly count: number },
    private readonly served: ServedMethods,
  ) {}

  get connections(): number {
    return this.sessions.size;
  }

  /** Connections closed for abuse (GOAWAY ENHANCE_YOUR_CALM): reset floods. */
  get abusiveConnections(): number {
    return this.abuse.count;
  }

  addMethods(methods: readonly MethodInfo[]): void {
    // Calls are routed by the path in HEADERS; the kinds let a unary call be handed over with its request in.
    this.served.add(methods);
  }

  close(graceMs = 0): Promise<void> {
    this.closing ??= this.doClose(graceMs);
    return this.closing;
  }

  private async doClose(graceMs: number): Promise<void> {
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.pending) s.destroy();
    await Promise.all([...this.sessions].map((s) => s.close(graceMs)));
    await stopped;
  }
}
