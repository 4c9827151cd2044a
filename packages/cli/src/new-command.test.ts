import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from './args.js';
import { main } from './main.js';
import { newCommand, ScaffoldError, scaffoldNames } from './new-command.js';
import { UsageError } from './usage-error.js';

// Building and running the scaffold is test/packaging's job, on the packed packages.
const root = mkdtempSync(join(tmpdir(), 'tsmicro-new-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function scaffold(args: string[], cwd = root): string {
  const out = new PassThrough();
  let printed = '';
  out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
  newCommand(parseArgs(['new', ...args]), out, cwd);
  return printed;
}

function listFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? listFiles(join(dir, entry.name), `${prefix}${entry.name}/`) : [`${prefix}${entry.name}`],
  );
}

describe('tsmicro new', () => {
  it('writes the proto, its generated code, handler, entry points, test, tsconfig, package.json and README', () => {
    const printed = scaffold(['order-book']);
    const dir = join(root, 'order-book');
    expect(printed).toContain(`created ${dir}`);
    expect(listFiles(dir).sort()).toEqual([
      '.gitignore',
      'README.md',
      'package.json',
      'proto/order-book.proto',
      'src/client.ts',
      'src/gen/order-book.ts',
      'src/greetings.ts',
      'src/handler.test.ts',
      'src/handler.ts',
      'src/server.ts',
      'tsconfig.json',
    ]);
    expect(readFileSync(join(dir, 'proto/order-book.proto'), 'utf8')).toContain('package order_book;\n\nservice OrderBook {');
    expect(readFileSync(join(dir, 'src/gen/order-book.ts'), 'utf8')).toContain('export function newOrderBookService(');
    expect(readFileSync(join(dir, 'src/handler.ts'), 'utf8')).toContain(
      "@Service('order_book.OrderBook')\nexport class OrderBook implements OrderBookHandler {\n  constructor(private readonly greetings: Greetings) {}",
    );
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    expect(manifest.dependencies).toMatchObject({ '@tsmicro/core': `^${version}`, typedi: expect.any(String), 'reflect-metadata': expect.any(String) });
    expect(manifest.devDependencies).toMatchObject({ '@tsmicro/codegen': `^${version}`, typescript: expect.any(String) });
    const tsconfig = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    expect(tsconfig.compilerOptions).toMatchObject({ experimentalDecorators: true, emitDecoratorMetadata: true, strict: true });
  });

  it('writes into an empty folder of that name', () => {
    mkdirSync(join(root, 'empty'));
    scaffold(['empty']);
    expect(readdirSync(join(root, 'empty'))).toContain('package.json');
  });

  it('refuses a folder that holds anything, and leaves it as it was', () => {
    mkdirSync(join(root, 'taken'));
    writeFileSync(join(root, 'taken/notes.txt'), 'mine');
    expect(() => scaffold(['taken'])).toThrow(ScaffoldError);
    expect(() => scaffold(['taken'])).toThrow(`${join(root, 'taken')} already exists and is not empty`);
    expect(readdirSync(join(root, 'taken'))).toEqual(['notes.txt']);
  });

  it('refuses names that are not lower-case words joined by "-"', () => {
    for (const bad of ['Orders', 'order_book', '1orders', 'order--book', 'orders-', '../escape', '']) {
      expect(() => scaffoldNames(bad, '0.1.0'), bad).toThrow(UsageError);
    }
    expect(() => scaffoldNames('Orders', '0.1.0')).toThrow(
      '"Orders" is not a service name: use lower-case letters and digits, words joined by "-" (order-book)',
    );
  });

  it('refuses names whose class would clash with a global or a scaffold message', () => {
    expect(() => scaffoldNames('promise', '0.1.0')).toThrow('"promise" would name the class Promise, which clashes');
    expect(() => scaffoldNames('call-request', '0.1.0')).toThrow('would name the class CallRequest');
  });

  it('exits 2 without a name or with two, writing nothing', async () => {
    const before = readdirSync(root).sort();
    const stderr = process.stderr.write;
    process.stderr.write = () => true;
    try {
      expect(await main(['new'])).toBe(2);
      expect(await main(['new', 'one', 'two'])).toBe(2);
    } finally {
      process.stderr.write = stderr;
    }
    expect(readdirSync(root).sort()).toEqual(before);
  });
});
