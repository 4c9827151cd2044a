/**
 * ProtoError reports a .proto that cannot be generated: a syntax error, an
 * unknown type or a missing import, at file:line:column.
 */
export class ProtoError extends Error {
  override readonly name = 'ProtoError';

  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}:${line}:${column}: ${detail}`, options);
  }
}

/** locate finds the 1-based line and column of the first whole-token match of token in source. */
export function locate(source: string, token: string, fromLine = 1): { line: number; column: number } {
  const lines = source.split('\n');
  const escaped = token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const pattern = new RegExp(`(^|[^\\w.])(${escaped})(?![\\w])`);
  for (let i = Math.max(0, fromLine - 1); i < lines.length; i++) {
    const match = pattern.exec(lines[i] ?? '');
    if (match !== null) return { line: i + 1, column: match.index + (match[1]?.length ?? 0) + 1 };
  }
  return { line: fromLine, column: 1 };
}
