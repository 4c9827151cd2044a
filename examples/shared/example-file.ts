import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * exampleFile finds a file that sits beside an example's sources (a .proto),
 * whether the example runs from its TypeScript sources or from dist/.
 */
export function exampleFile(moduleUrl: string, name: string): string {
  const beside = fileURLToPath(new URL(name, moduleUrl));
  if (existsSync(beside)) return beside;
  const source = beside.replace(/([/\\])dist([/\\])/, '$1');
  if (existsSync(source)) return source;
  throw new Error(`cannot find ${name} beside ${fileURLToPath(moduleUrl)}`);
}
