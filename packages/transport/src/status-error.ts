import { Metadata } from './metadata.js';
import { Code, codeName } from './status.js';

/**
 * Status is how a call ended: a code, a message for humans and the trailers
 * that travelled with it.
 */
export interface Status {
  readonly code: Code;
  readonly message: string;
  readonly metadata: Metadata;
  /**
   * True when the peer never started on the call (it refused the stream while
   * going away), so it is safe to send again, to this node or another.
   */
  readonly unprocessed?: boolean;
}

/**
 * DEADLINE_EXCEEDED_TEXT is the message of a call that outlived its deadline,
 * the same on every transport and on both sides.
 */
export const DEADLINE_EXCEEDED_TEXT = 'deadline exceeded';

/** TOO_MANY_REPLIES_TEXT is the message of a unary call ended INTERNAL because its server sent a second reply. */
export const TOO_MANY_REPLIES_TEXT = 'the server sent more than one reply to a call that takes one';

/**
 * StatusError is the one error a transport raises: a call that ended with a
 * non-OK status, locally (deadline, cancel, dead connection) or from the peer.
 * Core turns it into a MicroError at its boundary.
 */
export class StatusError extends Error {
  override readonly name = 'StatusError';
  readonly code: Code;
  readonly metadata: Metadata;
  /** See Status.unprocessed. */
  readonly unprocessed: boolean;

  constructor(code: Code, message: string, metadata?: Metadata, options?: { cause?: unknown; unprocessed?: boolean }) {
    super(message, options);
    this.code = code;
    this.metadata = metadata ?? new Metadata();
    this.unprocessed = options?.unprocessed ?? false;
  }

  /** status returns this error as a Status to put on the wire. */
  get status(): Status {
    return this.unprocessed
      ? { code: this.code, message: this.message, metadata: this.metadata, unprocessed: true }
      : { code: this.code, message: this.message, metadata: this.metadata };
  }

  override toString(): string {
    return `${codeName(this.code)}: ${this.message}`;
  }
}

/** isStatusError tells a StatusError from any other value, across module copies. */
export function isStatusError(err: unknown): err is StatusError {
  return err instanceof StatusError || (err instanceof Error && err.name === 'StatusError' && typeof (err as StatusError).code === 'number');
}

/**
 * writeAfterCloseSend is what a client's write() rejects with once it
 * half-closed: a mistake of the caller, the same on every transport, and not
 * one a retry would mend.
 */
export function writeAfterCloseSend(): StatusError {
  return new StatusError(Code.FAILED_PRECONDITION, 'write() after closeSend()');
}
