import { Code, Metadata, type ServerStream } from '@tsmicro/transport';
import { codecForContentType } from './codec/codecs.js';
import { MicroError } from './errors.js';
import type { Route } from './router.js';
import { ServerCall } from './server-call.js';

/** DispatchOptions are the server settings one call needs. */
export interface DispatchOptions {
  readonly maxSendSize: number;
  /** Called with errors handlers threw that were not MicroErrors, for logging. */
  readonly onHandlerError: (err: unknown, route: Route) => void;
  /** Called once when a dispatched call has ended. */
  readonly onEnd: (call: ServerCall<unknown, unknown>) => void;
}

/**
 * dispatch runs one incoming call: it finds the route, runs the handler by
 * its kind, and returns its ServerCall (options.onEnd hears when it is
 * over). Unknown paths and content types end the call at once.
 */
export function dispatch(stream: ServerStream, route: Route | undefined, options: DispatchOptions): ServerCall<unknown, unknown> | undefined {
  if (!route) {
    stream.finish({ code: Code.UNIMPLEMENTED, message: `unknown method ${stream.method}`, metadata: new Metadata() });
    return undefined;
  }
  const codec = codecForContentType(stream.contentType);
  if (!codec) {
    stream.finish({ code: Code.INVALID_ARGUMENT, message: `unsupported content type ${stream.contentType}`, metadata: new Metadata() });
    return undefined;
  }
  const { method, service } = route;
  const call = new ServerCall(
    stream,
    codec,
    method.requestType,
    method.responseType,
    service.typeName,
    method.name,
    options.maxSendSize,
    options.onEnd,
  );
  void run(call, route, options);
  return call;
}

// run runs the handler and ends the call with its outcome; it never rejects.
async function run(call: ServerCall<unknown, unknown>, route: Route, options: DispatchOptions): Promise<void> {
  const { ctx } = call;
  try {
    switch (route.method.kind) {
      case 'unary': {
        const request = await call.readRequest();
        const reply = await route.invoke(ctx, request);
        if (!call.isEnded) await call.send(reply);
        break;
      }
      case 'server_streaming': {
        const request = await call.readRequest();
        await route.invoke(ctx, request, call);
        break;
      }
      case 'client_streaming': {
        const reply = await route.invoke(ctx, call);
        if (!call.isEnded) await call.send(reply);
        break;
      }
      case 'bidi_streaming':
        await route.invoke(ctx, call);
        break;
    }
  } catch (err) {
    if (call.isEnded) return;
    if (!(err instanceof MicroError)) options.onHandlerError(err, route);
    call.fail(err);
    return;
  }
  call.close();
}
