/**
 * forwardReads defines on a prototype one getter per name, each reading the
 * same name of the object in property `via`: a view over another call then
 * declares those members (`declare readonly service: string`) instead of
 * spelling out a getter for each.
 */
export function forwardReads(prototype: object, via: string, names: readonly string[]): void {
  for (const name of names) {
    Object.defineProperty(prototype, name, {
      get(this: Record<string, Record<string, unknown>>) {
        return (this[via] as Record<string, unknown>)[name];
      },
      configurable: true,
      enumerable: false,
    });
  }
}
