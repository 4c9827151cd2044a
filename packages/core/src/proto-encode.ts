import protobuf from 'protobufjs';
import { checkMessage } from './message-check.js';

/** ProtoEncoder checks a message object against its type and encodes it. */
export type ProtoEncoder = (message: unknown) => Uint8Array;

/**
 * protoEncoder returns the checked binary encoder of one type: what
 * `type.encode(type.fromObject(message))` gives, after checkMessage.
 *
 * fromObject copies the message into a protobufjs instance only to convert
 * values encode() cannot take as they are: enum names, 64-bit integers,
 * nested objects whose fields it cannot see. A plain object of a type
 * without such fields, once checked, is already what encode() takes, and
 * for a short message that copy was a fifth of its encoding.
 */
export function protoEncoder(type: protobuf.Type): ProtoEncoder {
  if (!encodesAsIs(type)) {
    return (message) => {
      checkMessage(type, message);
      return type.encode(type.fromObject(message as Record<string, unknown>)).finish();
    };
  }
  return (message) => {
    checkMessage(type, message);
    // Only a plain object: encode() reads own properties only, while fromObject
    // also reads getters and inherited fields (a class instance's, say).
    const proto = Object.getPrototypeOf(message);
    const plain = proto === Object.prototype || proto === null;
    return type.encode(plain ? (message as Record<string, unknown>) : type.fromObject(message as Record<string, unknown>)).finish();
  };
}

const converted = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);

// Whether every field holds a scalar encode() writes as checkMessage lets it
// through: no enums, no 64-bit integers, no maps and no nested messages.
function encodesAsIs(type: protobuf.Type): boolean {
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.map || field.resolvedType !== null || converted.has(field.type)) return false;
  }
  return true;
}
