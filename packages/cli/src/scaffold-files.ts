/** ScaffoldNames are the names one `tsmicro new <name>` derives from its argument. */
export interface ScaffoldNames {
  /** the service name clients call, and the folder and package name: "order-book" */
  readonly service: string;
  /** the proto package: "order_book" */
  readonly protoPackage: string;
  /** the proto service and handler class: "OrderBook" */
  readonly type: string;
  /** version of the @tsmicro packages to depend on */
  readonly version: string;
}

// Ranges of what the scaffold needs beside tsmicro: the peers of @tsmicro/core
// and a compiler that emits decorator metadata.
const thirdParty = {
  'reflect-metadata': '^0.2.2',
  typedi: '^0.10.0',
  '@types/node': '^20.19.0',
  typescript: '^5.9.3',
};

/**
 * scaffoldFiles returns the files of a new service, by path relative to its
 * folder; the generated code under src/gen is added by the caller.
 */
export function scaffoldFiles(names: ScaffoldNames): Map<string, string> {
  const { service, protoPackage, type, version } = names;
  const files = new Map<string, string>();
  files.set(`proto/${service}.proto`, proto(protoPackage, type));
  files.set('package.json', packageJson(service, version));
  files.set('tsconfig.json', tsconfig);
  files.set('.gitignore', 'node_modules/\ndist/\n');
  files.set('src/greetings.ts', greetings);
  files.set('src/handler.ts', handler(names));
  files.set('src/server.ts', server(names));
  files.set('src/client.ts', client(names));
  files.set('src/handler.test.ts', handlerTest(names));
  files.set('README.md', readme(names));
  return files;
}

function proto(pkg: string, type: string): string {
  return `syntax = "proto3";

package ${pkg};

service ${type} {
  // Call answers one request with one reply.
  rpc Call(CallRequest) returns (CallResponse);
  // Stream answers one request with a stream of replies.
  rpc Stream(StreamRequest) returns (stream StreamResponse);
}

message CallRequest {
  string name = 1;
}

message CallResponse {
  string message = 1;
}

message StreamRequest {
  string name = 1;
  int32 count = 2;
}

message StreamResponse {
  string message = 1;
  int32 index = 2;
}
`;
}

function packageJson(service: string, version: string): string {
  const manifest = {
    name: service,
    version: '0.1.0',
    private: true,
    type: 'module',
    scripts: {
      gen: `tsmicro-gen --out src/gen -I proto proto/${service}.proto`,
      build: 'tsc -p .',
      test: 'tsc -p . && node --test dist/*.test.js',
      start: 'node dist/server.js',
      client: 'node dist/client.js',
    },
    dependencies: {
      '@tsmicro/core': `^${version}`,
      'reflect-metadata': thirdParty['reflect-metadata'],
      typedi: thirdParty.typedi,
    },
    devDependencies: {
      '@tsmicro/codegen': `^${version}`,
      '@types/node': thirdParty['@types/node'],
      typescript: thirdParty.typescript,
    },
  };
  return `${JSON.stringify(manifest, null, 2)}\n`;
}

const tsconfig = `${JSON.stringify(
  {
    compilerOptions: {
      target: 'ES2022',
      module: 'NodeNext',
      moduleResolution: 'NodeNext',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: true,
      types: ['node'],
      rootDir: 'src',
      outDir: 'dist',
    },
    include: ['src'],
  },
  null,
  2,
)}\n`;

const greetings = `/** Greetings makes the text of a greeting; the handler gets one injected. */
export class Greetings {
  greet(name: string): string {
    return \`Hello \${name}\`;
  }
}
`;

function handler({ service, protoPackage, type }: ScaffoldNames): string {
  return `import { Code, Context, Endpoint, MicroError, Service, ServerStream } from '@tsmicro/core';
import type { CallRequest, CallResponse, ${type}Handler, ${type}_StreamStream, StreamRequest } from './gen/${service}.js';
// A value import, not \`import type\`: the constructor's parameter type must
// survive compilation for typedi to inject it.
import { Greetings } from './greetings.js';

/** ${type} serves ${protoPackage}.${type}. */
@Service('${protoPackage}.${type}')
export class ${type} implements ${type}Handler {
  constructor(private readonly greetings: Greetings) {}

  @Endpoint()
  async call(_ctx: Context, req: CallRequest): Promise<CallResponse> {
    if (!req.name) throw new MicroError(Code.INVALID_ARGUMENT, 'name is required');
    return { message: this.greetings.greet(req.name) };
  }

  @ServerStream()
  async stream(ctx: Context, req: StreamRequest, stream: ${type}_StreamStream): Promise<void> {
    const count = req.count ?? 0;
    if (count < 1 || count > 100) throw new MicroError(Code.INVALID_ARGUMENT, 'count must be 1 to 100');
    for (let index = 0; index < count && !ctx.signal.aborted; index++) {
      await stream.send({ message: this.greetings.greet(req.name ?? ''), index });
    }
  }
}
`;
}

