import { fileURLToPath } from 'node:url';

/** repoRoot is the checkout's root folder, where example entry points are resolved from. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/**
 * exampleEnv is the environment an example process runs with: the parent's,
 * minus every MICRO_* variable (examples read their transport and registry
 * from the environment, so a stray one would change what the test runs on),
 * plus `extra`.
 */
export function exampleEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('MICRO_')) env[key] = value;
  }
  return { ...env, ...extra };
}
