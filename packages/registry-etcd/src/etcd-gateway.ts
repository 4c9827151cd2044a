import http from 'node:http';

/** EtcdResponseError is an error answer from etcd itself (e.g. "lease not found"). */
export class EtcdResponseError extends Error {
  override readonly name = 'EtcdResponseError';

  /** code is the gRPC status code etcd answered with. */
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

/** EtcdUnavailableError means no etcd endpoint answered; the message names them. */
export class EtcdUnavailableError extends Error {
  override readonly name = 'EtcdUnavailableError';
}

/** EtcdCompactedError ends a watch whose start revision etcd has compacted away. */
export class EtcdCompactedError extends Error {
  override readonly name = 'EtcdCompactedError';

  constructor(readonly compactRevision: number) {
    super(`etcd compacted the watched revisions up to ${compactRevision}`);
  }
}

/** EtcdKeyValue is a key-value pair as etcd's JSON gateway returns it (base64 fields). */
export interface EtcdKeyValue {
  key: string;
  value?: string;
  mod_revision?: string;
  lease?: string;
}

/** EtcdHeader is the response header etcd puts on every answer. */
export interface EtcdHeader {
  revision?: string;
}

/** EtcdWatchResult is one message of a watch stream. */
export interface EtcdWatchResult {
  header?: EtcdHeader;
  created?: boolean;
  canceled?: boolean;
  compact_revision?: string;
  cancel_reason?: string;
  events?: Array<{ type?: 'PUT' | 'DELETE'; kv: EtcdKeyValue }>;
}

/**
 * EtcdGateway speaks etcd's v3 API through its built-in JSON gateway (POST
 * /v3/...), trying each endpoint in turn. Plain HTTP keeps the registry free
 * of a gRPC client for etcd's own protos; every call it needs (KV, lease,
 * watch) is there.
 */
export class EtcdGateway {
  private readonly agent = new http.Agent({ keepAlive: true, keepAliveMsecs: 1_000 });
  private readonly watches = new Set<http.ClientRequest>();
  private preferred = 0;

  constructor(
    private readonly endpoints: readonly URL[],
    private readonly timeoutMs: number,
  ) {}

  /** addresses names the endpoints for error messages. */
  get addresses(): string {
    return this.endpoints.map((u) => u.host).join(', ');
  }

  /** call posts `body` to `/v3<path>` and resolves etcd's JSON answer. */
  async call<T>(path: string, body: unknown): Promise<T> {
    let last: unknown;
    for (let i = 0; i < this.endpoints.length; i++) {
      const index = (this.preferred + i) % this.endpoints.length;
      try {
        const answer = await this.post(this.endpoints[index] as URL, path, body);
        this.preferred = index;
        return answer as T;
      } catch (err) {
        if (err instanceof EtcdResponseError) throw err;
        last = err;
      }
    }
    throw new EtcdUnavailableError(`etcd at ${this.addresses} unreachable: ${describe(last)}`, { cause: last });
  }

  /**
   * watch opens a watch stream and hands each message to `onResult`. It only
   * settles when the stream ends, rejecting with the error that ended it, or
   * with what `onResult` threw. An ended stream is always an error for the
   * caller, since a watch is meant to last.
   */
  watch(createRequest: Record<string, unknown>, onResult: (result: EtcdWatchResult) => void): Promise<never> {
    const endpoint = this.endpoints[this.preferred] as URL;
    this.preferred = (this.preferred + 1) % this.endpoints.length;
    return new Promise<never>((_, reject) => {
      const payload = JSON.stringify({ create_request: createRequest });
      const req = http.request(this.options(endpoint, '/watch', payload));
      this.watches.add(req);
      let settled = false;
      const fail = (err: unknown) => {
        if (settled) return;
        settled = true;
        this.watches.delete(req);
        req.destroy();
        reject(err);
      };
      // Only the answer is bounded in time; the stream itself lasts.
      const answerTimer = setTimeout(() => fail(new Error(`watch not answered in ${this.timeoutMs} ms`)), this.timeoutMs);
      req.on('error', (err) => fail(new EtcdUnavailableError(`etcd at ${endpoint.host}: ${describe(err)}`, { cause: err })));
      req.on('close', () => {
        clearTimeout(answerTimer);
        fail(new EtcdUnavailableError(`etcd at ${endpoint.host} closed the watch stream`));
      });
      req.on('response', (res) => {
        clearTimeout(answerTimer);
        if (res.statusCode !== 200) {
          fail(new EtcdUnavailableError(`etcd at ${endpoint.host} answered the watch with HTTP ${res.statusCode}`));
          return;
        }
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (chunk: string) => {
          buffered += chunk;
          let newline = buffered.indexOf('\n');
          while (newline >= 0) {
            const line = buffered.slice(0, newline).trim();
            buffered = buffered.slice(newline + 1);
            newline = buffered.indexOf('\n');
            if (line === '') continue;
            try {
              const message = JSON.parse(line) as { result?: EtcdWatchResult; error?: { message?: string } };
              if (message.error) throw new EtcdUnavailableError(`etcd watch failed: ${message.error.message}`);
              if (message.result) onResult(message.result);
            } catch (err) {
              fail(err);
              return;
            }
          }
        });
        res.on('error', (err) => fail(err));
      });
      req.end(payload);
    });
  }

  /** close ends open watches and pooled connections. */
  close(): void {
    for (const req of this.watches) req.destroy();
    this.watches.clear();
    this.agent.destroy();
  }

  private post(endpoint: URL, path: string, body: unknown): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const payload = JSON.stringify(body);
      const req = http.request(this.options(endpoint, path, payload), (res) => {
        res.setEncoding('utf8');
        let text = '';
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          let answer: { error?: string; message?: string; code?: number };
          try {
            answer = JSON.parse(text) as typeof answer;
          } catch (err) {
            reject(new Error(`etcd at ${endpoint.host} answered ${path} with HTTP ${res.statusCode} and no JSON`, { cause: err }));
            return;
          }
          if (res.statusCode === 200) resolve(answer);
          else reject(new EtcdResponseError(answer.code ?? 2, answer.message ?? answer.error ?? `HTTP ${res.statusCode}`));
        });
      });
      req.setTimeout(this.timeoutMs, () => req.destroy(new Error(`no answer in ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(payload);
    });
  }

  private options(endpoint: URL, path: string, payload: string): http.RequestOptions {
    return {
      agent: this.agent,
      method: 'POST',
      host: endpoint.hostname,
      port: endpoint.port,
      path: `/v3${path}`,
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
    };
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${code} ${err.message}` : err.message;
  }
  return String(err);
}

/** b64 encodes a key or value for the JSON gateway. */
export const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** unb64 decodes a key or value from the JSON gateway. */
export const unb64 = (text: string | undefined): string => Buffer.from(text ?? '', 'base64').toString('utf8');

/** prefixEnd is the range_end that selects every key starting with `prefix`. */
export function prefixEnd(prefix: string): string {
  const bytes = Buffer.from(prefix, 'utf8');
  for (let i = bytes.length - 1; i >= 0; i--) {
    if ((bytes[i] as number) < 0xff) {
      bytes[i] = (bytes[i] as number) + 1;
      return bytes.subarray(0, i + 1).toString('base64');
    }
  }
  return Buffer.from([0]).toString('base64');
}
