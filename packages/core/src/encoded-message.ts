import type { EncodedMessage } from '@tsmicro/transport';
import type protobuf from 'protobufjs';

// One step of a protobufjs Writer's plan: write `val` at buf[pos], `len` bytes.
interface WriterOp {
  fn(val: unknown, buf: Buffer, pos: number): void;
  readonly len: number;
  readonly val: unknown;
  readonly next: WriterOp | undefined;
}

/**
 * WriterMessage is an encoded message still held as protobufjs's plan of
 * writes: a transport that lays messages out in its write batch runs the
 * plan there, as Writer.finish() runs it into a buffer of its own, sparing
 * that buffer and a copy per message. The plan holds the message's own
 * strings and byte arrays, so it is laid out before the caller gets control
 * back (ServerCall.send does both in one call).
 */
export class WriterMessage implements EncodedMessage {
  constructor(private readonly writer: protobuf.Writer) {}

  get byteLength(): number {
    return this.writer.len;
  }

  encodeInto(target: Buffer, offset: number): void {
    // The head is a no-op; the plan writes exactly byteLength bytes.
    let op = (this.writer.head as WriterOp).next;
    let pos = offset;
    while (op !== undefined) {
      op.fn(op.val, target, pos);
      pos += op.len;
      op = op.next;
    }
  }
}
