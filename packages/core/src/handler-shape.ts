import { Context } from './context.js';
import type { MethodKind } from './definition.js';
import { HandlerError } from './handler-error.js';
import type { MethodShape } from './handler-metadata.js';

const signatures: Record<MethodKind, { arity: number; text: string; returnsReply: boolean }> = {
  unary: { arity: 2, text: '(ctx: Context, request) => Promise<reply>', returnsReply: true },
  server_streaming: { arity: 3, text: '(ctx: Context, request, stream) => Promise<void>', returnsReply: false },
  client_streaming: { arity: 2, text: '(ctx: Context, stream) => Promise<reply>', returnsReply: true },
  bidi_streaming: { arity: 2, text: '(ctx: Context, stream) => Promise<void>', returnsReply: false },
};

/** expectedSignature describes the handler signature of a call kind, for messages. */
export function expectedSignature(kind: MethodKind): string {
  return signatures[kind].text;
}

/**
 * checkHandlerShape compares what tsc recorded of a method (design:paramtypes,
 * design:returntype) or, without metadata, its arity, against its call kind.
 * A mismatch throws at registration, never on the first call.
 */
export function checkHandlerShape(where: string, kind: MethodKind, shape: MethodShape): void {
  const expected = signatures[kind];
  const fail = (found: string) => {
    throw new HandlerError(`${where}: a ${kind} handler must be ${expected.text}; found ${found}`);
  };
  if (shape.arity < 0) fail('no such method');
  if (shape.paramTypes) {
    const names = shape.paramTypes.map(typeName);
    const found = `(${names.join(', ')}) => ${typeName(shape.returnType)}`;
    if (shape.paramTypes.length !== expected.arity) fail(found);
    const first = shape.paramTypes[0];
    if (first === Function) {
      // tsc writes Function for a class it knows only as a type.
      throw new HandlerError(
        `${where}: its first parameter's type was erased to Function in design:paramtypes, as \`import type\` or \`import { type Context }\` does; ` +
          "import Context as a value, `import { Context } from '@tsmicro/core'`, so the router can see it (found " +
          `${found})`,
      );
    }
    if (first !== Context && first !== Object) fail(found);
    if (expected.returnsReply && shape.returnType === undefined) fail(found);
    if (shape.returnType !== undefined && shape.returnType !== Promise && shape.returnType !== Object) fail(found);
    return;
  }
  const streams = kind !== 'unary';
  if (shape.arity > expected.arity || (streams && shape.arity !== expected.arity)) {
    fail(`a function of ${shape.arity} parameter(s)`);
  }
}

function typeName(t: unknown): string {
  if (t === undefined) return 'void';
  if (typeof t === 'function') return t === Object ? 'object' : t.name || 'anonymous';
  return String(t);
}
