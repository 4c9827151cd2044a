import { connect, headers, type Msg, type NatsConnection } from '@nats-io/transport-node';
import { BrokerError } from '@tsmicro/core';
import { serverAvailable } from '@tsmicro/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentTypeOfBlock, headersOf, natsHeaders, parseHeaderBlock } from './nats-headers.js';
import { NatsMessage } from './nats-message.js';
import { TestNats } from './test-nats.js';

describe('natsHeaders', () => {
  it('encodes the same header block as the client, names kept as given and values trimmed', () => {
    const ours = natsHeaders({ 'content-type': 'application/protobuf', 'micro-id': ' id-1 ', 'X-Mixed': 'a: b é' });
    const theirs = headers();
    theirs.set('content-type', 'application/protobuf');
    theirs.set('micro-id', ' id-1 ');
    theirs.set('X-Mixed', 'a: b é');
    const encode = (h: unknown) => Buffer.from((h as { encode(): Uint8Array }).encode()).toString();
    expect(encode(ours)).toBe(encode(theirs));
    expect(ours?.get('micro-id')).toBe('id-1');
    expect(natsHeaders(undefined)).toBeUndefined();
  });

  it('refuses a name or value NATS cannot carry with a BrokerError naming it', () => {
    expect(() => natsHeaders({ 'bad name': 'x' })).toThrow(BrokerError);
    expect(() => natsHeaders({ 'bad name': 'x' })).toThrow(/"bad name"/);
    expect(() => natsHeaders({ 'a:b': 'x' })).toThrow(/"a:b"/);
    expect(() => natsHeaders({ '': 'x' })).toThrow(/""/);
    expect(() => natsHeaders({ split: 'one\r\nInjected: two' })).toThrow(/header split .*CR or LF/);
    expect(() => natsHeaders({ split: 'one\ntwo' })).toThrow(BrokerError);
  });
});

describe('parseHeaderBlock and contentTypeOfBlock', () => {
  it('reads the first value of each name, trimmed, skipping the status line and lines without a colon', () => {
    const block = 'NATS/1.0 503 No Responders\r\na: 1\r\nb:two: parts \r\nno colon here\r\n\r\na: again\r\nEmpty:\r\n\r\n';
    expect(parseHeaderBlock(block)).toEqual({ a: '1', b: 'two: parts', Empty: '' });
    expect(parseHeaderBlock('NATS/1.0\r\n\r\n')).toEqual({});
    expect(parseHeaderBlock('NATS/1.0')).toEqual({});
  });

  it('reads the content type as the full read would, first of its name only', () => {
    const blocks = [
      'NATS/1.0\r\nx-content-type: no\r\ncontent-type:  application/json \r\ncontent-type: second\r\n\r\n',
      'NATS/1.0\r\nContent-Type: other case\r\nmicro-id: 1\r\n\r\n',
      'NATS/1.0\r\ncontent-type:\r\n\r\n',
      'NATS/1.0\r\ncontent-type: last line',
      'NATS/1.0\r\n\r\n',
    ];
    for (const block of blocks) expect(contentTypeOfBlock(block)).toBe(parseHeaderBlock(block)['content-type']);
    expect(contentTypeOfBlock(blocks[0] as string)).toBe('application/json');
  });
});

const hasNats = serverAvailable('nats-server');

describe.skipIf(!hasNats)('headersOfMsg over a real nats-server', () => {
  let nats: TestNats;
  let nc: NatsConnection;
  beforeAll(async () => {
    nats = await TestNats.launch();
    nc = await connect({ servers: nats.address });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.destroy();
  });

  async function roundTrip(h: ReturnType<typeof headers> | undefined): Promise<Msg> {
    const got = new Promise<Msg>((resolve) => {
      const sub = nc.subscribe('headers.test', {
        max: 1,
        callback: (_err, m) => {
          resolve(m);
          sub.unsubscribe();
        },
      });
    });
    await nc.flush();
    nc.publish('headers.test', new Uint8Array([1, 2, 3]), h ? { headers: h } : {});
    return got;
  }

  it("reads what the client's header object reads, for repeated, mixed-case, empty and non-ASCII headers", async () => {
    const h = headers();
    h.append('micro-id', 'm-1');
    h.append('micro-id', 'm-2');
    h.append('Trace-Parent', '00-abc-01');
    h.append('empty', '');
    h.append('x-note', 'prix: 5 € ');
    h.append('content-type', ' application/json');
    const msg = await roundTrip(h);
    const event = NatsMessage.of(msg);
    expect(event.contentType).toBe('application/json');
    expect(event.headers).toEqual({ 'micro-id': 'm-1', 'Trace-Parent': '00-abc-01', empty: '', 'x-note': 'prix: 5 €', 'content-type': 'application/json' });
    expect(event.headers).toEqual(headersOf(msg.headers));
    expect(event.contentType).toBe('application/json');
    expect(event).toMatchObject({ topic: 'headers.test', deliveryCount: 1 });
    expect([...event.body]).toEqual([1, 2, 3]);
  });

  it('reads no headers from a message sent without any', async () => {
    const event = NatsMessage.of(await roundTrip(undefined), 'given.topic');
    expect(event.headers).toEqual({});
    expect(event.contentType).toBeUndefined();
    expect(event.topic).toBe('given.topic');
  });

  it('reads through the header object for a message of another class', () => {
    const h = headers();
    h.set('k', 'v');
    h.set('content-type', 'application/json');
    const foreign = { subject: 's', data: new Uint8Array(), headers: h } as unknown as Msg;
    const event = NatsMessage.of(foreign);
    expect(event.headers).toEqual({ k: 'v', 'content-type': 'application/json' });
    expect(event.contentType).toBe('application/json');
    expect(event.topic).toBe('s');
  });
});
