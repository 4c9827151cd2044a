import type { EncodedMessage } from '@tsmicro/transport';
import protobuf from 'protobufjs';
import { WriterMessage } from './encoded-message.js';

/**
 * InvalidMessageError says a message object holds a value its field's type
 * does not take, naming the message, the field and the expected type.
 */
export class InvalidMessageError extends Error {
  override readonly name = 'InvalidMessageError';
}

// protobufjs's fromObject coerces what it is given ('lots' becomes 0 for an
// int32, an unknown enum name becomes the default), so a wrong value would
// travel as a plausible one. Every message is checked once before encoding,
// against checks built once per type.

type Scalar = (value: unknown) => boolean;

interface FieldCheck {
  readonly name: string;
  readonly shape: 'one' | 'list' | 'map';
  readonly expected: string;
  /** Test of one value; undefined for message fields, checked by type. */
  readonly scalar: Scalar | undefined;
  readonly message: protobuf.Type | undefined;
  /** The message type's checks, found on first use (types may nest themselves). */
  child?: TypeCheck;
}

interface TypeCheck {
  readonly label: string;
  readonly fields: readonly FieldCheck[];
  /** Oneofs of more than one member (not proto3 `optional`), each a list of member names. */
  readonly oneofs: readonly { readonly name: string; readonly members: readonly string[] }[];
  /** Whether protobufjs's fromObject would copy a checked message of this type unchanged (see checkedEncoder). */
  readonly asIs: boolean;
}

const checks = new WeakMap<protobuf.Type, TypeCheck>();

/**
 * checkMessage throws an InvalidMessageError when message, or any message in
 * it, has a field whose value does not fit the field's type. Absent fields
 * (undefined or null) are fine; keys that are not fields are left alone, as
 * protobufjs and TypeScript's structural types allow them (decoded objects
 * carry their oneof group names, for one).
 */
export function checkMessage(type: protobuf.Type, message: unknown): void {
  checkAgainst(checkOf(type), message);
}

/**
 * checkedEncoder returns type's encode: it checks a message as checkMessage
 * does, then encodes it with protobufjs. fromObject, which builds a
 * protobufjs message from a plain object, copies the fields of a checked
 * message of scalars, strings and bytes unchanged: for such a message whose
 * set fields are all its own (the encoder reads only own properties;
 * fromObject reads inherited ones too), the copy is skipped and the bytes are
 * the same. That copy was a third of the cost of encoding a small reply, paid
 * for every streamed message. The type's checks are found once, not per message.
 */
export function checkedEncoder(type: protobuf.Type): (message: unknown) => Uint8Array {
  let check: TypeCheck | undefined;
  return (message) => encodeWith(type, (check ??= checkOf(type)), message);
}

/**
 * checkedLaterEncoder is checkedEncoder whose result is not laid out yet:
 * the transport lays it out where it writes (see WriterMessage).
 */
export function checkedLaterEncoder(type: protobuf.Type): (message: unknown) => EncodedMessage {
  let check: TypeCheck | undefined;
  return (message) => new WriterMessage(writerWith(type, (check ??= checkOf(type)), message));
}

function encodeWith(type: protobuf.Type, check: TypeCheck, message: unknown): Uint8Array {
  return writerWith(type, check, message).finish();
}

function writerWith(type: protobuf.Type, check: TypeCheck, message: unknown): protobuf.Writer {
  const m = message as Record<string, unknown>;
  return type.encode(checkAgainst(check, message) ? m : type.fromObject(m));
}

// checkAgainst throws when message does not fit check; it returns whether the
// message can be encoded as it is (its type is asIs and its set fields are own).
function checkAgainst(check: TypeCheck, message: unknown): boolean {
  if (typeof message !== 'object' || message === null || Array.isArray(message) || ArrayBuffer.isView(message)) {
    throw new InvalidMessageError(`${check.label}: expected a message object, got ${describe(message)}`);
  }
  const object = message as Record<string, unknown>;
  const fields = check.fields;
  let asIs = check.asIs;
  for (let i = 0; i < fields.length; i++) {
    const field = fields[i] as FieldCheck;
    const value = object[field.name];
    if (value === undefined || value === null) continue;
    if (asIs && !Object.hasOwn(object, field.name)) asIs = false;
    if (field.shape === 'one') checkValue(check, field, value);
    else if (field.shape === 'list') {
      if (!Array.isArray(value)) throw fieldError(check, field, `expected a list of ${field.expected}`, value);
      for (const item of value) checkValue(check, field, item);
    } else {
      if (typeof value !== 'object' || Array.isArray(value)) throw fieldError(check, field, `expected a map of ${field.expected}`, value);
      for (const key in value) checkValue(check, field, (value as Record<string, unknown>)[key]);
    }
  }
  for (const oneof of check.oneofs) {
    let set: string | undefined;
    for (const member of oneof.members) {
      const value = object[member];
      if (value === undefined || value === null) continue;
      if (set !== undefined) {
        throw new InvalidMessageError(`${check.label}: oneof ${oneof.name} has both ${set} and ${member} set; set at most one`);
      }
      set = member;
    }
  }
  return asIs;
}

function checkValue(check: TypeCheck, field: FieldCheck, value: unknown): void {
  if (field.scalar !== undefined) {
    if (!field.scalar(value)) throw fieldError(check, field, `expected ${field.expected}`, value);
  } else if (field.message !== undefined) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || ArrayBuffer.isView(value)) {
      throw fieldError(check, field, `expected ${field.expected}`, value);
    }
    field.child ??= checkOf(field.message);
    checkAgainst(field.child, value);
  }
}

