import { connect, constants, type IncomingHttpHeaders } from 'node:http2';

/** RawH2Result is one gRPC call as seen on the HTTP/2 wire, before any gRPC library decodes it. */
export interface RawH2Result {
  readonly headers: IncomingHttpHeaders;
  readonly trailers: IncomingHttpHeaders;
  /** status is where grpc-status came: the trailers, or the headers of a trailers-only response. */
  readonly status: IncomingHttpHeaders;
  /** body is every DATA byte of the response, gRPC length-prefixes included. */
  readonly body: Buffer;
}

/** grpcFrame wraps one serialized message in gRPC's 5-byte length prefix (uncompressed). */
export function grpcFrame(message: Uint8Array): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/**
 * rawH2Call sends one gRPC request with node:http2 alone, so a test controls
 * and sees the exact header values, and resolves the raw response.
 */
export function rawH2Call(address: string, path: string, body: Buffer, extraHeaders: Record<string, string> = {}): Promise<RawH2Result> {
  const session = connect(`http://${address}`);
  return new Promise<RawH2Result>((resolve, reject) => {
    session.once('error', reject);
    const req = session.request({
      [constants.HTTP2_HEADER_METHOD]: 'POST',
      [constants.HTTP2_HEADER_PATH]: path,
      [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
      te: 'trailers',
      ...extraHeaders,
    });
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    const chunks: Buffer[] = [];
    req.on('response', (h) => {
      headers = h;
    });
    req.on('trailers', (t) => {
      trailers = t;
    });
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', reject);
    req.on('end', () => {
      const status = trailers['grpc-status'] === undefined ? headers : trailers;
      resolve({ headers, trailers, status, body: Buffer.concat(chunks) });
    });
    req.end(body);
  }).finally(() => session.close());
}
