import { BidiStream, Code, Context, MicroError, Service } from '@tsmicro/core';
// Loading the generated module registers chat.Chat's definition, which
// @Service('chat.Chat') looks up; the named imports below are types only.
import './gen/chat.js';
import type { Chat_ConverseStream, ChatHandler } from './gen/chat.js';

/** Chat acknowledges every message as it arrives and signs off once the client half-closes. */
@Service('chat.Chat')
export class Chat implements ChatHandler {
  @BidiStream()
  async converse(_ctx: Context, stream: Chat_ConverseStream): Promise<void> {
    let sequence = 0;
    // The loop ends when the client half-closes; a failed or cancelled call makes it throw.
    for await (const msg of stream) {
      if (!msg.text) throw new MicroError(Code.INVALID_ARGUMENT, `message ${sequence} has no text`);
      await stream.send({ kind: 'delivered', text: `${msg.from ?? ''}: ${msg.text}`, sequence });
      sequence++;
    }
    await stream.send({ kind: 'closed', text: `${sequence} messages`, sequence });
    // Returning ends the call with OK.
  }
}
