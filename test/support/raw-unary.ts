import * as grpc from '@grpc/grpc-js';

/** RawUnaryResult is everything a stock client saw of a successful unary call. */
export interface RawUnaryResult<Res> {
  readonly value: Res;
  /** headers holds one entry per response-headers event (a correct server sends exactly one). */
  readonly headers: grpc.Metadata[];
  readonly status: grpc.StatusObject;
}

/** RawCallOptions are the per-call knobs the interop cases need. */
export interface RawCallOptions {
  readonly metadata?: grpc.Metadata;
  readonly deadline?: number;
}

/**
 * rawUnary makes a unary call through a stock grpc-js client. It rejects with
 * grpc-js's ServiceError (code, details, trailers in `metadata`) on a non-OK status.
 */
export function rawUnary<Req, Res>(
  client: grpc.Client,
  method: Pick<grpc.MethodDefinition<Req, Res>, 'path' | 'requestSerialize' | 'responseDeserialize'>,
  request: Req,
  options: RawCallOptions = {},
): Promise<RawUnaryResult<Res>> {
  return new Promise((resolve, reject) => {
    const headers: grpc.Metadata[] = [];
    let outcome: { err: grpc.ServiceError | null; value: Res | undefined } | undefined;
    const callOptions: grpc.CallOptions = options.deadline === undefined ? {} : { deadline: options.deadline };
    const call = client.makeUnaryRequest(
      method.path,
      method.requestSerialize,
      method.responseDeserialize,
      request,
      options.metadata ?? new grpc.Metadata(),
      callOptions,
      (err, value) => {
        outcome = { err, value };
      },
    );
    call.on('metadata', (md: grpc.Metadata) => headers.push(md));
    // grpc-js emits 'status' right after the callback, so both are known here.
    call.on('status', (status: grpc.StatusObject) => {
      if (outcome?.err) reject(outcome.err);
      else if (outcome) resolve({ value: outcome.value as Res, headers, status });
      else reject(new Error(`status ${status.code} arrived without a callback`));
    });
  });
}

/** isServiceError tells a grpc-js call error from any other thrown value. */
export function isServiceError(err: unknown): err is grpc.ServiceError {
  return err instanceof Error && typeof (err as Partial<grpc.ServiceError>).code === 'number';
}
