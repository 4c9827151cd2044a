import { isModuleMissing } from './module-missing.js';

/**
 * importOptional loads a package core does not depend on at build time (an
 * etcd registry, a NATS broker, observability), so dependencies keep flowing
 * one way. When it is not installed, `missing` makes the error to throw.
 */
export async function importOptional<T>(specifier: string, missing: (cause: unknown) => Error): Promise<T> {
  try {
    // A variable specifier keeps TypeScript from resolving the package at build time.
    const name: string = specifier;
    return (await import(name)) as T;
  } catch (err) {
    throw isModuleMissing(err, specifier) ? missing(err) : err;
  }
}
