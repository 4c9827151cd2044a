import fc from 'fast-check';
import { Flag, FrameType, NO_TIMEOUT, encodeCodeMessage, encodeFrame, encodeHeadersPayload, encodeWindowUpdate } from '../../../packages/transport/src/tcp/frame.js';
import { DEFAULT_SETTINGS, encodePreface } from '../../../packages/transport/src/tcp/preface.js';

/**
 * FuzzInput describes one hostile or broken thing a peer sends after the
 * preface. Inputs that name a stream use the connection's next (or newest)
 * client stream id when rendered, so well-formed parts get past the id checks
 * and reach the code behind them.
 */
export type FuzzInput =
  | { readonly kind: 'bytes'; readonly bytes: Uint8Array }
  | { readonly kind: 'call'; readonly method: number; readonly body: Uint8Array; readonly end: boolean; readonly timeoutMs: number }
  | { readonly kind: 'flipped'; readonly frame: FuzzInput; readonly flips: readonly number[] }
  | { readonly kind: 'absurd'; readonly id: number; readonly type: number; readonly length: number }
  | { readonly kind: 'unknown'; readonly type: number; readonly payload: Uint8Array }
  | { readonly kind: 'data0'; readonly payload: Uint8Array }
  | { readonly kind: 'metadata'; readonly block: Uint8Array }
  | { readonly kind: 'window'; readonly onConnection: boolean; readonly increment: number }
  | { readonly kind: 'data'; readonly flags: number; readonly payload: Uint8Array }
  | { readonly kind: 'reset'; readonly code: number }
  | { readonly kind: 'ping'; readonly ack: boolean };

const METHODS = ['/greeter.Greeter/SayHello', '/greeter.Greeter/ClientStream', '/greeter.Greeter/AllStream', '/greeter.Greeter/ServerStream', '/no.Such/Method'];

/** FuzzState is what rendering remembers about one connection: its stream ids. */
export interface FuzzState {
  nextId: number;
}

/** newFuzzState starts a connection's stream ids at 1. */
export function newFuzzState(): FuzzState {
  return { nextId: 1 };
}

// A protobuf field 1 (string) holding `text`: a HelloRequest or StreamRequestData.
function request(body: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x0a, body.length & 0x7f]), body.subarray(0, body.length & 0x7f)]);
}

const newest = (s: FuzzState): number => Math.max(1, s.nextId - 2);

/** renderFuzzInput lays one input out as the bytes a peer would write. */
export function renderFuzzInput(input: FuzzInput, s: FuzzState): Buffer {
  switch (input.kind) {
    case 'bytes':
      return Buffer.from(input.bytes);
    case 'call': {
      const id = s.nextId;
      s.nextId += 2;
      const headers = encodeFrame(id, FrameType.HEADERS, 0, encodeHeadersPayload(input.timeoutMs, METHODS[input.method % METHODS.length] as string, '', Buffer.from([0, 0])));
      const data = encodeFrame(id, FrameType.DATA, Flag.END_MESSAGE | (input.end ? Flag.END_STREAM : 0), request(input.body));
      return Buffer.concat([headers, data]);
    }
    case 'flipped': {
      const b = renderFuzzInput(input.frame, s);
      for (const f of input.flips) b[(f >>> 3) % b.length] = (b[(f >>> 3) % b.length] as number) ^ (1 << (f & 7));
      return b;
    }
    case 'absurd': {
      const b = Buffer.allocUnsafe(10);
      b.writeUInt32BE(input.id, 0);
      b[4] = input.type;
      b[5] = 0;
      b.writeUInt32BE(input.length, 6);
      return b;
    }
    case 'unknown':
      return encodeFrame(newest(s), input.type, 0, input.payload);
    case 'data0':
      return encodeFrame(0, FrameType.DATA, Flag.END_MESSAGE, input.payload);
    case 'metadata': {
      const id = s.nextId;
      s.nextId += 2;
      const payload = Buffer.concat([encodeHeadersPayload(NO_TIMEOUT, METHODS[0] as string, '', Buffer.alloc(0)), input.block]);
      return encodeFrame(id, FrameType.HEADERS, 0, payload);
    }
    case 'window':
      return encodeWindowUpdate(input.onConnection ? 0 : newest(s), input.increment);
    case 'data':
      return encodeFrame(newest(s), FrameType.DATA, input.flags, input.payload);
    case 'reset':
      return encodeFrame(newest(s), FrameType.RST, 0, encodeCodeMessage(input.code, 'fuzz'));
    case 'ping':
      return encodeFrame(0, FrameType.PING, input.ack ? Flag.ACK : 0, Buffer.alloc(8));
  }
}

const smallBytes = fc.uint8Array({ minLength: 0, maxLength: 48 });

const wellFormed: fc.Arbitrary<FuzzInput> = fc.oneof(
  fc.record({
    kind: fc.constant('call' as const),
    method: fc.nat(9),
    body: smallBytes,
    end: fc.boolean(),
    timeoutMs: fc.oneof(fc.constant(NO_TIMEOUT), fc.integer({ min: 0, max: 2000 })),
  }),
  fc.record({ kind: fc.constant('data' as const), flags: fc.nat(3), payload: smallBytes }),
  fc.record({ kind: fc.constant('reset' as const), code: fc.nat(20) }),
  fc.record({ kind: fc.constant('ping' as const), ack: fc.boolean() }),
  fc.record({ kind: fc.constant('window' as const), onConnection: fc.boolean(), increment: fc.integer({ min: 1, max: 65536 }) }),
);

/**
 * fuzzInput generates the hostile inputs: random bytes, bit-flipped valid
 * frames, absurd lengths, unknown types, DATA on stream 0, malformed metadata
 * blocks and window overflows, mixed with well-formed calls and control frames.
 */
export const fuzzInput: fc.Arbitrary<FuzzInput> = fc.oneof(
  { arbitrary: wellFormed, weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('bytes' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('flipped' as const), frame: wellFormed, flips: fc.array(fc.nat(4096), { minLength: 1, maxLength: 3 }) }), weight: 2 },
  {
    arbitrary: fc.record({
      kind: fc.constant('absurd' as const),
      id: fc.nat(),
      type: fc.nat(255),
      length: fc.integer({ min: DEFAULT_SETTINGS.maxFrameSize + 1, max: 0xffffffff }),
    }),
    weight: 1,
  },
  { arbitrary: fc.record({ kind: fc.constant('unknown' as const), type: fc.integer({ min: 7, max: 255 }), payload: smallBytes }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('data0' as const), payload: smallBytes }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('metadata' as const), block: fc.uint8Array({ minLength: 1, maxLength: 40 }) }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('window' as const), onConnection: fc.boolean(), increment: fc.integer({ min: 0x7fff0000, max: 0xffffffff }) }),
    weight: 1,
  },
);

/** PREFACE is a client preface with the default settings. */
export const PREFACE = encodePreface(DEFAULT_SETTINGS);

/** fuzzConnectionBytes renders a list of inputs as what one connection writes after its preface. */
export function fuzzConnectionBytes(inputs: readonly FuzzInput[]): Buffer {
  const s = newFuzzState();
  return Buffer.concat(inputs.map((i) => renderFuzzInput(i, s)));
}
