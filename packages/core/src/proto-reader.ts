import protobuf from 'protobufjs';

/**
 * readerOf is a protobufjs reader of the message bytes[start, end), read
 * where it lies rather than through a view of its own: every bounds check
 * of the reader stops at `end`, as it stops at the end of a view, so a
 * malformed message fails the same way and never reads the bytes after it.
 */
export function readerOf(bytes: Uint8Array, start: number, end: number): protobuf.Reader {
  const reader = protobuf.Reader.create(bytes);
  reader.pos = start;
  reader.len = end;
  return reader;
}
