import { Code, codeName, isStatusError, Metadata, type Status, StatusError } from '@tsmicro/transport';

/**
 * MicroError is every error that crosses the wire: a gRPC status code, a
 * detail for humans, the id of the service that raised it and the trailers
 * that came with it. Handlers throw it to choose a status; anything else they
 * throw becomes UNKNOWN with a generic detail, so no stack leaks to peers.
 */
export class MicroError extends Error {
  override readonly name = 'MicroError';
  readonly code: Code;
  readonly detail: string;
  /** Service (or "tsmicro") that raised the error. */
  readonly id: string;
  readonly metadata: Metadata;

  constructor(code: Code, detail: string, options?: { id?: string; metadata?: Metadata; cause?: unknown }) {
    super(`${codeName(code)}: ${detail}`, { cause: options?.cause });
    this.code = code;
    this.detail = detail;
    this.id = options?.id ?? 'tsmicro';
    this.metadata = options?.metadata ?? new Metadata();
  }

  /** status is the upper-case name of the code, "NOT_FOUND", as go-micro's Status. */
  get status(): string {
    return codeName(this.code);
  }

  /**
   * from turns anything caught at a boundary into a MicroError. Transport
   * StatusErrors keep their code; unknown errors become UNKNOWN and keep only
   * a generic detail (the original stays in `cause` for local logs).
   */
  static from(err: unknown, fallback: Code = Code.UNKNOWN): MicroError {
    if (err instanceof MicroError) return err;
    if (isStatusError(err)) return new MicroError(err.code, err.message, { metadata: err.metadata, cause: err });
    if (isAbortError(err)) return new MicroError(Code.CANCELLED, 'call cancelled', { cause: err });
    return new MicroError(fallback, fallback === Code.UNKNOWN ? 'handler failed' : codeName(fallback).toLowerCase(), {
      cause: err,
    });
  }

  /** toStatus gives what goes on the wire. */
  toStatus(): Status {
    return { code: this.code, message: this.detail, metadata: this.metadata };
  }

  /** toStatusError gives the transport-level form, for code handing errors to a transport. */
  toStatusError(): StatusError {
    return new StatusError(this.code, this.detail, this.metadata);
  }
}

/** isMicroError tells MicroErrors apart, also across duplicated module copies. */
export function isMicroError(err: unknown): err is MicroError {
  return err instanceof MicroError || (err instanceof Error && err.name === 'MicroError' && 'code' in err);
}

function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}

// Helpers named after the codes handlers reach for most, as go-micro's errors package.
/** badRequest: INVALID_ARGUMENT. */
export const badRequest = (detail: string) => new MicroError(Code.INVALID_ARGUMENT, detail);
/** notFound: NOT_FOUND. */
export const notFound = (detail: string) => new MicroError(Code.NOT_FOUND, detail);
/** internalError: INTERNAL. */
export const internalError = (detail: string) => new MicroError(Code.INTERNAL, detail);
/** unavailable: UNAVAILABLE. */
export const unavailable = (detail: string) => new MicroError(Code.UNAVAILABLE, detail);
