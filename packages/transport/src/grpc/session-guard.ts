import { type ServerHttp2Session, type ServerHttp2Stream, constants } from 'node:http2';
import type { Socket } from 'node:net';

/** ResetLimits bound the streams one client connection may reset: a token bucket. */
export interface ResetLimits {
  /** Resets allowed at once. */
  readonly burst: number;
  /** Resets allowed per second once the burst is spent. */
  readonly perSecond: number;
}

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
  return l;
}

/** How long a session's socket may outlive the session (or the GOAWAY that ends it). */
const SOCKET_GRACE_MS = 500;

/**
 * guardSession watches one server session on `socket`. It counts streams the
 * client aborts against `limits`; past them `onAbusive` runs and the session
 * is destroyed with a final GOAWAY ENHANCE_YOUR_CALM, its socket too. A
 * session that closes or fails for any reason also has its socket destroyed
 * after a short grace, so a torn-down session never keeps one.
 */
export function guardSession(session: ServerHttp2Session, socket: Socket, limits: ResetLimits, onAbusive: () => void): void {
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
    if (--tokens >= 0) return;
    condemned = true;
    onAbusive();
    destroySoon();
    // Not here: this runs inside nghttp2's frame callback, and destroying the
    // session resets its other streams, which makes Node send from nghttp2
    // while it still parses (Node 20 then loops writing frames until it dies
    // out of memory). Once the frames already read are parsed, it is safe.
    setImmediate(condemn, session);
  };
  session.on('stream', (stream: ServerHttp2Stream) => stream.once('aborted', onReset));
  session.once('close', destroySoon);
  session.on('error', destroySoon);
  socket.once('close', () => clearTimeout(timer));
}

// condemn ends a session that flooded resets: the GOAWAY says why; destroy
// closes the socket, even when Node's own guard already ended the session.
function condemn(session: ServerHttp2Session): void {
  if (session.destroyed) return;
  try {
    session.goaway(constants.NGHTTP2_ENHANCE_YOUR_CALM);
  } catch {
    // Already closing (by Node's own guard, say): the socket goes all the same.
  }
  session.destroy(undefined, constants.NGHTTP2_ENHANCE_YOUR_CALM);
}

/**
 * sessionOf returns the HTTP/2 session grpc-js made for `socket`, if it has
 * made it yet. grpc-js does not expose its sessions, so this reads its field
 * and matches the session's peer address and port.
 */
export function sessionOf(server: object, socket: Socket): ServerHttp2Session | undefined {
  const sessions = (server as { sessions?: unknown }).sessions;
  if (!(sessions instanceof Map)) return undefined;
  const port = socket.remotePort;
  const address = socket.remoteAddress;
  // Newest first: a plaintext session is made at injection, so it is the last one.
  const all = [...sessions.keys()] as ServerHttp2Session[];
  for (let i = all.length - 1; i >= 0; i--) {
    const peer = (all[i] as ServerHttp2Session).socket;
    if (peer?.remotePort === port && peer.remoteAddress === address) return all[i];
  }
  return undefined;
}

// A TLS session exists only once the handshake is done: look again a few times.
const LOOKUP_RETRIES_MS = [20, 100, 500, 2000, 10_000];

/** watchSocket guards the session grpc-js makes for `socket`, as soon as it exists. */
export function watchSocket(server: object, socket: Socket, limits: ResetLimits, onAbusive: () => void, attempt = 0): void {
  if (socket.destroyed) return;
  const session = sessionOf(server, socket);
  if (session !== undefined) {
    guardSession(session, socket, limits, onAbusive);
    return;
  }
  const wait = LOOKUP_RETRIES_MS[attempt];
  if (wait === undefined) return;
  setTimeout(() => watchSocket(server, socket, limits, onAbusive, attempt + 1), wait).unref();
}
