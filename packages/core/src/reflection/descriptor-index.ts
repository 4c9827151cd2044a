import descriptor from 'protobufjs/ext/descriptor/index.js';

interface FileInfo {
  readonly bytes: Uint8Array;
  readonly dependencies: readonly string[];
}

interface MessageShape {
  name?: string;
  nestedType?: MessageShape[];
  enumType?: { name?: string }[];
  field?: { name?: string }[];
}

interface FileShape {
  name?: string;
  package?: string;
  dependency?: string[];
  messageType?: MessageShape[];
  enumType?: { name?: string }[];
  service?: { name?: string; method?: { name?: string }[] }[];
}

/**
 * DescriptorIndex answers server reflection's questions from a set of
 * serialized FileDescriptorProtos: which file declares a symbol, which
 * files one file needs, and which message types exist.
 */
export class DescriptorIndex {
  private readonly files = new Map<string, FileInfo>();
  private readonly symbols = new Map<string, string>();
  private readonly messages = new Set<string>();

  constructor(serialized: Iterable<Uint8Array>) {
    for (const bytes of serialized) this.add(bytes);
  }

  /** fileOfSymbol names the file declaring a message, enum, service, method or field. */
  fileOfSymbol(symbol: string): string | undefined {
    return this.symbols.get(symbol.replace(/^\./, ''));
  }

  /** isMessage says whether a full name is a known message type. */
  isMessage(name: string): boolean {
    return this.messages.has(name.replace(/^\./, ''));
  }

  /** hasFile says whether a file of that import name is known. */
  hasFile(name: string): boolean {
    return this.files.has(name);
  }

  /**
   * withDependencies returns a file and every file it imports, the file
   * itself first, as serialized FileDescriptorProtos; unknown imports are skipped.
   */
  withDependencies(name: string): Uint8Array[] {
    const seen = new Set<string>();
    const out: Uint8Array[] = [];
    const visit = (n: string): void => {
      if (seen.has(n)) return;
      seen.add(n);
      const file = this.files.get(n);
      if (!file) return;
      out.push(file.bytes);
      for (const dep of file.dependencies) visit(dep);
    };
    visit(name);
    return out;
  }

  private add(bytes: Uint8Array): void {
    const file = descriptor.FileDescriptorProto.toObject(descriptor.FileDescriptorProto.decode(bytes), { arrays: true }) as FileShape;
    const name = file.name ?? '';
    if (this.files.has(name)) return;
    this.files.set(name, { bytes, dependencies: file.dependency ?? [] });
    const prefix = file.package ? `${file.package}.` : '';
    const declare = (symbol: string) => {
      if (!this.symbols.has(symbol)) this.symbols.set(symbol, name);
    };
    const message = (m: MessageShape, scope: string): void => {
      const full = `${scope}${m.name ?? ''}`;
      declare(full);
      this.messages.add(full);
      for (const f of m.field ?? []) declare(`${full}.${f.name ?? ''}`);
      for (const e of m.enumType ?? []) declare(`${full}.${e.name ?? ''}`);
      for (const n of m.nestedType ?? []) message(n, `${full}.`);
    };
    for (const m of file.messageType ?? []) message(m, prefix);
    for (const e of file.enumType ?? []) declare(`${prefix}${e.name ?? ''}`);
    for (const s of file.service ?? []) {
      const full = `${prefix}${s.name ?? ''}`;
      declare(full);
      for (const m of s.method ?? []) declare(`${full}.${m.name ?? ''}`);
    }
  }
}
