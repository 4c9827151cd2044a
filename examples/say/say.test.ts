import { isEOF, type MicroService, micro } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newSayService, registerSayHandler, type SayService, type SResponse } from './gen/say.js';
import { Say } from './say-handler.js';

describe.each<TransportName>(['memory', 'grpc', 'tcp'])('Say over %s', (transport) => {
  let service: MicroService;
  let say: SayService;

  beforeAll(async () => {
    // No environment and no config file: the transport is the one under test.
    service = micro.newService({ name: 'say', transport, server: { address: '127.0.0.1:0' } }, { env: {}, file: false });
    registerSayHandler(service, new Say());
    await service.start();
    say = newSayService('say', service.client());
  });
  afterAll(() => service?.stop());

  it('answers Hello with "Hello " + name', async () => {
    expect(await say.hello({ name: 'John' })).toEqual({ msg: 'Hello John' });
  });

  it('streams count responses valued "0" .. "count-1", then EOF', async () => {
    const stream = await say.stream({ count: '4' });
    const got: SResponse[] = [];
    for (;;) {
      try {
        got.push(await stream.recv());
      } catch (err) {
        if (isEOF(err)) break;
        throw err;
      }
    }
    expect(got).toEqual([{ value: ['0'] }, { value: ['1'] }, { value: ['2'] }, { value: ['3'] }]);
  });

  it('streams nothing for count 0', async () => {
    const got: SResponse[] = [];
    for await (const r of await say.stream({ count: '0' })) got.push(r);
    expect(got).toEqual([]);
  });

  it('answers requests of count 2 then 5 with 7 responses as each arrives, then EOF after half-close', async () => {
    const bidi = await say.bidirectionalStream({ timeout: 10_000 });
    // Each batch is read before the next request goes out: the server must not wait for half-close.
    await bidi.send({ count: '2' });
    const first = [await bidi.recv(), await bidi.recv()];
    await bidi.send({ count: '5' });
    const second: SResponse[] = [];
    for (let i = 0; i < 5; i++) second.push(await bidi.recv());
    bidi.closeSend();
    await expect(bidi.recv()).rejects.toSatisfy(isEOF);
    expect([...first, ...second].map((r) => r.value)).toEqual([['0'], ['1'], ['0'], ['1'], ['2'], ['3'], ['4']]);
  });
});
