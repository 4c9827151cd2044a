// `npm run gen:examples` (add `-- --check` to only compare): runs tsmicro-gen for
// every example listed in codegen.json, writing each into examples/<name>/gen/.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { main } from '../packages/codegen/dist/cli.js';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));
const { examples } = JSON.parse(readFileSync(here('codegen.json'), 'utf8'));
const check = process.argv.includes('--check');
let failed = 0;
for (const example of examples) {
  const args = ['--out', here(`${example.name}/gen`)];
  for (const dir of example.includeDirs) args.push('-I', here(dir));
  if (check) args.push('--check');
  args.push(...example.protos.map(here));
  const code = main(args);
  if (code !== 0) {
    console.error(`${example.name}: tsmicro-gen exited with ${code}`);
    failed++;
  }
}
process.exitCode = failed === 0 ? 0 : 1;
