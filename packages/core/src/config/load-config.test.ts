import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defaults } from './defaults.js';
import { loadConfig } from './load-config.js';
import { configSchema } from './schema.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'micro-config-'));
});

afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

/** configError runs fn and returns the ConfigError it throws. */
function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

describe('loadConfig', () => {
  it('returns the defaults when code, environment and cwd set nothing', () => {
    const config = loadConfig({}, { env: {}, cwd: dir });
    expect(config).toEqual({ ...defaults, tls: undefined });
    expect(config.registry.address).not.toBe(defaults.registry.address);
  });

  it('applies code over environment over a JSON file over defaults, merging nested objects key by key', () => {
    write(
      'micro.config.json',
      JSON.stringify({
        transport: 'tcp',
        codec: 'json',
        registry: { kind: 'etcd', address: ['10.0.0.5:2379'] },
        client: { poolSize: 3, timeoutMs: 700 },
      }),
    );
    const config = loadConfig(
      { client: { poolSize: 5 } },
      { env: { MICRO_TRANSPORT: 'memory', MICRO_POOL_SIZE: '4', MICRO_CLIENT_TIMEOUT: '900ms' }, cwd: dir },
    );
    expect(config.transport).toEqual(['memory']); // env over file
    expect(config.codec).toBe('json'); // file over default
    expect(config.client.poolSize).toBe(5); // code over env and file
    expect(config.client.timeoutMs).toBe(900); // env over file
    expect(config.client.retries).toBe(defaults.client.retries); // untouched sibling keeps its default
    expect(config.registry).toEqual({ ...defaults.registry, kind: 'etcd', address: ['10.0.0.5:2379'] });
  });

  it.each(['micro.config.yaml', 'micro.config.yml'])('applies the same precedence to %s', (name) => {
    write(name, 'transport: tcp\nserver:\n  graceMs: 2000\n  address: 127.0.0.1:9000\nclient:\n  poolSize: 3\n');
    const config = loadConfig(
      { server: { graceMs: 500 } },
      { env: { MICRO_SERVER_ADDRESS: '127.0.0.1:9100', MICRO_POOL_SIZE: '4' }, cwd: dir },
    );
    expect(config.transport).toEqual(['tcp']);
    expect(config.server).toEqual({ ...defaults.server, graceMs: 500, address: '127.0.0.1:9100' });
    expect(config.client.poolSize).toBe(4);
  });

  it('lets code options that are undefined fall through to lower layers', () => {
    const config = loadConfig({ transport: undefined, name: 'greeter' }, { env: { MICRO_TRANSPORT: 'tcp' }, cwd: dir });
    expect(config).toMatchObject({ transport: ['tcp'], name: 'greeter' });
  });

  it('reads the file MICRO_CONFIG_FILE names, and the file option overrides it', () => {
    mkdirSync(join(dir, 'conf'));
    write('conf/prod.yaml', 'transport: tcp\n');
    write('conf/dev.json', '{"transport": "memory"}');
    write('micro.config.json', '{"transport": "grpc", "codec": "json"}');
    const env = { MICRO_CONFIG_FILE: 'conf/prod.yaml' };
    expect(loadConfig({}, { env, cwd: dir })).toMatchObject({ transport: ['tcp'], codec: 'proto' });
    expect(loadConfig({}, { env, cwd: dir, file: 'conf/dev.json' }).transport).toEqual(['memory']);
    expect(loadConfig({}, { env, cwd: dir, file: false })).toMatchObject({ transport: ['grpc'], codec: 'proto' });
  });

  it('names MICRO_CONFIG_FILE when the file it names is missing', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_CONFIG_FILE: 'nope.yaml' }, cwd: dir }));
    expect(err.message).toMatch(/^config file nope\.yaml \(from MICRO_CONFIG_FILE\) cannot be read: ENOENT/);
  });

  it('refuses to guess when both a JSON and a YAML config file exist', () => {
    write('micro.config.json', '{}');
    write('micro.config.yaml', '{}');
    expect(() => loadConfig({}, { env: {}, cwd: dir })).toThrow(
      'found both micro.config.json and micro.config.yaml; keep one config file',
    );
  });

  it('names the variable, value and accepted values for a bad enum in the environment', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_TRANSPORT: 'carrier-pigeon' }, cwd: dir }));
    expect(err).toBeInstanceOf(Error);
    expect(err.name).toBe('ConfigError');
    expect(err.message).toBe(
      'MICRO_TRANSPORT="carrier-pigeon" is not valid: accepted values are grpc, tcp, memory (sets transport)',
    );
    expect(err.problems[0]).toMatchObject({ key: 'transport', variable: 'MICRO_TRANSPORT', value: 'carrier-pigeon' });
  });

  it('names the variable and the range for a number that does not parse', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_POOL_SIZE: '12x' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_POOL_SIZE="12x" is not valid: expected a whole number from 1 to 1000 (sets client.poolSize)',
    );
  });

  it('names the range for a number out of range', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_CLIENT_RETRIES: '11' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_CLIENT_RETRIES="11" is not valid: expected a whole number from 0 to 10 (sets client.retries)',
    );
  });

  it('reads durations from the environment with a unit', () => {
    const env = { MICRO_POOL_TTL: '30s', MICRO_CLIENT_TIMEOUT: '1.5s', MICRO_SERVER_GRACE: '250ms', MICRO_REGISTER_TTL: '1m' };
    const config = loadConfig({}, { env, cwd: dir });
    expect(config.client.poolTtlMs).toBe(30_000);
    expect(config.client.timeoutMs).toBe(1_500);
    expect(config.server.graceMs).toBe(250);
    expect(config.registry.ttlMs).toBe(60_000);
    const err = configError(() => loadConfig({}, { env: { MICRO_POOL_TTL: '12x' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_POOL_TTL="12x" is not valid: expected a number with a unit: ms, s, m or h (e.g. 250ms, 30s, 1.5m) (sets client.poolTtlMs)',
    );
  });

  it('refuses a duration without a unit, naming the variable and the accepted form', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_CLIENT_TIMEOUT: '5' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_CLIENT_TIMEOUT="5" is not valid: expected a number with a unit: ms, s, m or h (e.g. 250ms, 30s, 1.5m) (sets client.timeoutMs)',
    );
  });

  it('names the range of a duration that has a unit but is too long', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_POOL_TTL: '1000h' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_POOL_TTL="1000h" is not valid: expected a whole number of milliseconds from 0 to 2147483647, ' +
        'given with a unit (ms, s, m or h) (sets client.poolTtlMs)',
    );
  });

  it('reads lists, booleans and text from the environment', () => {
    const env = {
      MICRO_REGISTRY: 'etcd',
      MICRO_REGISTRY_ADDRESS: ' 10.0.0.1:2379, 10.0.0.2:2379 ,',
      MICRO_TLS_CERT: PEM,
      MICRO_TLS_KEY: PEM,
      MICRO_TLS_REQUIRE_CLIENT_CERT: 'true',
      MICRO_SERVER_NAME: 'greeter',
    };
    const config = loadConfig({}, { env, cwd: dir });
    expect(config.registry).toMatchObject({ kind: 'etcd', address: ['10.0.0.1:2379', '10.0.0.2:2379'] });
    expect(config.tls).toEqual({ cert: PEM, key: PEM, requireClientCert: true });
    expect(config.name).toBe('greeter');
    const err = configError(() => loadConfig({}, { env: { MICRO_TLS_REQUIRE_CLIENT_CERT: 'yes' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_TLS_REQUIRE_CLIENT_CERT="yes" is not valid: expected true or false (sets tls.requireClientCert)',
    );
  });

  it('reads the broker kind, address and timeout from the environment and names a bad kind', () => {
    const env = { MICRO_BROKER: 'nats', MICRO_BROKER_ADDRESS: '10.0.0.1:4222,10.0.0.2:4222', MICRO_BROKER_TIMEOUT: '2s' };
    expect(loadConfig({}, { env, cwd: dir }).broker).toEqual({ kind: 'nats', address: ['10.0.0.1:4222', '10.0.0.2:4222'], timeoutMs: 2_000 });
    expect(loadConfig({}, { env: {}, cwd: dir }).broker).toEqual({ kind: 'memory', address: [], timeoutMs: 5_000 });
    expect(configError(() => loadConfig({}, { env: { MICRO_BROKER: 'kafka' }, cwd: dir })).message).toBe(
      'MICRO_BROKER="kafka" is not valid: accepted values are memory, nats (sets broker.kind)',
    );
    expect(configError(() => loadConfig({ broker: { address: ['nats://x'] } }, { env: {}, cwd: dir })).message).toMatch(/broker\.address/);
  });

  it('names the bad item of a list variable', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_REGISTRY_ADDRESS: '10.0.0.1:2379,etcd' }, cwd: dir }));
    expect(err.message).toBe(
      'MICRO_REGISTRY_ADDRESS="10.0.0.1:2379,etcd" is not valid: expected host:port with a port from 1 to 65535 ' +
        '(sets registry.address.1)',
    );
  });

  it('reads several transports, their addresses and the client preference from the environment', () => {
    const env = {
      MICRO_TRANSPORT: 'grpc, tcp',
      MICRO_SERVER_ADDRESS_TCP: ':9100',
      MICRO_CLIENT_TRANSPORTS: 'tcp,grpc',
    };
    const config = loadConfig({}, { env, cwd: dir });
    expect(config.transport).toEqual(['grpc', 'tcp']);
    expect(config.server.addresses).toEqual({ tcp: '0.0.0.0:9100' });
    expect(config.client.transports).toEqual(['tcp', 'grpc']);
    expect(loadConfig({ transport: ['tcp', 'memory'] }, { env: {}, cwd: dir }).transport).toEqual(['tcp', 'memory']);
  });

  it('names the variable for a bad or repeated name in a transport list', () => {
    expect(configError(() => loadConfig({}, { env: { MICRO_TRANSPORT: 'grpc,quic' }, cwd: dir })).message).toBe(
      'MICRO_TRANSPORT="grpc,quic" is not valid: accepted values are grpc, tcp, memory (sets transport)',
    );
    expect(configError(() => loadConfig({}, { env: { MICRO_CLIENT_TRANSPORTS: 'tcp,tcp' }, cwd: dir })).message).toBe(
      'MICRO_CLIENT_TRANSPORTS="tcp,tcp" is not valid: lists tcp twice (sets client.transports)',
    );
    expect(configError(() => loadConfig({ transport: [] }, { env: {}, cwd: dir })).message).toBe(
      'transport=[] is not valid: expected one of grpc, tcp, memory or a list of them (set in code)',
    );
  });

  it('refuses an address for a transport the service does not serve', () => {
    const err = configError(() => loadConfig({}, { env: { MICRO_TRANSPORT: 'grpc', MICRO_SERVER_ADDRESS_TCP: ':9100' }, cwd: dir }));
    expect(err.message).toBe('MICRO_SERVER_ADDRESS_TCP=":9100" is not valid: is set but transport is grpc (sets server.addresses.tcp)');
    const unknown = configError(() => loadConfig({ server: { addresses: { quic: ':1' } } } as never, { env: {}, cwd: dir }));
    expect(unknown.message).toMatch(/server\.addresses\.quic=":1" is not a known key: accepted keys are grpc, tcp, memory/);
  });

  it('treats empty variables as unset', () => {
    expect(loadConfig({}, { env: { MICRO_TRANSPORT: '', MICRO_POOL_SIZE: ' ' }, cwd: dir })).toMatchObject({
      transport: defaults.transport,
      client: { poolSize: defaults.client.poolSize },
    });
  });

  it('names the file, line and accepted keys for an unknown key in a YAML file', () => {
    write('micro.config.yaml', 'transport: tcp\nclient:\n  timeoutMs: 100\n  poolsize: 4\n');
    const err = configError(() => loadConfig({}, { env: {}, cwd: dir }));
    expect(err.message).toBe(
      'micro.config.yaml:4: client.poolsize=4 is not a known key: accepted keys are poolSize, poolTtlMs, ' +
        'maxStreamsPerConnection, timeoutMs, retries, retryBackoff, transports',
    );
    expect(err.problems[0]).toMatchObject({ key: 'client.poolsize', file: 'micro.config.yaml', line: 4 });
  });

  it('names the file and line of an unknown or bad key in a JSON file', () => {
    write('micro.config.json', '{\n  "transport": "tcp",\n  "registry": {\n    "kind": "consul"\n  },\n  "colour": "blue"\n}\n');
    const err = configError(() => loadConfig({}, { env: {}, cwd: dir }));
    expect(err.message.split('\n')).toEqual([
      'micro.config.json:4: registry.kind="consul" is not valid: accepted values are memory, etcd',
      expect.stringMatching(/^micro\.config\.json:6: colour="blue" is not a known key: accepted keys are name, version, transport, .*, tls$/),
    ]);
    expect(err.problems).toHaveLength(2);
  });

  it('names code as the source of an unknown key passed in code', () => {
    const options = { server: { adress: ':8080' } } as unknown as Parameters<typeof loadConfig>[0];
    const err = configError(() => loadConfig(options, { env: {}, cwd: dir }));
    expect(err.message).toBe(
      'server.adress=":8080" is not a known key: accepted keys are address, addresses, graceMs, maxMessageSize, maxConcurrentStreams, health, reflection (set in code)',
    );
  });

  it('names the file, line and column of malformed JSON', () => {
    write('micro.config.json', '{\n  "transport": "tcp",\n}\n');
    const err = configError(() => loadConfig({}, { env: {}, cwd: dir }));
    expect(err.message).toMatch(/^micro\.config\.json:3:1: not valid JSON: \S/);
    expect(err.problems[0]).toMatchObject({ file: 'micro.config.json', line: 3 });
  });

  it('names the file and line of malformed YAML', () => {
    write('micro.config.yml', 'transport: tcp\nclient:\n  poolSize: [1,\nname: x\n');
    const err = configError(() => loadConfig({}, { env: {}, cwd: dir }));
    expect(err.message).toMatch(/^micro\.config\.yml:4:1: not valid YAML: \S/);
    expect(err.message).not.toContain('\n');
  });

  it('rejects duplicate keys in YAML rather than keeping the last one', () => {
    write('micro.config.yaml', 'transport: tcp\ntransport: grpc\n');
    expect(configError(() => loadConfig({}, { env: {}, cwd: dir })).message).toMatch(
      /^micro\.config\.yaml:2:1: not valid YAML: Map keys must be unique/,
    );
  });

  it('rejects a file whose top level is not an object', () => {
    write('micro.config.yaml', '- transport\n');
    expect(() => loadConfig({}, { env: {}, cwd: dir })).toThrow(
      'micro.config.yaml: expected an object of config keys at the top level, found a list',
    );
  });

  it('accepts an empty YAML file', () => {
    write('micro.config.yaml', '# nothing yet\n');
    expect(loadConfig({}, { env: {}, cwd: dir })).toEqual({ ...defaults, tls: undefined });
  });

  it('reports a __proto__ key as unknown and leaves prototypes alone', () => {
    write('micro.config.json', '{"__proto__": {"polluted": true}}');
    const err = configError(() => loadConfig({}, { env: {}, cwd: dir }));
    expect(err.message).toMatch(/^micro\.config\.json:1: __proto__=\{"polluted":true\} is not a known key/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('lists every problem, one per line', () => {
    const err = configError(() =>
      loadConfig({ client: { poolSize: 0 } }, { env: { MICRO_CODEC: 'xml', MICRO_SERVER_ADDRESS: 'localhost' }, cwd: dir }),
    );
    expect(err.message.split('\n')).toEqual([
      'MICRO_CODEC="xml" is not valid: accepted values are proto, json (sets codec)',
      'MICRO_SERVER_ADDRESS="localhost" is not valid: expected host:port (or :port for all interfaces) with a port from 0 to 65535 (sets server.address)',
      'client.poolSize=0 is not valid: expected a whole number from 1 to 1000 (set in code)',
    ]);
  });

  it('checks that a server renews its registration more often than the TTL', () => {
    write('micro.config.yaml', 'registry:\n  intervalMs: 40000\n');
    expect(configError(() => loadConfig({}, { env: {}, cwd: dir })).message).toBe(
      'micro.config.yaml:2: registry.intervalMs=40000 is not valid: must be less than registry.ttlMs (30000)',
    );
  });

  it('expands a server address of :port to all interfaces', () => {
    expect(loadConfig({}, { env: { MICRO_SERVER_ADDRESS: ':8080' }, cwd: dir }).server.address).toBe('0.0.0.0:8080');
    expect(loadConfig({ server: { address: '[::1]:0' } }, { env: {}, cwd: dir }).server.address).toBe('[::1]:0');
  });

  it('reads TLS files relative to the config file, and keeps inline PEM', () => {
    mkdirSync(join(dir, 'conf'));
    write('conf/server.pem', PEM);
    write('conf/server.key', 'KEY PEM');
    write('conf/micro.config.yaml', 'tls:\n  cert: server.pem\n  key: server.key\n');
    const config = loadConfig({ tls: { ca: PEM } }, { env: {}, cwd: dir, file: 'conf/micro.config.yaml' });
    expect(config.tls).toEqual({ cert: PEM, key: 'KEY PEM', ca: PEM });
  });

  it('names the variable when a TLS file cannot be read', () => {
    const env = { MICRO_TLS_CERT: 'missing.pem', MICRO_TLS_KEY: PEM };
    const err = configError(() => loadConfig({}, { env, cwd: dir }));
    expect(err.message).toMatch(
      /^MICRO_TLS_CERT="missing\.pem" cannot be read as a PEM file: ENOENT.* \(sets tls\.cert\)$/,
    );
  });

  it('requires a TLS certificate and key together', () => {
    const err = configError(() => loadConfig({ tls: { cert: PEM } }, { env: {}, cwd: dir }));
    expect(err.message).toBe('tls.cert=<PEM text> is not valid: needs tls.key as well (set in code)');
    const fromEnv = configError(() => loadConfig({}, { env: { MICRO_TLS_KEY: PEM }, cwd: dir }));
    expect(fromEnv.message).toBe('MICRO_TLS_KEY=<PEM text> is not valid: needs tls.cert as well (sets tls.key)');
    expect(fromEnv.problems[0]?.value).toBe('<PEM text>');
  });

  it('refuses options that are not an object', () => {
    expect(() => loadConfig('tcp' as never, { env: {}, cwd: dir })).toThrow(ConfigError);
  });
});

describe('defaults', () => {
  it('passes the schema unchanged', () => {
    expect(configSchema.parse(defaults)).toEqual(defaults);
  });

  it('cannot be changed by accident', () => {
    expect(Object.isFrozen(defaults.client)).toBe(true);
    expect(Object.isFrozen(defaults.registry.address)).toBe(true);
  });
});

describe('loadConfig: log, metrics and tracing', () => {
  it('reads MICRO_LOG, MICRO_LOG_LEVEL, MICRO_LOG_CALLS, MICRO_METRICS_ADDRESS and MICRO_TRACING', () => {
    const config = loadConfig(
      {},
      {
        env: {
          MICRO_LOG: 'pino',
          MICRO_LOG_LEVEL: 'debug',
          MICRO_LOG_CALLS: 'true',
          MICRO_METRICS_ADDRESS: ':9464',
          MICRO_TRACING: '1',
        },
        cwd: dir,
      },
    );
    expect(config.log).toEqual({ kind: 'pino', level: 'debug', calls: true });
    expect(config.metrics.address).toBe('0.0.0.0:9464');
    expect(config.tracing.enabled).toBe(true);
  });

  it('leaves metrics and tracing off and logs info lines by default', () => {
    const config = loadConfig({}, { env: {}, cwd: dir });
    expect(config.log).toEqual({ kind: 'console', level: 'info', calls: false });
    expect(config.metrics.address).toBeUndefined();
    expect(config.tracing.enabled).toBe(false);
  });

  it('names the variable and the accepted values for a bad level, kind, flag or address', () => {
    const err = configError(() =>
      loadConfig(
        {},
        { env: { MICRO_LOG_LEVEL: 'loud', MICRO_LOG: 'winston', MICRO_LOG_CALLS: 'yes', MICRO_METRICS_ADDRESS: 'nowhere' }, cwd: dir },
      ),
    );
    expect(err.message).toContain('MICRO_LOG_LEVEL="loud" is not valid: accepted values are trace, debug, info, warn, error, silent');
    expect(err.message).toContain('MICRO_LOG="winston" is not valid: accepted values are console, pino');
    expect(err.message).toContain('MICRO_LOG_CALLS="yes" is not valid: expected true or false');
    expect(err.message).toContain('MICRO_METRICS_ADDRESS="nowhere" is not valid: expected host:port');
  });

  it('refuses an unknown key under log', () => {
    const err = configError(() => loadConfig({ log: { colour: true } as never }, { env: {}, cwd: dir }));
    expect(err.message).toContain('log.colour');
  });
});
