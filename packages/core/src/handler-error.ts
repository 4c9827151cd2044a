/** HandlerError says a handler class does not fit its service, naming the class and method. */
export class HandlerError extends Error {
  override readonly name = 'HandlerError';
}
