import { Metadata } from '@tsmicro/transport';
import { ContextValues } from './interceptor/context-values.js';

/**
 * Context carries one call's request headers, deadline and cancellation into
 * a handler, and the response headers and trailers back out. Pass it as
 * `{ ctx }` to downstream calls so the deadline and cancellation follow.
 */
export class Context {
  // Fields are declared and set in the constructor rather than initialized
  // as class fields, which the engine runs as a function of their own: every
  // incoming call makes a context.
  private declare metadata_: Metadata | undefined;
  /** Absolute deadline (ms since the epoch), if the caller set one. */
  readonly declare deadline: number | undefined;
  private declare signal_: AbortSignal | (() => AbortSignal) | undefined;
  /** "greeter.Greeter" */
  readonly declare service: string;
  /** "SayHello" */
  readonly declare method: string;
  private readonly declare peer_: string;
  // Made on first use: most calls set neither, and a long-lived stream keeps its context.
  private declare header_: Metadata | undefined;
  private declare trailer_: Metadata | undefined;
  private declare values_: ContextValues | undefined;

  constructor(init: {
    metadata?: Metadata;
    deadline?: number;
    /** The signal, or a function making it on first use (most handlers never look). */
    signal?: AbortSignal | (() => AbortSignal);
    service?: string;
    method?: string;
    peer?: string;
    /** Values this context starts with (its own, or read through to a parent's). */
    values?: ContextValues;
  }) {
    this.metadata_ = init.metadata;
    this.deadline = init.deadline;
    this.signal_ = init.signal;
    this.service = init.service ?? '';
    this.method = init.method ?? '';
    this.peer_ = init.peer ?? '';
    this.header_ = undefined;
    this.trailer_ = undefined;
    this.values_ = init.values;
  }

  /**
   * Typed values of this call (see createContextKey): what interceptors
   * learned, such as the caller's principal. Downstream calls made with
   * `{ ctx }` read through to them.
   */
  get values(): ContextValues {
    this.values_ ??= new ContextValues();
    return this.values_;
  }

  /** hasValues tells whether any value holder was made, without making one. */
  get hasValues(): boolean {
    return this.values_ !== undefined;
  }

  /** Request headers. */
  get metadata(): Metadata {
    this.metadata_ ??= new Metadata();
    return this.metadata_;
  }

  /** Address of the caller. */
  get peer(): string {
    return this.peer_;
  }

  /** Aborts when the caller cancels, the deadline passes, or the connection dies. */
  get signal(): AbortSignal {
    if (typeof this.signal_ === 'function') this.signal_ = this.signal_();
    // A context nothing can cancel still hands out a signal, one that never aborts.
    this.signal_ ??= new AbortController().signal;
    return this.signal_;
  }

  /** Headers to send back; sent before the first message or with the status. */
  get responseHeader(): Metadata {
    this.header_ ??= new Metadata();
    return this.header_;
  }

  /** Trailers to send back with the status. */
  get responseTrailer(): Metadata {
    this.trailer_ ??= new Metadata();
    return this.trailer_;
  }

  /** hasResponseTrailer tells whether any trailer was set, without making the holder. */
  get hasResponseTrailer(): boolean {
    return this.trailer_ !== undefined && this.trailer_.size > 0;
  }

  /** hasResponseHeader tells whether any response header was set, without making the holder. */
  get hasResponseHeader(): boolean {
    return this.header_ !== undefined && this.header_.size > 0;
  }

  /** setHeader sets a response header (before the first message is sent). */
  setHeader(key: string, value: string | Uint8Array): void {
    this.responseHeader.set(key, value);
  }

  /** setTrailer sets a trailer, sent with the final status. */
  setTrailer(key: string, value: string | Uint8Array): void {
    this.responseTrailer.set(key, value);
  }

  /** timeRemaining is the milliseconds left before the deadline (Infinity without one). */
  timeRemaining(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : Math.max(0, this.deadline - Date.now());
  }

  /** background is a context with no deadline and no cancellation, for calls outside any handler. */
  static background(): Context {
    return new Context({});
  }
}
