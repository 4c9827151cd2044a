import { describe, expect, it } from 'vitest';
import { Printer } from './printer.js';

describe('Printer', () => {
  it('aliases an import whose name a local declaration already takes', () => {
    const p = new Printer();
    p.declare('Context');
    const alias = p.importType('Context', '@tsmicro/core');
    p.print(`export interface Context { ctx: ${alias} }`);
    expect(alias).toBe('Context$1');
    expect(p.render('// header')).toBe(
      "// header\n\nimport type { Context as Context$1 } from '@tsmicro/core';\n\nexport interface Context { ctx: Context$1 }\n",
    );
  });

  it('merges type and value imports of one module, packages before relative paths', () => {
    const p = new Printer();
    p.importValue('b', './x.js');
    p.importType('A', './x.js');
    p.importType('Z', 'pkg');
    expect(p.render('//')).toBe("//\n\nimport type { Z } from 'pkg';\nimport { type A, b } from './x.js';\n");
  });

  it('escapes a comment terminator inside JSDoc', () => {
    const p = new Printer();
    p.jsDoc('a */ b');
    expect(p.render('//')).toBe('//\n\n/** a *\\/ b */\n');
  });
});
