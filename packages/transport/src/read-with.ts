import { Code } from './status.js';
import { StatusError } from './status-error.js';

/** asIs and rethrow are the continuations that make readWith() a plain read(). */
export const asIs = (message: Uint8Array | null): Uint8Array | null => message;
export const rethrow = (err: StatusError): StatusError => err;

/** readAlreadyPending is what a second read rejects with while one is pending: streams have one reader. */
export function readAlreadyPending(): StatusError {
  return new StatusError(Code.FAILED_PRECONDITION, 'read() called while another read() is pending');
}

/**
 * settledWith is a read's promise for a message already at hand (null at a
 * clean end): what onMessage returns for it, or what onMessage threw.
 */
export function settledWith<T, C>(onMessage: (this: C, message: Uint8Array | null) => T, self: C, message: Uint8Array | null): Promise<T> {
  try {
    return Promise.resolve(onMessage.call(self, message));
  } catch (err) {
    return Promise.reject(err);
  }
}

/** settledIn is settledWith for a reader in place (see ReadIn): the message is bytes[start, end), or bytes is null at a clean end. */
export function settledIn<T, C>(
  onMessage: (this: C, bytes: Uint8Array | null, start: number, end: number) => T,
  self: C,
  bytes: Uint8Array | null,
  start: number,
  end: number,
): Promise<T> {
  try {
    return Promise.resolve(onMessage.call(self, bytes, start, end));
  } catch (err) {
    return Promise.reject(err);
  }
}

/**
 * PendingRead is where a reader keeps its one pending read, as fields of its
 * own rather than an object per read: the read's settle functions and the
 * continuations readWith() applies in place.
 */
export interface PendingRead {
  resolveRead: ((value: unknown) => void) | undefined;
  rejectRead: ((err: unknown) => void) | undefined;
  /** A continuation of readWith (the message alone) or of ReadIn (bytes, start, end); the holder knows which it parked. */
  onReadMessage: ((this: unknown, message: Uint8Array | null, start: number, end: number) => unknown) | undefined;
  onReadFailure: ((this: unknown, err: StatusError) => unknown) | undefined;
  readSelf: unknown;
}

/** parkRead makes holder's pending read; settleRead ends it. */
export function parkRead<T, C>(
  holder: PendingRead,
  onMessage: (this: C, message: Uint8Array | null, start: number, end: number) => T,
  onFailure: (this: C, err: StatusError) => unknown,
  self: C,
): Promise<T> {
  holder.onReadMessage = onMessage as PendingRead['onReadMessage'];
  holder.onReadFailure = onFailure as PendingRead['onReadFailure'];
  holder.readSelf = self;
  parking = holder;
  const read = new Promise(keepSettlers) as Promise<T>;
  parking = undefined;
  return read;
}

// The holder parkRead is making a read for. The executor runs at once,
// inside the Promise constructor, so one shared function serves every read
// rather than a closure per read, which a stream makes per message.
let parking: PendingRead | undefined;

function keepSettlers(resolve: (value: unknown) => void, reject: (err: unknown) => void): void {
  const holder = parking as PendingRead;
  holder.resolveRead = resolve;
  holder.rejectRead = reject;
}

/** settleRead ends holder's pending read with a message (null at a clean end) or with err. */
export function settleRead(holder: PendingRead, message: Uint8Array | null, err: StatusError | undefined): void {
  settle(holder, message, 0, 0, err);
}

/** settleReadIn ends a pending read parked by a reader in place (see ReadIn) with the message bytes[start, end). */
export function settleReadIn(holder: PendingRead, bytes: Uint8Array, start: number, end: number): void {
  settle(holder, bytes, start, end, undefined);
}

// settle hands the continuation start and end as well: a plain reader's
// continuation takes the message alone and never sees them.
function settle(holder: PendingRead, bytes: Uint8Array | null, start: number, end: number, err: StatusError | undefined): void {
  const resolve = holder.resolveRead as (value: unknown) => void;
  const reject = holder.rejectRead as (err: unknown) => void;
  const onMessage = holder.onReadMessage as (this: unknown, bytes: Uint8Array | null, start: number, end: number) => unknown;
  const onFailure = holder.onReadFailure as (this: unknown, err: StatusError) => unknown;
  const self = holder.readSelf;
  holder.resolveRead = holder.rejectRead = holder.onReadMessage = holder.onReadFailure = holder.readSelf = undefined;
  if (err !== undefined) return reject(onFailure.call(self, err));
  let value: unknown;
  try {
    value = onMessage.call(self, bytes, start, end);
  } catch (thrown) {
    return reject(thrown);
  }
  resolve(value);
}
