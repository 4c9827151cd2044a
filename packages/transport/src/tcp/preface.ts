import { TcpProtocolError } from './protocol-error.js';

/** PROTOCOL_VERSION is the one version of the wire format this code speaks. */
export const PROTOCOL_VERSION = 1;

/** MAGIC opens every preface: "TSMC". */
export const MAGIC = Buffer.from('TSMC', 'latin1');

/** SettingId numbers the handshake settings; unknown ids are ignored. */
export const SettingId = {
  MAX_FRAME_SIZE: 1,
  MAX_CONCURRENT_STREAMS: 2,
  INITIAL_WINDOW_SIZE: 3,
  CONNECTION_WINDOW_SIZE: 4,
  MAX_METADATA_SIZE: 5,
  OK_END_ON_DATA: 6,
} as const;

/** Settings are what one side announces about what it accepts. */
export interface Settings {
  /** Largest frame payload this side accepts. */
  readonly maxFrameSize: number;
  /** Most streams this side lets the peer open at once. */
  readonly maxConcurrentStreams: number;
  /** Bytes the peer may send on a new stream before it must wait for WINDOW_UPDATE. */
  readonly initialWindowSize: number;
  /** Bytes the peer may send on the whole connection before it must wait. */
  readonly connectionWindowSize: number;
  /** Largest metadata block this side accepts in HEADERS or TRAILERS. */
  readonly maxMetadataSize: number;
  /**
   * 1 when this side, as a client, takes END_STREAM on the server's last
   * DATA frame as the end of the call with status OK and no trailers; the
   * server may then spare such calls their TRAILERS frame. 0 (the default,
   * what peers that predate it stand for): every call ends with TRAILERS.
   */
  readonly okEndOnData: number;
}

/** DEFAULT_SETTINGS are assumed for any setting a peer does not announce. */
export const DEFAULT_SETTINGS: Settings = {
  maxFrameSize: 256 * 1024,
  maxConcurrentStreams: 100_000,
  initialWindowSize: 1024 * 1024,
  connectionWindowSize: 16 * 1024 * 1024,
  maxMetadataSize: 64 * 1024,
  okEndOnData: 0,
};

/** SETTING_LIMITS are the accepted ranges; a value outside them is a protocol error. */
const LIMITS: Record<keyof Settings, readonly [number, number]> = {
  maxFrameSize: [1024, 16 * 1024 * 1024],
  maxConcurrentStreams: [1, 0x7fffffff],
  initialWindowSize: [1024, 0x7fffffff],
  connectionWindowSize: [1024, 0x7fffffff],
  maxMetadataSize: [64, 16 * 1024 * 1024],
  okEndOnData: [0, 1],
};

const FIELDS: ReadonlyArray<readonly [number, keyof Settings]> = [
  [SettingId.MAX_FRAME_SIZE, 'maxFrameSize'],
  [SettingId.MAX_CONCURRENT_STREAMS, 'maxConcurrentStreams'],
  [SettingId.INITIAL_WINDOW_SIZE, 'initialWindowSize'],
  [SettingId.CONNECTION_WINDOW_SIZE, 'connectionWindowSize'],
  [SettingId.MAX_METADATA_SIZE, 'maxMetadataSize'],
  [SettingId.OK_END_ON_DATA, 'okEndOnData'],
];

/** checkSettings throws a RangeError naming the first setting outside its accepted range. */
export function checkSettings(s: Settings): Settings {
  for (const [, name] of FIELDS) {
    const [lo, hi] = LIMITS[name];
    const v = s[name];
    if (!Number.isInteger(v) || v < lo || v > hi) throw new RangeError(`tcp setting ${name} must be an integer in ${lo}..${hi}, got ${v}`);
  }
  return s;
}

/** encodePreface lays out the handshake: magic, version u8, count u8, then (id u16, value u32) per setting. */
export function encodePreface(s: Settings): Buffer {
  const b = Buffer.allocUnsafe(6 + FIELDS.length * 6);
  MAGIC.copy(b, 0);
  b[4] = PROTOCOL_VERSION;
  b[5] = FIELDS.length;
  let o = 6;
  for (const [id, name] of FIELDS) {
    b.writeUInt16BE(id, o);
    b.writeUInt32BE(s[name], o + 2);
    o += 6;
  }
  return b;
}

/** PrefaceResult is a parsed preface and how many bytes it took. */
export interface PrefaceResult {
  readonly settings: Settings;
  readonly length: number;
}

/**
 * decodePreface parses a preface from the start of `b`: null while more bytes
 * are needed, a TcpProtocolError as soon as the bytes cannot be a preface
 * (so a TLS hello or an HTTP request is rejected on its first bytes).
 */
export function decodePreface(b: Buffer): PrefaceResult | null {
  const n = Math.min(b.length, MAGIC.length);
  for (let i = 0; i < n; i++) {
    if (b[i] !== MAGIC[i]) throw new TcpProtocolError('peer does not speak the tsmicro tcp protocol (bad magic)');
  }
  if (b.length < 6) return null;
  if (b[4] !== PROTOCOL_VERSION) throw new TcpProtocolError(`peer speaks tcp protocol version ${b[4]}, this side only ${PROTOCOL_VERSION}`);
  const count = b[5] as number;
  const length = 6 + count * 6;
  if (b.length < length) return null;
  const out: Record<keyof Settings, number> = { ...DEFAULT_SETTINGS };
  for (let o = 6; o < length; o += 6) {
    const id = b.readUInt16BE(o);
    const field = FIELDS.find(([fid]) => fid === id);
    if (field !== undefined) out[field[1]] = b.readUInt32BE(o + 2);
  }
  try {
    return { settings: checkSettings(out), length };
  } catch (err) {
    throw new TcpProtocolError((err as Error).message);
  }
}
