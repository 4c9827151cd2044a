import type { DescriptorSet, EnumShape, FieldShape, MessageShape, ServiceShape } from './descriptor-set.js';

const scalarNames: Record<number, string> = {
  1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 6: 'fixed64', 7: 'fixed32', 8: 'bool',
  9: 'string', 12: 'bytes', 13: 'uint32', 15: 'sfixed32', 16: 'sfixed64', 17: 'sint32', 18: 'sint64',
};

/**
 * describeSymbol prints a service, method, message or enum as .proto text,
 * headed by what it is ("greeter.Greeter is a service:"), as grpcurl does;
 * undefined when the set does not declare it.
 */
export function describeSymbol(set: DescriptorSet, symbol: string): string | undefined {
  const wanted = symbol.replace(/^\./, '');
  for (const file of set.files) {
    const prefix = file.package ? `${file.package}.` : '';
    for (const service of file.service ?? []) {
      const full = `${prefix}${service.name}`;
      if (full === wanted) return `${full} is a service:\n${serviceText(service)}`;
      for (const method of service.method ?? []) {
        if (`${full}.${method.name}` === wanted) return `${wanted} is a method:\n${methodText(method)}`;
      }
    }
    const found = findType(file.messageType ?? [], file.enumType ?? [], prefix, wanted);
    if (found) return found;
  }
  return undefined;
}

function findType(messages: MessageShape[], enums: EnumShape[], scope: string, wanted: string): string | undefined {
  for (const e of enums) if (`${scope}${e.name}` === wanted) return `${wanted} is an enum:\n${enumText(e, '')}`;
  for (const m of messages) {
    const full = `${scope}${m.name}`;
    if (full === wanted) return `${wanted} is a message:\n${messageText(m, '')}`;
    const nested = findType(m.nestedType ?? [], m.enumType ?? [], `${full}.`, wanted);
    if (nested) return nested;
  }
  return undefined;
}

function serviceText(service: ServiceShape): string {
  const methods = (service.method ?? []).map((m) => `  ${methodText(m)}`);
  return `service ${service.name} {\n${methods.join('\n')}\n}`;
}

function methodText(m: { name: string; inputType: string; outputType: string; clientStreaming?: boolean; serverStreaming?: boolean }): string {
  const stream = (on: boolean | undefined) => (on ? 'stream ' : '');
  return `rpc ${m.name} ( ${stream(m.clientStreaming)}${m.inputType} ) returns ( ${stream(m.serverStreaming)}${m.outputType} );`;
}

function messageText(m: MessageShape, indent: string): string {
  const inner = `${indent}  `;
  const entries = new Map((m.nestedType ?? []).filter((n) => n.options?.mapEntry).map((n) => [n.name, n]));
  const lines: string[] = [];
  const oneofs = new Map<number, string[]>();
  for (const f of m.field ?? []) {
    const line = `${fieldType(f, entries)} ${f.name} = ${f.number};`;
    if (f.oneofIndex !== undefined && !f.proto3Optional) {
      oneofs.set(f.oneofIndex, [...(oneofs.get(f.oneofIndex) ?? []), line]);
      if ((oneofs.get(f.oneofIndex) ?? []).length === 1) lines.push(`\u0000oneof:${f.oneofIndex}`);
    } else {
      lines.push(`${inner}${f.proto3Optional ? 'optional ' : ''}${line}`);
    }
  }
  const body = lines.map((l) => {
    if (!l.startsWith('\u0000oneof:')) return l;
    const index = Number(l.slice(7));
    const name = m.oneofDecl?.[index]?.name ?? `oneof_${index}`;
    return `${inner}oneof ${name} {\n${(oneofs.get(index) ?? []).map((x) => `${inner}  ${x}`).join('\n')}\n${inner}}`;
  });
  for (const n of m.nestedType ?? []) if (!n.options?.mapEntry) body.push(messageText(n, inner));
  for (const e of m.enumType ?? []) body.push(enumText(e, inner));
  return `${indent}message ${m.name} {\n${body.join('\n')}${body.length ? '\n' : ''}${indent}}`;
}

function enumText(e: EnumShape, indent: string): string {
  const values = (e.value ?? []).map((v) => `${indent}  ${v.name} = ${v.number};`);
  return `${indent}enum ${e.name} {\n${values.join('\n')}\n${indent}}`;
}

function fieldType(f: FieldShape, entries: ReadonlyMap<string, MessageShape>): string {
  const entryName = f.typeName?.split('.').pop() ?? '';
  const entry = f.label === 3 ? entries.get(entryName) : undefined;
  if (entry && f.typeName?.endsWith(`.${entryName}`)) {
    const [key, value] = [entry.field?.[0], entry.field?.[1]];
    if (key && value) return `map<${typeName(key)}, ${typeName(value)}>`;
  }
  return `${f.label === 3 ? 'repeated ' : f.label === 2 ? 'required ' : ''}${typeName(f)}`;
}

function typeName(f: FieldShape): string {
  return f.typeName || scalarNames[f.type ?? 0] || `type${f.type ?? '?'}`;
}
