import { AbortNotice } from '../abort-notice.js';
import { Metadata } from '../metadata.js';
import { MessageQueue } from '../message-queue.js';
import { Code } from '../status.js';
import { DEADLINE_EXCEEDED_TEXT, type Status, StatusError, writeAfterCloseSend } from '../status-error.js';
import type { ClientStream, ServerStream } from '../transport.js';

/** What a write after an OK end rejects with: the call is over, and OK. */
const ENDED_OK = new StatusError(Code.OK, 'the call has ended');

/** Messages buffered per direction before write() waits: the in-process flow-control window. */
const WINDOW_MESSAGES = 16;

/**
 * MemoryCall joins the two ends of one in-process call. Both sides see the
 * same semantics as on a socket: bounded queues each way, headers, a final
 * status, cancellation that reaches the other side.
 */
export class MemoryCall {
  readonly client: ClientStream;
  readonly server: ServerStream;
  private readonly requests = new MessageQueue(WINDOW_MESSAGES);
  private readonly responses = new MessageQueue(WINDOW_MESSAGES);
  private readonly aborted = new AbortNotice();
  private headersSent = false;
  private finalStatus: Status | undefined;
  private deadlineTimer: NodeJS.Timeout | undefined;
  private resolveHeaders!: (m: Metadata) => void;
  private resolveStatus!: (s: Status) => void;
  private readonly headers = new Promise<Metadata>((r) => {
    this.resolveHeaders = r;
  });
  private readonly status = new Promise<Status>((r) => {
    this.resolveStatus = r;
  });

  constructor(
    method: string,
    metadata: Metadata,
    deadline: number | undefined,
    contentType: string | undefined,
    peer: string,
    private readonly maxMessageSize: number,
  ) {
    this.client = this.clientSide();
    this.server = this.serverSide(method, metadata, deadline, contentType, peer);
    // The transport enforces the deadline itself, as grpc and tcp do, so a bare stream ends on time too.
    if (deadline !== undefined) {
      const ms = deadline - Date.now();
      if (ms <= 0) this.expire();
      else this.deadlineTimer = setTimeout(() => this.expire(), ms);
    }
  }

  private expire(): void {
    this.end({ code: Code.DEADLINE_EXCEEDED, message: DEADLINE_EXCEEDED_TEXT, metadata: new Metadata() }, false);
  }

  /** ended tells whether the call has its final status. */
  get ended(): boolean {
    return this.finalStatus !== undefined;
  }

  /** end finishes the call with a status; the first status wins. */
  end(status: Status, fromServer: boolean): void {
    if (this.finalStatus) return;
    this.finalStatus = status;
    if (this.deadlineTimer !== undefined) clearTimeout(this.deadlineTimer);
    if (!this.headersSent) {
      this.headersSent = true;
      this.resolveHeaders(new Metadata());
    }
    // An OK end needs no error of its own (building one captures a stack, a
    // large share of an in-process call): later writes get the shared one.
    const err = status.code === Code.OK ? ENDED_OK : new StatusError(status.code, status.message, status.metadata);
    if (status.code === Code.OK) this.responses.end();
    // The server's own status lets the client read what was sent before it;
    // a cancel or a dead link drops it, as a reset stream does.
    else this.responses.fail(err, fromServer);
    this.requests.fail(err);
    if (!fromServer || status.code !== Code.OK) this.aborted.abort(err);
    this.resolveStatus(status);
  }

  private checkSize(message: Uint8Array): StatusError | undefined {
    if (message.byteLength <= this.maxMessageSize) return undefined;
    return new StatusError(
      Code.RESOURCE_EXHAUSTED,
      `message of ${message.byteLength} bytes exceeds the limit of ${this.maxMessageSize}`,
    );
  }

  private clientSide(): ClientStream {
    return {
      write: (message) => {
        if (this.finalStatus) return Promise.reject(this.finalStatus.code === Code.OK ? ENDED_OK : statusError(this.finalStatus));
        if (this.requests.done) return Promise.reject(writeAfterCloseSend());
        const tooBig = this.checkSize(message);
        if (tooBig) {
          this.end(tooBig.status, true);
          return Promise.reject(tooBig);
        }
        return this.requests.push(message);
      },
      closeSend: () => this.requests.end(),
      read: () => this.responses.shift(),
      readWith: (onMessage, onFailure, self) => this.responses.shiftWith(onMessage, onFailure, self),
      headers: this.headers,
      status: this.status,
      cancel: (code = Code.CANCELLED, message = 'call cancelled by the client') =>
        this.end({ code, message, metadata: new Metadata() }, false),
    };
  }

  private serverSide(
    method: string,
    metadata: Metadata,
    deadline: number | undefined,
    contentType: string | undefined,
    peer: string,
  ): ServerStream {
    const aborted = this.aborted;
    const sendHeaders = (md: Metadata) => {
      if (this.headersSent || this.finalStatus) return;
      this.headersSent = true;
      this.resolveHeaders(md.clone());
    };
    return {
      method,
      metadata,
      deadline,
      contentType,
      peer,
      get signal() {
        return aborted.signal;
      },
      onAbort: (listener) => aborted.listen(listener),
      read: () => this.requests.shift(),
      readWith: (onMessage, onFailure, self) => this.requests.shiftWith(onMessage, onFailure, self),
      write: (message) => {
        if (this.finalStatus) return Promise.reject(statusError(this.finalStatus));
        const tooBig = this.checkSize(message);
        if (tooBig) return Promise.reject(tooBig);
        if (!this.headersSent) sendHeaders(new Metadata());
        return this.responses.push(message);
      },
      sendHeaders,
      finish: (status) => this.end({ ...status, metadata: status.metadata.clone() }, true),
    };
  }
}

function statusError(status: Status): StatusError {
  return new StatusError(status.code, status.message, status.metadata);
}
