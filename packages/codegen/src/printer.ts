// Globals the generated code refers to. An imported type of the same name is
// aliased, so only a file's own declaration can hide one (see global()).
const usedGlobals = new Set(['Promise', 'Uint8Array']);

/** ImportEntry is one imported name of a generated file. */
interface ImportEntry {
  readonly name: string;
  readonly alias: string;
  typeOnly: boolean;
}

/**
 * Printer collects one generated file: lines of code and the imports they
 * use. Code asks the printer for an imported name and gets back the local
 * name to write, so no import list is ever built by hand and a clash with a
 * local declaration is resolved by aliasing.
 */
export class Printer {
  private readonly lines: string[] = [];
  private readonly imports = new Map<string, Map<string, ImportEntry>>();
  private readonly taken = new Set<string>();

  /** declare reserves a top-level name declared by the file itself. */
  declare(name: string): void {
    this.taken.add(name);
  }

  /**
   * global returns how to write a JavaScript global (Promise, Uint8Array) in
   * this file: its bare name, or globalThis.Name when a message of the file
   * declares that name (`message Promise`).
   */
  global(name: 'Promise' | 'Uint8Array'): string {
    return this.taken.has(name) ? `globalThis.${name}` : name;
  }

  /** importType imports a name for use in types only and returns the local name to write. */
  importType(name: string, from: string): string {
    return this.addImport(name, from, true);
  }

  /** importValue imports a run-time value and returns the local name to write. */
  importValue(name: string, from: string): string {
    return this.addImport(name, from, false);
  }

  /** print appends one line (or several, joined from parts). */
  print(...parts: string[]): void {
    this.lines.push(parts.join(''));
  }

  /** jsDoc prints a JSDoc block of text at an indentation; nothing for empty text. */
  jsDoc(text: string | null | undefined, indent = ''): void {
    const body = (text ?? '').trim().replace(/\*\//g, '*\\/');
    if (body === '') return;
    const lines = body.split('\n');
    if (lines.length === 1) {
      this.lines.push(`${indent}/** ${lines[0]} */`);
      return;
    }
    this.lines.push(`${indent}/**`);
    for (const line of lines) this.lines.push(line.trim() === '' ? `${indent} *` : `${indent} * ${line}`);
    this.lines.push(`${indent} */`);
  }

  /** render gives the header, the sorted imports and the body. */
  render(header: string): string {
    const out = [header, ''];
    const specifiers = [...this.imports.keys()].sort(compareSpecifiers);
    for (const from of specifiers) {
      const entries = [...(this.imports.get(from)?.values() ?? [])].sort((a, b) => (a.name < b.name ? -1 : 1));
      const allTypes = entries.every((e) => e.typeOnly);
      const names = entries.map((e) => {
        const named = e.alias === e.name ? e.name : `${e.name} as ${e.alias}`;
        return !allTypes && e.typeOnly ? `type ${named}` : named;
      });
      const keyword = `import ${allTypes ? 'type ' : ''}`;
      const oneLine = `${keyword}{ ${names.join(', ')} } from '${from}';`;
      out.push(oneLine.length <= 100 ? oneLine : `${keyword}{\n${names.map((n) => `  ${n},`).join('\n')}\n} from '${from}';`);
    }
    if (specifiers.length > 0) out.push('');
    out.push(...this.lines);
    while (out.at(-1) === '') out.pop();
    return `${out.join('\n')}\n`;
  }

  private addImport(name: string, from: string, typeOnly: boolean): string {
    let names = this.imports.get(from);
    if (names === undefined) {
      names = new Map();
      this.imports.set(from, names);
    }
    const existing = names.get(name);
    if (existing !== undefined) {
      existing.typeOnly &&= typeOnly;
      return existing.alias;
    }
    let alias = name;
    for (let i = 1; this.taken.has(alias) || usedGlobals.has(alias); i++) alias = `${name}$${i}`;
    this.taken.add(alias);
    names.set(name, { name, alias, typeOnly });
    return alias;
  }
}

// Packages first, then relative paths, each alphabetically.
function compareSpecifiers(a: string, b: string): number {
  const ra = a.startsWith('.');
  const rb = b.startsWith('.');
  if (ra !== rb) return ra ? 1 : -1;
  return a < b ? -1 : a > b ? 1 : 0;
}
