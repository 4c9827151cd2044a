import { z } from 'zod';
import { logLevels } from '../logger/logger.js';

/** transportNames are the transports configuration may choose. */
export const transportNames = ['grpc', 'tcp', 'memory'] as const;
/** clientTransportNames are what client.transports may list: "in-process" reaches a node this process serves without a socket. */
export const clientTransportNames = ['in-process', 'tcp', 'grpc', 'memory'] as const;
/** codecNames are the message codecs configuration may choose. */
export const codecNames = ['proto', 'json'] as const;
/** registryKinds are the registries configuration may choose. */
export const registryKinds = ['memory', 'etcd'] as const;
/** loggerKinds are the loggers configuration may choose. */
export const loggerKinds = ['console', 'pino'] as const;
/** brokerKinds are the event brokers configuration may choose. */
export const brokerKinds = ['memory', 'nats'] as const;

// setTimeout overflows past 2^31-1 ms and fires at once, so no duration may exceed it.
const maxMs = 2_147_483_647;

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `accepted values are ${values.join(', ')}` });
}

function integer(min: number, max: number, unit = '') {
  const expected = `expected a whole number${unit} from ${min} to ${max}`;
  return z.number({ error: expected }).int(expected).min(min, expected).max(max, expected);
}

function ms(min: number) {
  return integer(min, maxMs, ' of milliseconds');
}

function ratio(min: number, max: number) {
  const expected = `expected a number from ${min} to ${max}`;
  return z.number({ error: expected }).min(min, expected).max(max, expected);
}

function text(what: string) {
  return z.string({ error: `expected ${what}` }).min(1, `expected ${what}`);
}

function section<T extends z.ZodRawShape>(shape: T) {
  return z.strictObject(shape, {
    error: (issue) => (issue.code === 'invalid_type' ? 'expected an object' : undefined),
  });
}

const hostPortPattern = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]*):(\d{1,5})$/;

/** hostPort accepts "host:port" or "[v6]:port"; an empty host only where emptyHost says what it means. */
function hostPort(emptyHost: string | undefined, minPort: number) {
  const expected = emptyHost
    ? `expected host:port (or :port for ${emptyHost}) with a port from ${minPort} to 65535`
    : `expected host:port with a port from ${minPort} to 65535`;
  return z
    .string({ error: expected })
    .refine((s) => {
      const m = hostPortPattern.exec(s);
      if (!m) return false;
      const port = Number(m[2]);
      return port >= minPort && port <= 65535 && (emptyHost !== undefined || m[1] !== '');
    }, expected);
}

function listenAddress() {
  return hostPort('all interfaces', 0).transform((a) => (a.startsWith(':') ? `0.0.0.0${a}` : a));
}

const pemOrPath = text('a file path or PEM text');

/**
 * nameList accepts one name, a comma-separated list ("grpc,tcp") or an
 * array, each name once, and yields the array.
 */
function nameList<const T extends readonly [string, ...string[]]>(values: T) {
  const expected = `expected one of ${values.join(', ')} or a list of them`;
  return z.preprocess(
    (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()) : v),
    z
      .array(oneOf(values), { error: expected })
      .min(1, expected)
      .superRefine((list, ctx) => {
        const twice = list.find((name, i) => list.indexOf(name) !== i);
        if (twice !== undefined) ctx.addIssue({ code: 'custom', message: `lists ${twice} twice` });
      }),
  );
}

function backoff() {
  return {
    initialMs: ms(0).describe('Delay before the first retry.'),
    maxMs: ms(0).describe('Cap on the delay.'),
    multiplier: ratio(1, 10).describe('Growth of the delay after each attempt.'),
  };
}

function initialWithinMax(v: { initialMs: number; maxMs: number }, ctx: z.RefinementCtx): void {
  if (v.initialMs > v.maxMs) {
    ctx.addIssue({ code: 'custom', path: ['initialMs'], message: `must not exceed maxMs (${v.maxMs})` });
  }
}

/**
 * configSchema validates the whole merged configuration (defaults, file,
 * environment and code options) in one pass. Objects are strict, so a
 * misspelt key is an error rather than a silently ignored setting.
 */
