/**
 * readThen is a read on a transport stream without `readWith`: read()'s
 * promise with the same continuations `readWith` takes, `onBytes` for a
 * message (null at the clean end) and `onFailure` for what to throw, both
 * called with `self` as `this`. It is a function of its own so that the
 * callers' per-message read paths make no closure context (V8 makes one on
 * every entry to a function holding closures).
 */
export function readThen<C, T>(
  read: Promise<Uint8Array | null>,
  onBytes: (this: C, bytes: Uint8Array | null) => T,
  onFailure: (this: C, err: unknown) => unknown,
  self: C,
): Promise<T> {
  return read.then(
    (bytes) => onBytes.call(self, bytes),
    (err: unknown) => {
      throw onFailure.call(self, err);
    },
  );
}
