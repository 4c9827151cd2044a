import type { Node, ServiceRecord } from './registry.js';
import { RegistryError } from './registry-error.js';

/**
 * validateServiceRecord throws a RegistryError naming the field when a record
 * cannot be registered: registries call it before storing anything.
 */
export function validateServiceRecord(service: ServiceRecord): void {
  if (typeof service?.name !== 'string' || service.name === '') {
    throw new RegistryError('service record needs a non-empty name');
  }
  if (service.name.includes('/')) {
    throw new RegistryError(`service name "${service.name}" must not contain "/"`);
  }
  if (!Array.isArray(service.nodes)) throw new RegistryError(`service "${service.name}" has no nodes array`);
  for (const node of service.nodes) {
    if (typeof node?.id !== 'string' || node.id === '' || node.id.includes('/')) {
      throw new RegistryError(`service "${service.name}" has a node without a valid id (non-empty, no "/")`);
    }
    if (typeof node.address !== 'string' || !/^.+:\d+$/.test(node.address)) {
      throw new RegistryError(
        `node "${node.id}" of service "${service.name}" has address "${String(node.address)}"; expected "host:port"`,
      );
    }
  }
}

/** cloneNode copies a node so callers cannot change what a registry holds. */
export function cloneNode(node: Node): Node {
  return { id: node.id, address: node.address, metadata: { ...node.metadata } };
}

/**
 * cloneServiceRecord copies a record, replacing its nodes with `nodes` when
 * given, and fills the optional-in-practice fields with empty values.
 */
export function cloneServiceRecord(service: ServiceRecord, nodes: readonly Node[] = service.nodes): ServiceRecord {
  return {
    name: service.name,
    version: service.version ?? '',
    metadata: { ...service.metadata },
    endpoints: (service.endpoints ?? []).map((e) => ({ ...e, metadata: { ...e.metadata } })),
    nodes: nodes.map(cloneNode),
  };
}
