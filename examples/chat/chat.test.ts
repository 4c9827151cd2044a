import { Code, isEOF, type MicroService, micro } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Chat } from './chat-handler.js';
import { type ChatService, newChatService, type Notification } from './gen/chat.js';

describe.each<TransportName>(['memory', 'grpc', 'tcp'])('Chat over %s', (transport) => {
  let service: MicroService;
  let chat: ChatService;

  beforeAll(async () => {
    service = micro.newService({ name: 'chat', transport, server: { address: '127.0.0.1:0' } }, { env: {}, file: false });
    service.handle(Chat);
    await service.start();
    chat = newChatService('chat', service.client());
  });
  afterAll(() => service?.stop());

  it('delivers each message as it arrives, then signs off and ends OK after the client half-closes', async () => {
    const call = await chat.converse({ timeout: 10_000 });
    const delivered: Notification[] = [];
    for (const text of ['hi', 'anyone here?', 'bye']) {
      await call.send({ from: 'alice', text });
      // The reply comes before the next message is sent: the server does not wait for half-close.
      delivered.push(await call.recv());
    }
    call.closeSend();
    const rest: Notification[] = [];
    for await (const note of call) rest.push(note);
    expect(delivered).toEqual([
      { kind: 'delivered', text: 'alice: hi', sequence: 0 },
      { kind: 'delivered', text: 'alice: anyone here?', sequence: 1 },
      { kind: 'delivered', text: 'alice: bye', sequence: 2 },
    ]);
    expect(rest).toEqual([{ kind: 'closed', text: '3 messages', sequence: 3 }]);
    await expect(call.recv()).rejects.toSatisfy(isEOF);
  });

  it('signs off at once when the client half-closes without a message', async () => {
    const call = await chat.converse();
    call.closeSend();
    const notes: Notification[] = [];
    for await (const note of call) notes.push(note);
    expect(notes).toEqual([{ kind: 'closed', text: '0 messages', sequence: 0 }]);
  });

  it('ends the call with INVALID_ARGUMENT on a message without text', async () => {
    const call = await chat.converse();
    await call.send({ from: 'bob', text: 'hello' });
    expect((await call.recv()).kind).toBe('delivered');
    await call.send({ from: 'bob' });
    await expect(call.recv()).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
  });
});
