import { type ServerHttp2Session, type ServerHttp2Stream, constants } from 'node:http2';
import type { Socket } from 'node:net';
import type { ResetBudget } from './reset-budget.js';

/** ResetLimits bound the streams one client connection may reset (a token bucket), and all of a server's together. */
export interface ResetLimits {
  /** Resets allowed at once. */
  readonly burst: number;
  /** Resets allowed per second once the burst is spent. */
  readonly perSecond: number;
  /** Resets one connection may make at once while the server is flooded, its budget dry in the last 2 s (default 50). */
  readonly floodBurst?: number;
  /** The server's budget over all its connections: at once, then per second (default 2000, then 1000 a second). */
  readonly server?: { readonly burst: number; readonly perSecond: number };
}

/** DEFAULT_FLOOD_BURST is the connection burst while a server is flooded: a cancelled batch of pooled calls (100) is cut, a trickle is not. */
export const DEFAULT_FLOOD_BURST = 50;

/** DEFAULT_SERVER_RESETS is a server's reset budget: far above what its honest clients cancel, far below what one core can take. */
export const DEFAULT_SERVER_RESETS = { burst: 2000, perSecond: 1000 } as const;

/**
 * DEFAULT_RESET_LIMITS sit just below the rapid-reset guard of Node's HTTP/2
 * (a burst of 1000, then 33 a second), which sends GOAWAY and leaves the
 * socket open for as long as the peer keeps it: a connection is closed here
 * first, socket and all, and no honest client that Node tolerates is cut.
 * A lower burst bounds the work one flooding connection costs before it is
 * cut (about 0.2 ms a reset), at the price of cutting bursts of cancels.
 */
export const DEFAULT_RESET_LIMITS: ResetLimits = { burst: 900, perSecond: 33 };

/** checkResetLimits returns limits that keep below Node's own guard, or throws a RangeError naming the bad field. */
export function checkResetLimits(l: ResetLimits): ResetLimits {
  if (!Number.isInteger(l.burst) || l.burst < 1 || l.burst > 1000) {
    throw new RangeError(`grpc option resetLimits.burst must be an integer in 1..1000 (Node's own guard trips above), got ${l.burst}`);
  }
  if (!(l.perSecond > 0) || l.perSecond > 33) {
    throw new RangeError(`grpc option resetLimits.perSecond must be in (0, 33] (Node's own guard trips above), got ${l.perSecond}`);
  }
  if (l.floodBurst !== undefined && (!Number.isInteger(l.floodBurst) || l.floodBurst < 1)) {
    throw new RangeError(`grpc option resetLimits.floodBurst must be a positive integer, got ${l.floodBurst}`);
  }
  if (l.server !== undefined && (!Number.isInteger(l.server.burst) || l.server.burst < 1 || !(l.server.perSecond > 0))) {
    throw new RangeError(
      `grpc option resetLimits.server must have a positive integer burst and a positive perSecond, got ${JSON.stringify(l.server)}`,
    );
  }
  return l;
}

/** How long a session's socket may outlive the session (or the GOAWAY that ends it). */
const SOCKET_GRACE_MS = 500;

type ReadableHandle = { readStop?: () => unknown };

/**
 * guardSession watches one server session on `socket`. It counts streams the
 * client aborts against `limits`, and against the server's `budget`: while
 * the server is under a flood (its budget ran dry in the last 2 s) a
 * connection may reset only `limits.floodBurst` at once. Past them
 * `onAbusive` runs and the session is destroyed with a final GOAWAY
 * ENHANCE_YOUR_CALM, its socket too. A session that closes or fails for any
 * reason also has its socket destroyed after a short grace, so a torn-down
 * session never keeps one.
 */
