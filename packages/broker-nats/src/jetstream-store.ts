import {
  AckPolicy,
  DeliverPolicy,
  type JetStreamClient,
  type JetStreamManager,
  jetstream,
  jetstreamManager,
  StorageType,
} from '@nats-io/jetstream';
import { type NatsConnection, nanos } from '@nats-io/transport-node';
import { BrokerError } from '@tsmicro/core';
import { natsHeaders } from './nats-headers.js';
import type { ResolvedNatsOptions } from './nats-options.js';

/**
 * JetStreamStore keeps the streams and consumers durable topics need: one
 * file-backed stream per topic (named after it), one stream for dead
 * letters, and a durable pull consumer per subscriber name.
 */
export class JetStreamStore {
  readonly js: JetStreamClient;
  private manager: Promise<JetStreamManager> | undefined;
  private readonly streams = new Map<string, Promise<string>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly options: ResolvedNatsOptions,
  ) {
    this.js = jetstream(nc, { timeout: options.timeoutMs });
  }

  /** streamName is the stream that keeps `topic`'s messages. */
  streamName(topic: string): string {
    return `${this.options.streamPrefix}_${topic.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  /** publishDeadLetter stores a message that failed its last delivery under deadLetterTopic(topic). */
  publishDeadLetter(topic: string, body: Uint8Array, headers: Readonly<Record<string, string>>): Promise<void> {
    return this.publish(this.deadLetterTopic(topic), body, headers, () => this.ensureDeadLetters());
  }

  /** deadLetterTopic is where messages of `topic` go after their last failed delivery. */
  deadLetterTopic(topic: string): string {
    return `${this.options.deadLetterPrefix}.${topic}`;
  }

  /** ensureStream makes (once per process) the stream of `topic` and returns its name. */
  ensureStream(topic: string): Promise<string> {
    let made = this.streams.get(topic);
    if (!made) {
      made = this.addStream(this.streamName(topic), [topic]);
      made.catch(() => this.streams.delete(topic));
      this.streams.set(topic, made);
    }
    return made;
  }

  /** ensureDeadLetters makes the stream that keeps every dead letter. */
  ensureDeadLetters(): Promise<string> {
    return this.ensureStream(`${this.options.deadLetterPrefix}.>`);
  }

  /** ensureConsumer makes or updates the durable consumer `durable` of `topic`'s stream. */
  async ensureConsumer(topic: string, durable: string, maxDeliver: number): Promise<string> {
    const stream = await this.ensureStream(topic);
    const jsm = await this.jsm();
    const config = { ack_wait: nanos(this.options.ackWaitMs), max_deliver: maxDeliver };
    try {
      await jsm.consumers.info(stream, durable);
      await jsm.consumers.update(stream, durable, config);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      await jsm.consumers.add(stream, {
        ...config,
        durable_name: durable,
        ack_policy: AckPolicy.Explicit,
        // A consumer made after messages were stored still gets them: nothing published durably is skipped.
        deliver_policy: DeliverPolicy.All,
        filter_subject: topic,
      });
    }
    return stream;
  }

  /**
   * publish stores one message and waits for the stream's acknowledgement.
   * It retries (same message id, so the stream drops a repeat) until
   * timeoutMs, riding out a server restart.
   */
  async publish(
    topic: string,
    body: Uint8Array,
    headers: Readonly<Record<string, string>> | undefined,
    stream: () => Promise<string> = () => this.ensureStream(topic),
  ): Promise<void> {
    const deadline = Date.now() + this.options.timeoutMs;
    const msgID = headers?.['micro-id'];
    let last: unknown;
    for (let delay = 50; ; delay = Math.min(delay * 2, 1_000)) {
      try {
        await stream();
        await this.js.publish(topic, body, {
          ...(msgID ? { msgID } : {}),
          headers: natsHeaders(headers),
          timeout: Math.max(100, Math.min(2_000, deadline - Date.now())),
        });
        return;
      } catch (err) {
        last = err;
        if (this.nc.isClosed() || Date.now() + delay > deadline) break;
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
    throw new BrokerError(
      `durable publish to ${topic} was not acknowledged by JetStream at ${this.options.address.join(',')} within ${this.options.timeoutMs} ms: ${describe(last)}`,
      { cause: last },
    );
  }

  private jsm(): Promise<JetStreamManager> {
    this.manager ??= jetstreamManager(this.nc, { timeout: this.options.timeoutMs });
    this.manager.catch(() => (this.manager = undefined));
    return this.manager;
  }

  private async addStream(name: string, subjects: string[]): Promise<string> {
    const jsm = await this.jsm();
    try {
      await jsm.streams.info(name);
      return name;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
    try {
      await jsm.streams.add({
        name,
        subjects,
        storage: StorageType.File,
        duplicate_window: nanos(this.options.duplicateWindowMs),
        max_age: nanos(this.options.maxAgeMs),
      });
    } catch (err) {
      // Another process may have made it in between; it is there either way.
      await jsm.streams.info(name).catch(() => {
        throw err;
      });
    }
    return name;
  }
}

function isNotFound(err: unknown): boolean {
  return err instanceof Error && /not found/i.test(err.message);
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
