import type { MethodDefinition, ServiceDefinition } from '../definition.js';
import { embeddedProto } from './embedded-proto.js';

// The gRPC server reflection contract; v1 and v1alpha differ only in their
// package, and stock tools still ask either. Kept as text so the compiled
// package needs no .proto file beside it.
// https://github.com/grpc/grpc/blob/master/doc/server-reflection.md
const source = (pkg: string) => `
syntax = "proto3";
package ${pkg};

service ServerReflection {
  rpc ServerReflectionInfo(stream ServerReflectionRequest) returns (stream ServerReflectionResponse);
}

message ServerReflectionRequest {
  string host = 1;
  oneof message_request {
    string file_by_filename = 3;
    string file_containing_symbol = 4;
    ExtensionRequest file_containing_extension = 5;
    string all_extension_numbers_of_type = 6;
    string list_services = 7;
  }
}

message ExtensionRequest {
  string containing_type = 1;
  int32 extension_number = 2;
}

message ServerReflectionResponse {
  string valid_host = 1;
  ServerReflectionRequest original_request = 2;
  oneof message_response {
    FileDescriptorResponse file_descriptor_response = 4;
    ExtensionNumberResponse all_extension_numbers_response = 5;
    ListServiceResponse list_services_response = 6;
    ErrorResponse error_response = 7;
  }
}

message FileDescriptorResponse {
  repeated bytes file_descriptor_proto = 1;
}

message ExtensionNumberResponse {
  string base_type_name = 1;
  repeated int32 extension_number = 2;
}

message ListServiceResponse {
  repeated ServiceResponse service = 1;
}

message ServiceResponse {
  string name = 1;
}

message ErrorResponse {
  int32 error_code = 1;
  string error_message = 2;
}
`;

/** ServerReflectionRequest is grpc.reflection.v1.ServerReflectionRequest; exactly one request field is set. */
export interface ServerReflectionRequest {
  host?: string;
  fileByFilename?: string;
  fileContainingSymbol?: string;
  fileContainingExtension?: { containingType: string; extensionNumber: number };
  allExtensionNumbersOfType?: string;
  listServices?: string;
  messageRequest?: string;
}

/** ServerReflectionResponse is grpc.reflection.v1.ServerReflectionResponse; exactly one response field is set. */
export interface ServerReflectionResponse {
  validHost?: string;
  originalRequest?: ServerReflectionRequest;
  fileDescriptorResponse?: { fileDescriptorProto: Uint8Array[] };
  allExtensionNumbersResponse?: { baseTypeName: string; extensionNumber: number[] };
  listServicesResponse?: { service: { name: string }[] };
  errorResponse?: { errorCode: number; errorMessage: string };
}

/** ReflectionMethod is the one method of a ServerReflection service. */
export type ReflectionMethod = MethodDefinition<ServerReflectionRequest, ServerReflectionResponse>;

function load(pkg: string): ServiceDefinition {
  return embeddedProto(`grpc/reflection/${pkg.split('.').pop()}/reflection.proto`, source(pkg)).service(`${pkg}.ServerReflection`);
}

/** ReflectionV1Definition is grpc.reflection.v1.ServerReflection. */
export const ReflectionV1Definition: ServiceDefinition = load('grpc.reflection.v1');

/** ReflectionV1AlphaDefinition is grpc.reflection.v1alpha.ServerReflection, which older tools still ask for. */
export const ReflectionV1AlphaDefinition: ServiceDefinition = load('grpc.reflection.v1alpha');
