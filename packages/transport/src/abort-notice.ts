import type { StatusError } from './status-error.js';
import type { AbortListener } from './transport.js';

/**
 * AbortNotice is a call's "it can no longer complete" event, told once with
 * a StatusError. It serves a single listener (the framework's own) without
 * an AbortController, which costs as much as the rest of a short call put
 * together; the AbortSignal is made only when someone asks for it.
 */
export class AbortNotice {
  // Declared and set in the constructor: class field initializers run as a
  // function of their own, a measurable share of making one per call.
  private declare reason_: StatusError | undefined;
  private declare controller: AbortController | undefined;
  private declare listener: AbortListener | undefined;
  private declare listenerSelf: unknown;

  constructor() {
    this.reason_ = undefined;
    this.controller = undefined;
    this.listener = undefined;
    this.listenerSelf = undefined;
  }

  /** The error the call was aborted with, once it was. */
  get reason(): StatusError | undefined {
    return this.reason_;
  }

  /** signal is an AbortSignal that aborts with the same reason. */
  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.reason_ !== undefined) this.controller.abort(this.reason_);
    }
    return this.controller.signal;
  }

  /**
   * listen sets the one listener, called with `self` as `this` (undefined
   * removes it); one set after the abort is called on a microtask.
   */
  listen<C>(listener: AbortListener<C> | undefined, self?: C): void {
    const reason = this.reason_;
    if (reason !== undefined && listener !== undefined) {
      tellSoon(listener, self as C, reason);
      return;
    }
    this.listener = listener as AbortListener | undefined;
    this.listenerSelf = self;
  }

  /** abort tells the listener and the signal once; later calls do nothing. */
  abort(reason: StatusError): void {
    if (this.reason_ !== undefined) return;
    this.reason_ = reason;
    const listener = this.listener;
    const self = this.listenerSelf;
    this.listener = undefined;
    this.listenerSelf = undefined;
    this.controller?.abort(reason);
    listener?.call(self, reason);
  }
}

// tellSoon tells a listener set after the abort, on a microtask. Apart from
// listen() so that listen, called per call, makes no closure context (V8
// makes one on every entry to a function holding closures).
function tellSoon<C>(listener: AbortListener<C>, self: C, reason: StatusError): void {
  queueMicrotask(() => listener.call(self, reason));
}
