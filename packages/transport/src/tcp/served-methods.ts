import type { MethodInfo } from '../transport.js';

/**
 * ServedMethods is what a tcp listener knows of the methods its server
 * serves: their kinds, and the server's own string of each path. A request
 * whose path is read as that same string is found by identity in the
 * server's route table (and here), where an equal copy is compared
 * character by character on every call.
 */
export class ServedMethods {
  private readonly byPath = new Map<string, MethodInfo>();
  /** Counts the changes: what a connection remembers of a path holds until it moves. */
  version = 0;

  add(methods: readonly MethodInfo[]): void {
    for (const m of methods) this.byPath.set(m.path, m);
    this.version++;
  }

  /** pathOf is the served path equal to path, the server's own string; undefined for a path not served. */
  pathOf(path: string): string | undefined {
    return this.byPath.get(path)?.path;
  }

  /** isUnary tells whether path is a served unary method. */
  isUnary(path: string): boolean {
    return this.byPath.get(path)?.kind === 'unary';
  }
}
