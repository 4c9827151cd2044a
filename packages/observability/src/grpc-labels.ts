import type { MethodKind } from '@tsmicro/core';

/** grpcType is go-grpc-middleware's grpc_type label value of a call kind. */
export function grpcType(kind: MethodKind): string {
  switch (kind) {
    case 'unary':
      return 'unary';
    case 'client_streaming':
      return 'client_stream';
    case 'server_streaming':
      return 'server_stream';
    default:
      return 'bidi_stream';
  }
}

// Go's codes.Code.String(): the grpc_code values dashboards built on
// go-grpc-middleware already filter on.
const goCodeNames = [
  'OK',
  'Canceled',
  'Unknown',
  'InvalidArgument',
  'DeadlineExceeded',
  'NotFound',
  'AlreadyExists',
  'PermissionDenied',
  'ResourceExhausted',
  'FailedPrecondition',
  'Aborted',
  'OutOfRange',
  'Unimplemented',
  'Internal',
  'Unavailable',
  'DataLoss',
  'Unauthenticated',
] as const;

/** grpcCodeLabel is the grpc_code label value of a status code, as grpc-go spells it ("Code(17)" past the known ones). */
export function grpcCodeLabel(code: number): string {
  return goCodeNames[code] ?? `Code(${code})`;
}
