// gRPC health checking: grpc.health.v1.Health and the setter that drives it.
export { healthService } from './health-service.js';
export type { HealthService, HealthServiceOptions, HealthStatusSetter, ServedServices } from './health-service.js';
export { HealthDefinition, healthMethods } from './health-proto.js';
export type { HealthCheckRequest, HealthCheckResponse, HealthListResponse, ServingStatus } from './health-proto.js';