function server({ service, type }: ScaffoldNames): string {
  return `// \`npm start\`: serves ${service} until SIGINT or SIGTERM. Transport, registry and
// address come from MICRO_* variables or micro.config.json (grpc on a free port
// of every interface by default; MICRO_SERVER_ADDRESS=127.0.0.1:50051 to choose).
import './gen/${service}.js';
import { micro } from '@tsmicro/core';
import { ${type} } from './handler.js';

const service = micro.newService({ name: '${service}' });
service.handle(${type});
await service.run({ onListening: (address) => console.log(\`LISTENING \${address}\`) });
`;
}

function client({ service, type }: ScaffoldNames): string {
  return `// \`npm run client -- host:port [name]\`: calls ${service} there, unary then stream.
import { isMicroError, micro } from '@tsmicro/core';
import { new${type}Service } from './gen/${service}.js';

const [address, name = 'world'] = process.argv.slice(2);
if (!address) {
  console.error('usage: node dist/client.js host:port [name]');
  process.exit(2);
}
const client = micro.newService({ name: '${service}.client' }).client();
const ${camel(type)} = new${type}Service('${service}', client);
try {
  const reply = await ${camel(type)}.call({ name }, { address, timeout: 5000 });
  console.log(reply.message);
  const replies = await ${camel(type)}.stream({ name, count: 3 }, { address, timeout: 5000 });
  for await (const part of replies) console.log(\`\${part.index}: \${part.message}\`);
} catch (err) {
  console.error(isMicroError(err) ? \`error: \${err.message}\` : err);
  process.exitCode = 1;
} finally {
  await client.close();
}
`;
}

function handlerTest({ service, type }: ScaffoldNames): string {
  const stub = camel(type);
  return `import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Code, type MicroService, isMicroError, micro } from '@tsmicro/core';
import { Container } from 'typedi';
import { type ${type}Service, new${type}Service } from './gen/${service}.js';
import { Greetings } from './greetings.js';
import { ${type} } from './handler.js';

// The service on the in-process transport, with a fake Greetings in its own container.
describe('${type}', () => {
  let service: MicroService;
  let ${stub}: ${type}Service;

  before(async () => {
    const container = Container.of('${service}-test');
    container.set(Greetings, { greet: (name: string) => \`Hi \${name}\` });
    service = micro.newService({ name: '${service}', transport: 'memory', server: { address: '127.0.0.1:0' }, container });
    service.handle(${type});
    await service.start();
    ${stub} = new${type}Service('${service}', service.client());
  });

  after(() => service.stop());

  it('answers a call with the injected greeting', async () => {
    assert.equal((await ${stub}.call({ name: 'Ada' })).message, 'Hi Ada');
  });

  it('refuses an empty name with INVALID_ARGUMENT', async () => {
    await assert.rejects(${stub}.call({ name: '' }), (err) => isMicroError(err) && err.code === Code.INVALID_ARGUMENT);
  });

  it('streams count replies', async () => {
    const got: number[] = [];
    for await (const reply of await ${stub}.stream({ name: 'Ada', count: 3 })) got.push(reply.index ?? -1);
    assert.deepEqual(got, [0, 1, 2]);
  });

  it('refuses a stream of zero replies', async () => {
    const replies = await ${stub}.stream({ name: 'Ada', count: 0 });
    await assert.rejects(replies.recv(), (err) => isMicroError(err) && err.code === Code.INVALID_ARGUMENT);
  });
});
`;
}

function readme({ service, protoPackage, type }: ScaffoldNames): string {
  return `# ${service}

A tsmicro service, made by \`tsmicro new ${service}\`: \`${protoPackage}.${type}\` with a unary
\`Call\` and a server-streaming \`Stream\`.

\`\`\`sh
npm install
npm test                                   # build, then the tests in src/handler.test.ts
npm start                                  # prints LISTENING host:port
npm run client -- 127.0.0.1:PORT Ada       # calls the running server
\`\`\`

| file | what it is |
| --- | --- |
| \`proto/${service}.proto\` | the service contract |
| \`src/gen/${service}.ts\` | generated by \`npm run gen\` after the .proto changes: messages, client stub, handler interface |
| \`src/handler.ts\` | the \`${type}\` handler class; typedi injects \`Greetings\` into it |
| \`src/server.ts\`, \`src/client.ts\` | the entry points |
| \`src/handler.test.ts\` | tests over the in-process transport, with a fake \`Greetings\` |

\`tsconfig.json\` sets \`experimentalDecorators\` and \`emitDecoratorMetadata\`: tsmicro reads the
handler's decorators and constructor parameter types from that metadata, so build with \`tsc\`
(esbuild and tsx do not emit it). Configuration (transport, registry, address) comes from \`MICRO_*\`
environment variables or \`micro.config.json\`; see tsmicro's README.
`;
}

function camel(type: string): string {
  return type.charAt(0).toLowerCase() + type.slice(1);
}
