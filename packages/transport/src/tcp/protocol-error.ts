/** GoawayCode says why a connection ends; it travels in GOAWAY frames. */
export const GoawayCode = {
  NO_ERROR: 0,
  PROTOCOL_ERROR: 1,
  INTERNAL_ERROR: 2,
  FLOW_CONTROL_ERROR: 3,
  FRAME_SIZE_ERROR: 4,
  ENHANCE_YOUR_CALM: 5,
} as const;

/**
 * TcpProtocolError says the peer broke the tcp wire protocol. It is fatal to
 * that one connection only: the session answers with GOAWAY carrying `code`
 * and then destroys the socket.
 */
export class TcpProtocolError extends Error {
  override readonly name = 'TcpProtocolError';
  readonly code: number;

  constructor(message: string, code: number = GoawayCode.PROTOCOL_ERROR) {
    super(message);
    this.code = code;
  }
}
