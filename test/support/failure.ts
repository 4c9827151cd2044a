import { isMicroError, type MicroError } from '@tsmicro/core';

/** failure returns the MicroError a promise rejects with; it throws if the promise resolves or rejects otherwise. */
export async function failure(p: Promise<unknown>): Promise<MicroError> {
  const err = await p.then(
    () => new Error('expected the call to fail, it succeeded'),
    (e: unknown) => e,
  );
  if (!isMicroError(err)) throw err;
  return err;
}
