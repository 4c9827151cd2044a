/**
 * importOptional loads a package core does not depend on at build time (an
 * etcd registry, a NATS broker), so dependencies keep flowing one way. When
 * it is not installed, `missing` makes the error to throw.
 */
export async function importOptional<T>(specifier: string, missing: (cause: unknown) => Error): Promise<T> {
  try {
    // A variable specifier keeps TypeScript from resolving the package at build time.
    const name: string = specifier;
    return (await import(name)) as T;
  } catch (err) {
    const code = (err as { code?: unknown } | null)?.code;
    const isMissing =
      (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && err instanceof Error && err.message.includes(specifier);
    throw isMissing ? missing(err) : err;
  }
}
