/**
 * startupWarning reports something at start-up that works but is likely not
 * what was meant (a proto method no handler serves). It is the one place such
 * warnings are written, on stderr.
 */
export function startupWarning(message: string): void {
  console.warn(`tsmicro: ${message}`);
}