export function guardSession(
  session: ServerHttp2Session,
  socket: Socket,
  limits: ResetLimits,
  budget: ResetBudget,
  onAbusive: () => void,
): void {
  const floodBurst = Math.min(limits.burst, limits.floodBurst ?? DEFAULT_FLOOD_BURST);
  let tokens = limits.burst;
  let last = performance.now();
  let condemned = false;
  let timer: NodeJS.Timeout | undefined;
  const destroySoon = (): void => {
    if (timer !== undefined || socket.destroyed) return;
    timer = setTimeout(() => socket.destroy(), SOCKET_GRACE_MS);
    timer.unref();
  };
  const onReset = (): void => {
    if (condemned) return;
    const now = performance.now();
    tokens = Math.min(limits.burst, tokens + ((now - last) * limits.perSecond) / 1000);
    last = now;
    const flooded = budget.spend(now);
    if (--tokens >= (flooded ? limits.burst - floodBurst : 0)) return;
    condemned = true;
    onAbusive();
    destroySoon();
    // This runs inside nghttp2's frame callback, with the rest of the socket
    // read still to parse. A closed session refuses the streams it holds
    // before JavaScript makes objects for them, and with reading stopped no
    // further read is parsed. Destroying the session here would reset its
    // other streams, making Node send from nghttp2 while it still parses
    // (Node 20 then loops writing frames until it dies out of memory): that
    // waits for the next turn.
    try {
      session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
      session.close();
    } catch {
      // Already closing (by Node's own guard, say): the socket goes all the same.
    }
    (socket as unknown as { _handle?: ReadableHandle })._handle?.readStop?.();
    setImmediate(condemn, session);
  };
  // Node emits 'aborted' at most once per stream: a plain listener does, without a once wrapper per stream.
  session.on('stream', (stream: ServerHttp2Stream) => stream.on('aborted', onReset));
  session.once('close', destroySoon);
  session.on('error', destroySoon);
  socket.once('close', () => clearTimeout(timer));
}

// condemn ends a session that flooded resets: destroy sends the final GOAWAY
// and closes the socket, even when Node's own guard already ended the session.
function condemn(session: ServerHttp2Session): void {
  if (!session.destroyed) session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM);
}

/**
 * sessionOf returns the HTTP/2 session grpc-js made for `socket`, if it has
 * made it yet. grpc-js does not expose its sessions, so this reads the
 * sessions it keeps per HTTP/2 server (with channelz on or off) and matches
 * the session's peer address and port.
 */
export function sessionOf(server: object, socket: Socket): ServerHttp2Session | undefined {
  const servers = (server as { http2Servers?: unknown }).http2Servers;
  if (!(servers instanceof Map)) return undefined;
  const port = socket.remotePort;
  const address = socket.remoteAddress;
  for (const info of servers.values() as Iterable<{ sessions?: unknown }>) {
    if (!(info.sessions instanceof Set)) continue;
    // Newest first: a plaintext session is made at injection, so it is the last one.
    const all = [...info.sessions] as ServerHttp2Session[];
    for (let i = all.length - 1; i >= 0; i--) {
      const peer = (all[i] as ServerHttp2Session).socket;
      if (peer?.remotePort === port && peer.remoteAddress === address) return all[i];
    }
  }
  return undefined;
}

// A TLS session exists only once the handshake is done: look again a few times.
const LOOKUP_RETRIES_MS = [20, 100, 500, 2000, 10_000];

/** watchSocket guards the session grpc-js makes for `socket`, as soon as it exists. */
export function watchSocket(server: object, socket: Socket, limits: ResetLimits, budget: ResetBudget, onAbusive: () => void, attempt = 0): void {
  if (socket.destroyed) return;
  const session = sessionOf(server, socket);
  if (session !== undefined) {
    guardSession(session, socket, limits, budget, onAbusive);
    return;
  }
  const wait = LOOKUP_RETRIES_MS[attempt];
  if (wait === undefined) return;
  setTimeout(() => watchSocket(server, socket, limits, budget, onAbusive, attempt + 1), wait).unref();
}
