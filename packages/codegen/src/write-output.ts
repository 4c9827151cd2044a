import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** OutputDrift is one generated file whose copy on disk is missing or differs. */
export interface OutputDrift {
  readonly path: string;
  readonly reason: 'missing' | 'changed';
}

/**
 * writeOutput writes generated files under outDir. Every file is first
 * written beside its target under a temporary name and only then renamed
 * into place, so a failure leaves no half-written file behind.
 */
export function writeOutput(outDir: string, files: ReadonlyMap<string, string>): void {
  const staged: Array<[string, string]> = [];
  try {
    for (const [path, content] of files) {
      const target = join(outDir, path);
      const temp = `${target}.${process.pid}.tmp`;
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(temp, content);
      staged.push([temp, target]);
    }
  } catch (err) {
    for (const [temp] of staged) rmSync(temp, { force: true });
    throw err;
  }
  for (const [temp, target] of staged) renameSync(temp, target);
}

/** checkOutput compares generated files with what is on disk under outDir and lists the differences. */
export function checkOutput(outDir: string, files: ReadonlyMap<string, string>): OutputDrift[] {
  const drift: OutputDrift[] = [];
  for (const [path, content] of files) {
    const target = join(outDir, path);
    if (!existsSync(target)) drift.push({ path, reason: 'missing' });
    else if (readFileSync(target, 'utf8') !== content) drift.push({ path, reason: 'changed' });
  }
  return drift;
}