export const configSchema = section({
  name: text("a service name of letters, digits, '.', '_' or '-'")
    .regex(/^[A-Za-z0-9._-]+$/, "expected a service name of letters, digits, '.', '_' or '-'")
    .describe('Name the service registers under and clients call it by.'),
  version: text('a version string').describe('Version registered with each node.'),
  transport: nameList(transportNames).describe(
    'How calls travel: gRPC over HTTP/2, tsmicro tcp framing, or in-process; several serve the same handlers on each.',
  ),
  codec: oneOf(codecNames).describe('Codec clients use for requests; servers answer in the codec a call arrives in.'),
  server: section({
    address: listenAddress().describe('Address the server listens on; port 0 picks a free port.'),
    addresses: section({
      grpc: listenAddress().optional(),
      tcp: listenAddress().optional(),
      memory: listenAddress().optional(),
    }).describe('Listen address per transport; the first transport falls back to server.address, the others to its host on port 0.'),
    graceMs: ms(0).describe('On shutdown, how long open calls may run before they are cancelled.'),
    maxMessageSize: integer(1, maxMs, ' of bytes').describe('Largest message a server accepts.'),
    maxConcurrentStreams: integer(1, 4_294_967_295).describe('Most calls one client connection may have open at once.'),
    health: z.boolean({ error: 'expected true or false' }).describe('Serve grpc.health.v1.Health on the grpc transport.'),
    reflection: z.boolean({ error: 'expected true or false' }).describe('Serve gRPC server reflection on the grpc transport.'),
  }),
  registry: section({
    kind: oneOf(registryKinds).describe('Service discovery: in-process memory, or etcd shared across machines.'),
    address: z
      .array(hostPort(undefined, 1), { error: 'expected a list of host:port addresses' })
      .describe('Registry endpoints; empty means the registry’s own default.'),
    ttlMs: ms(1).describe('A node vanishes from discovery this long after its process stops renewing it.'),
    intervalMs: ms(1).describe('How often a server renews its registration.'),
  }).superRefine((v, ctx) => {
    if (v.intervalMs >= v.ttlMs) {
      ctx.addIssue({ code: 'custom', path: ['intervalMs'], message: `must be less than registry.ttlMs (${v.ttlMs})` });
    }
  }),
  broker: section({
    kind: oneOf(brokerKinds).describe('Events: in-process memory, or NATS shared across processes and machines.'),
    address: z
      .array(hostPort(undefined, 1), { error: 'expected a list of host:port addresses' })
      .describe('Broker servers; empty means the broker’s own default (NATS: 127.0.0.1:4222).'),
    timeoutMs: ms(1).describe('How long connecting and a durable publish may wait for the broker.'),
  }),
  client: section({
    poolSize: integer(1, 1000).describe('Most connections kept per server address.'),
    poolTtlMs: ms(0).describe('An unused pooled connection closes after this long.'),
    maxStreamsPerConnection: integer(1, 4_294_967_295).describe('Calls one pooled connection carries before another is dialed.'),
    timeoutMs: ms(1).describe('Default deadline of a call that sets none.'),
    retries: integer(0, 10).describe('Extra attempts for a call that failed without reaching a handler.'),
    retryBackoff: section(backoff()).superRefine(initialWithinMax),
    transports: nameList(clientTransportNames).describe('Transports a client prefers, first first; each node is reached over the first one both sides have.'),
  }),
  keepalive: section({
    timeMs: ms(1).optional().describe('Idle time before a connection is pinged; absent means the transport’s default (grpc 300 s, tcp 30 s).'),
    timeoutMs: ms(1).optional().describe('A ping unanswered this long marks the connection dead; absent means the transport’s default (grpc 20 s, tcp 10 s).'),
  }),
  reconnect: section({
    ...backoff(),
    jitter: ratio(0, 1).describe('Fraction of each delay that is randomised.'),
  }).superRefine(initialWithinMax),
  log: section({
    kind: oneOf(loggerKinds).describe('Logger: dependency-free logfmt lines, or pino (from @tsmicro/observability).'),
    level: oneOf(logLevels).describe('Lowest level logged.'),
    calls: z.boolean({ error: 'expected true or false' }).describe('Log one line per call (access log).'),
  }),
  metrics: section({
    address: hostPort('all interfaces', 0)
      .transform((a) => (a.startsWith(':') ? `0.0.0.0${a}` : a))
      .optional()
      .describe('Serve Prometheus metrics at http://address/metrics; absent means no metrics.'),
  }),
  tracing: section({
    enabled: z.boolean({ error: 'expected true or false' }).describe('OpenTelemetry spans and W3C trace context on every call.'),
  }),
  tls: section({
    cert: pemOrPath.optional().describe('Certificate chain of this side.'),
    key: pemOrPath.optional().describe('Private key of this side.'),
    ca: pemOrPath.optional().describe('Roots the peer certificate must chain to.'),
    requireClientCert: z.boolean({ error: 'expected true or false' }).optional().describe('Server: demand client certificates.'),
    serverName: text('a host name').optional().describe('Client: name the server certificate must carry.'),
  })
    .superRefine((v, ctx) => {
      if ((v.cert === undefined) !== (v.key === undefined)) {
        const [given, missing] = v.cert === undefined ? ['key', 'cert'] : ['cert', 'key'];
        ctx.addIssue({ code: 'custom', path: [given], message: `needs tls.${missing} as well` });
      }
    })
    .optional()
    .describe('TLS for every socket transport; absent means plaintext.'),
}).superRefine((v, ctx) => {
  // An address for a transport the service does not serve is a mistake, not a setting to ignore.
  for (const [name, address] of Object.entries(v.server.addresses)) {
    if (address !== undefined && !(v.transport as readonly string[]).includes(name)) {
      ctx.addIssue({ code: 'custom', path: ['server', 'addresses', name], message: `is set but transport is ${v.transport.join(',')}` });
    }
  }
});

type DeepPartial<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: DeepPartial<T[K]> }
    : T;

/** ResolvedConfig is the validated configuration with every default applied. */
export type ResolvedConfig = z.output<typeof configSchema>;

/** MicroOptionsInput is what code may pass: any part of the configuration, the rest comes from env, file and defaults. */
export type MicroOptionsInput = DeepPartial<z.input<typeof configSchema>>;
