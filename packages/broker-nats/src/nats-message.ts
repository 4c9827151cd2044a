import type { Msg } from '@nats-io/transport-node';
import type { BrokerMessage } from '@tsmicro/core';
import { contentTypeOfBlock, headerBlockOf, headersOf, parseHeaderBlock } from './nats-headers.js';

/**
 * NatsMessage is one received core NATS message as subscribers see it. Its
 * headers are read from the header block on first use; the content type,
 * which every subscriber needs, is read alone.
 */
export class NatsMessage implements BrokerMessage {
  readonly deliveryCount = 1;
  private parsed: Record<string, string> | undefined;

  private constructor(
    readonly topic: string,
    readonly body: Uint8Array,
    private readonly block: string | undefined,
  ) {}

  /** of reads `msg`; `topic` is its subject when the caller knows it without decoding. */
  static of(msg: Msg, topic: string = msg.subject): NatsMessage {
    const block = headerBlockOf(msg);
    const message = new NatsMessage(topic, msg.data, block);
    // Not the client's own class: its header object is all there is to read.
    if (block === undefined) message.parsed = headersOf(msg.headers);
    return message;
  }

  get headers(): Readonly<Record<string, string>> {
    this.parsed ??= parseHeaderBlock(this.block ?? '');
    return this.parsed;
  }

  get contentType(): string | undefined {
    return this.parsed === undefined && this.block !== undefined ? contentTypeOfBlock(this.block) : this.parsed?.['content-type'];
  }
}
