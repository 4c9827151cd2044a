/** isModuleMissing tells whether a dynamic import failed because `specifier` is not installed. */
export function isModuleMissing(err: unknown, specifier: string): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && err instanceof Error && err.message.includes(specifier)
  );
}
