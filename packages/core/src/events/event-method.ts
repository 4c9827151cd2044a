import type { MethodDefinition } from '../definition.js';
import type { MessageType } from '../definition.js';

/**
 * eventMethod describes an event as interceptors see it: a unary call whose
 * service is the topic, whose path is "events/<topic>" and whose name is the
 * handler ("Billing.onOrder") or "publish". There is no reply.
 */
export function eventMethod(topic: string, name: string, type: MessageType<unknown>): MethodDefinition {
  return { name, localName: name, path: `events/${topic}`, kind: 'unary', requestType: type, responseType: type };
}
