import type { MethodDefinition, ServiceDefinition } from '../definition.js';
import { embeddedProto } from '../reflection/embedded-proto.js';

// The standard gRPC health checking contract, kept as text so the compiled
// package needs no .proto file beside it.
// https://github.com/grpc/grpc/blob/master/doc/health-checking.md
const source = `
syntax = "proto3";
package grpc.health.v1;

message HealthCheckRequest {
  string service = 1;
}

message HealthCheckResponse {
  enum ServingStatus {
    UNKNOWN = 0;
    SERVING = 1;
    NOT_SERVING = 2;
    SERVICE_UNKNOWN = 3;
  }
  ServingStatus status = 1;
}

message HealthListRequest {}

message HealthListResponse {
  map<string, HealthCheckResponse> statuses = 1;
}

service Health {
  rpc Check(HealthCheckRequest) returns (HealthCheckResponse);
  rpc List(HealthListRequest) returns (HealthListResponse);
  rpc Watch(HealthCheckRequest) returns (stream HealthCheckResponse);
}
`;

/** ServingStatus is grpc.health.v1.HealthCheckResponse.ServingStatus, by name as proto3 JSON writes it. */
export type ServingStatus = 'UNKNOWN' | 'SERVING' | 'NOT_SERVING' | 'SERVICE_UNKNOWN';

/** HealthCheckRequest is grpc.health.v1.HealthCheckRequest. */
export interface HealthCheckRequest {
  service: string;
}

/** HealthCheckResponse is grpc.health.v1.HealthCheckResponse. */
export interface HealthCheckResponse {
  status: ServingStatus;
}

/** HealthListResponse is grpc.health.v1.HealthListResponse. */
export interface HealthListResponse {
  statuses: Record<string, HealthCheckResponse>;
}

const proto = embeddedProto('grpc/health/v1/health.proto', source);

/** HealthDefinition is the grpc.health.v1.Health service definition. */
export const HealthDefinition: ServiceDefinition = proto.service('grpc.health.v1.Health');

/** healthMethods are the Health methods with their exact message types. */
export const healthMethods = HealthDefinition.methods as {
  readonly check: MethodDefinition<HealthCheckRequest, HealthCheckResponse>;
  readonly list: MethodDefinition<Record<string, never>, HealthListResponse>;
  readonly watch: MethodDefinition<HealthCheckRequest, HealthCheckResponse>;
};
