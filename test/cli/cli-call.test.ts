import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lines, repoFile, runCli, startCli } from './support/cli-process.js';
import { type GreeterServer, startGreeter } from './support/greeter-server.js';

let greeter: GreeterServer;

beforeAll(async () => {
  greeter = await startGreeter();
});

afterAll(async () => {
  await greeter.stop();
});

describe('tsmicro call', () => {
  it('makes a unary call with types from reflection and prints the reply as JSON', async () => {
    const result = await runCli(['call', greeter.address, 'greeter.Greeter/SayHello', '{"name":"jeff"}']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({ message: 'Hello jeff' });
  });

  it('prints one JSON line per message of a server stream', async () => {
    const result = await runCli(['call', greeter.address, 'greeter.Greeter.ServerStream', '{"data":"AAPL","count":3}']);
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((l) => JSON.parse(l))).toEqual([
      { data: 'AAPL:0', index: 0 },
      { data: 'AAPL:1', index: 1 },
      { data: 'AAPL:2', index: 2 },
    ]);
  });

  it('sends each stdin line as one message of a client stream', async () => {
    const result = await runCli(['call', greeter.address, '/greeter.Greeter/ClientStream'], '{"data":"a"}\n\n{"data":"b"}\n{"data":"c"}\n');
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ data: 'a,b,c', index: 3 });
  });

  it('answers each stdin line of a bidirectional stream as it arrives', async () => {
    const run = startCli(['call', greeter.address, 'greeter.Greeter/AllStream']);
    run.write('{"data":"one","count":2}\n');
    await expect.poll(() => lines(run.output()).length, { timeout: 10_000 }).toBe(2);
    run.write('{"data":"two"}\n');
    run.end();
    const result = await run.done;
    expect(result.code).toBe(0);
    expect(lines(result.stdout).map((l) => JSON.parse(l))).toEqual([
      { data: 'echo:one', index: 0 },
      { data: 'echo:one', index: 1 },
      { data: 'echo:two', index: 0 },
    ]);
  });

  it('sends -H metadata and shows response headers and trailers with -v', async () => {
    const result = await runCli(['call', '-H', 'x-trace-id: abc-123', '-v', greeter.address, 'greeter.Greeter/SayHello', '{"name":"m"}']);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain('header x-trace-id: abc-123');
    expect(result.stderr).toContain('trailer x-trace-id: abc-123');
  });

  it('fails with DEADLINE_EXCEEDED when the call outlives --timeout', async () => {
    // A client stream whose stdin never closes can only end by its deadline.
    const run = startCli(['call', '--timeout', '500ms', greeter.address, 'greeter.Greeter/ClientStream']);
    run.write('{"data":"a"}\n');
    const result = await run.done;
    expect(result.stderr).toContain('ERROR: DEADLINE_EXCEEDED');
    expect(result.code).toBe(64 + 4);
  });

  it('refuses a --timeout without a unit, as the MICRO_* duration variables do', async () => {
    const result = await runCli(['call', '--timeout', '5', greeter.address, 'greeter.Greeter/SayHello', '{}']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--timeout: "5" is not valid: expected a number with a unit: ms, s, m or h (e.g. 250ms, 30s, 1.5m)');
  });

  it('prints the status code name and message of an error and exits non-zero', async () => {
    const result = await runCli(['call', greeter.address, 'greeter.Greeter/SayHello', '{"name":"error"}']);
    expect(result.stderr).toBe('ERROR: INVALID_ARGUMENT: bad name\n');
    expect(result.code).toBe(64 + 3);
    expect(result.stdout).toBe('');
  });

  it('names an unknown method and a bad JSON request as usage errors', async () => {
    const unknown = await runCli(['call', greeter.address, 'greeter.Greeter/Nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('greeter.Greeter has no method Nope (it has SayHello, ServerStream, ClientStream, AllStream)');
    const bad = await runCli(['call', greeter.address, 'greeter.Greeter/SayHello', '{name:']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('request is not JSON');
  });

  it('refuses a request with an unknown field or a wrong-typed one, naming message, field and type', async () => {
    const unknown = await runCli(['call', greeter.address, 'greeter.Greeter/SayHello', '{"idd":"o-1"}']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('greeter.HelloRequest: unknown field "idd"');
    const word = await runCli(['call', greeter.address, 'greeter.Greeter/ServerStream', '{"data":"a","count":"lots"}']);
    expect(word.code).toBe(2);
    expect(word.stderr).toContain('greeter.StreamRequestData.count: expected an integer (int32)');
    expect(word.stdout).toBe('');
  });

  it('reports NOT_FOUND for a service the server does not describe', async () => {
    const result = await runCli(['call', greeter.address, 'no.Such/Thing', '{}']);
    expect(result.stderr).toContain('ERROR: NOT_FOUND: server reflection: symbol no.Such not found');
    expect(result.code).toBe(64 + 5);
  });

  it('prints help for the command and exits 0', async () => {
    const result = await runCli(['call', '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('usage: tsmicro call');
    expect(result.stdout).toContain('--timeout');
  });
});

describe('tsmicro call --proto', () => {
  let bare: GreeterServer;

  beforeAll(async () => {
    bare = await startGreeter({ reflection: false });
  });

  afterAll(async () => {
    await bare.stop();
  });

  it('calls a server with reflection off using a local .proto', async () => {
    const proto = repoFile('examples/greeter/greeter.proto');
    const result = await runCli(['call', '--proto', proto, bare.address, 'greeter.Greeter/SayHello', '{"name":"offline"}']);
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual({ message: 'Hello offline' });
  });

  it('says UNIMPLEMENTED when reflection is off and no --proto is given', async () => {
    const result = await runCli(['call', bare.address, 'greeter.Greeter/SayHello', '{}']);
    expect(result.stderr).toContain('ERROR: UNIMPLEMENTED');
    expect(result.code).toBe(64 + 12);
  });
});
