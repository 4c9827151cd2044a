import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** fixturesDir holds the .proto fixtures; it is also their include dir. */
export const fixturesDir = fileURLToPath(new URL('./fixtures', import.meta.url));

/** goldenDir holds the checked-in generated output for the fixtures. */
export const goldenDir = fileURLToPath(new URL('./golden', import.meta.url));

/** fixtureFiles lists every fixture .proto, sorted. */
export function fixtureFiles(dir = fixturesDir): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...fixtureFiles(path));
    else if (entry.endsWith('.proto')) out.push(path);
  }
  return out;
}
