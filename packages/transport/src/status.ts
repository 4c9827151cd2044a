/**
 * Code is the gRPC status code set, numbered exactly as on the wire
 * (https://grpc.github.io/grpc/core/md_doc_statuscodes.html).
 */
export enum Code {
  OK = 0,
  CANCELLED = 1,
  UNKNOWN = 2,
  INVALID_ARGUMENT = 3,
  DEADLINE_EXCEEDED = 4,
  NOT_FOUND = 5,
  ALREADY_EXISTS = 6,
  PERMISSION_DENIED = 7,
  RESOURCE_EXHAUSTED = 8,
  FAILED_PRECONDITION = 9,
  ABORTED = 10,
  OUT_OF_RANGE = 11,
  UNIMPLEMENTED = 12,
  INTERNAL = 13,
  UNAVAILABLE = 14,
  DATA_LOSS = 15,
  UNAUTHENTICATED = 16,
}

/** codeName returns the upper-case name of a status code, e.g. "NOT_FOUND". */
export function codeName(code: number): string {
  return Code[code] ?? `CODE_${code}`;
}

/** isCode tells whether a number is one of the seventeen gRPC status codes. */
export function isCode(value: unknown): value is Code {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= 16;
}