function fieldError(check: TypeCheck, field: FieldCheck, expected: string, value: unknown): InvalidMessageError {
  return new InvalidMessageError(`${check.label}.${field.name}: ${expected}, got ${describe(value)}`);
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (ArrayBuffer.isView(value)) return 'bytes';
  return typeof value === 'object' ? 'an object' : typeof value;
}

function checkOf(type: protobuf.Type): TypeCheck {
  let check = checks.get(type);
  if (check === undefined) {
    check = buildCheck(type);
    checks.set(type, check);
  }
  return check;
}

// Field types fromObject copies unchanged once the check has passed: no enum
// names, 64-bit integers, nested messages or base64 strings to convert.
const passedAsIs = new Set(['double', 'float', 'int32', 'sint32', 'sfixed32', 'uint32', 'fixed32', 'bool', 'string', 'bytes']);

function buildCheck(type: protobuf.Type): TypeCheck {
  const fields: FieldCheck[] = [];
  let asIs = true;
  for (const field of type.fieldsArray) {
    field.resolve();
    // A required (proto2) field is written even when absent, from the default fromObject's copy inherits.
    if (field.map || field.required || field.resolvedType !== null || !passedAsIs.has(field.type)) asIs = false;
    const shape = field.map ? 'map' : field.repeated ? 'list' : 'one';
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) {
      fields.push({ name: field.name, shape, expected: `a ${resolved.fullName.slice(1)} message`, scalar: undefined, message: resolved });
    } else if (resolved instanceof protobuf.Enum) {
      fields.push({ name: field.name, shape, expected: `a ${resolved.fullName.slice(1)} value name or number`, scalar: enumCheck(resolved), message: undefined });
    } else {
      const scalar = scalars[field.type];
      if (scalar === undefined) throw new InvalidMessageError(`${type.fullName.slice(1)}.${field.name}: unsupported type ${field.type}`);
      fields.push({ name: field.name, shape, expected: scalar.expected, scalar: scalar.test, message: undefined });
    }
  }
  const oneofs = type.oneofsArray
    .filter((oneof) => oneof.fieldsArray.length > 1)
    .map((oneof) => ({ name: oneof.name, members: oneof.fieldsArray.map((f) => f.name) }));
  return { label: type.fullName.slice(1), fields, oneofs, asIs };
}

const minInt64 = -(2n ** 63n);
const maxInt64 = 2n ** 63n - 1n;
const maxUint64 = 2n ** 64n - 1n;

// int64 values are decimal strings (how decoded messages carry them), safe
// integers, bigints or protobufjs Longs.
function int64Test(unsigned: boolean): Scalar {
  const [min, max] = unsigned ? [0n, maxUint64] : [minInt64, maxInt64];
  return (value) => {
    if (typeof value === 'string') {
      if (!/^-?\d{1,20}$/.test(value)) return false;
      if (value.length < 18) return !unsigned || value[0] !== '-';
      const big = BigInt(value);
      return big >= min && big <= max;
    }
    if (typeof value === 'number') return Number.isSafeInteger(value) && (!unsigned || value >= 0);
    if (typeof value === 'bigint') return value >= min && value <= max;
    return protobuf.util.isInteger((value as { low?: unknown } | undefined)?.low) && protobuf.util.isInteger((value as { high?: unknown }).high);
  };
}

const int32Test: Scalar = (value) => typeof value === 'number' && (value | 0) === value;
const uint32Test: Scalar = (value) => typeof value === 'number' && value >>> 0 === value;
const numberTest: Scalar = (value) => typeof value === 'number';

const scalars: Record<string, { readonly expected: string; readonly test: Scalar }> = {
  int32: { expected: 'an int32 (integer number)', test: int32Test },
  sint32: { expected: 'an sint32 (integer number)', test: int32Test },
  sfixed32: { expected: 'an sfixed32 (integer number)', test: int32Test },
  uint32: { expected: 'a uint32 (integer number from 0)', test: uint32Test },
  fixed32: { expected: 'a fixed32 (integer number from 0)', test: uint32Test },
  int64: { expected: 'an int64 (decimal string or integer)', test: int64Test(false) },
  sint64: { expected: 'an sint64 (decimal string or integer)', test: int64Test(false) },
  sfixed64: { expected: 'an sfixed64 (decimal string or integer)', test: int64Test(false) },
  uint64: { expected: 'a uint64 (decimal string or integer from 0)', test: int64Test(true) },
  fixed64: { expected: 'a fixed64 (decimal string or integer from 0)', test: int64Test(true) },
  double: { expected: 'a double (number)', test: numberTest },
  float: { expected: 'a float (number)', test: numberTest },
  bool: { expected: 'a bool (true or false)', test: (value) => typeof value === 'boolean' },
  string: { expected: 'a string', test: (value) => typeof value === 'string' },
  bytes: { expected: 'bytes (a Uint8Array)', test: (value) => value instanceof Uint8Array },
};

function enumCheck(type: protobuf.Enum): Scalar {
  const names = new Set(Object.keys(type.values));
  // proto3 enums are open: any int32 travels, known or not.
  return (value) => (typeof value === 'string' ? names.has(value) : int32Test(value));
}
