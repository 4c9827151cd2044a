import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exampleEnv, repoRoot } from '../../test/support/example-process.js';

const demo = fileURLToPath(new URL('../dist/observability/demo.js', import.meta.url));

function runDemo(transport: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [demo], { cwd: repoRoot, env: exampleEnv({ MICRO_TRANSPORT: transport }), timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe.each(['tcp', 'grpc'])('observability demo over %s', (transport) => {
  it('prints one trace per request through edge to greeter, the metrics of both, and pino logs on stderr', async () => {
    const run = await runDemo(transport);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain('reply: edge says: Hello jeff');
    expect(out).toContain('refused: INVALID_ARGUMENT: bad name');

    // One root span, two requests, each four RPC spans deep: caller → edge → greeter.
    const tree = out.slice(out.indexOf('traces:'), out.indexOf('edge metrics')).trim().split('\n').slice(1);
    expect(tree.filter((l) => l.startsWith('trace '))).toHaveLength(1);
    expect(tree.filter((l) => / server greeter\.Greeter\/SayHello \[edge\]/.test(l))).toHaveLength(2);
    expect(tree.filter((l) => / server greeter\.Greeter\/SayHello \[greeter\]/.test(l))).toHaveLength(2);
    expect(tree.filter((l) => l.includes('code=3 ERROR'))).toHaveLength(2);
    const depth = (l: string) => l.indexOf('└─') >= 0 ? l.indexOf('└─') : l.indexOf('├─');
    expect(tree.filter((l) => l.includes('[greeter]')).map(depth)).toEqual([12, 12]);

    for (const side of ['server', 'client']) {
      expect(out).toContain(`grpc_${side}_handled_total{grpc_type="unary",grpc_service="greeter.Greeter",grpc_method="SayHello",grpc_code="OK"} 1`);
    }

    const logs = run.stderr.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const traceId = /^trace ([0-9a-f]{32})$/m.exec(out)?.[1];
    const calls = logs.filter((l) => l.msg === 'finished call');
    // edge and greeter serve two calls each; edge makes two, the caller (no access log) none logged.
    expect(calls).toHaveLength(6);
    expect(new Set(calls.map((c) => c.trace_id))).toEqual(new Set([traceId]));
    for (const event of ['listening', 'registered', 'deregistered', 'draining', 'stopped']) {
      expect(logs.filter((l) => l.msg === event && l.service === 'greeter'), event).toHaveLength(1);
    }
  });
});
