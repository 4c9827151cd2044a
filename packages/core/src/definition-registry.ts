import type { ServiceDefinition } from './definition.js';

// Definitions known to this process, by full service name. Generated code and
// loadProto() add theirs, so @Service('greeter.Greeter') can find its methods.
const known = new Map<string, ServiceDefinition>();

/** registerDefinition makes a service definition findable by its full name. */
export function registerDefinition(definition: ServiceDefinition): void {
  known.set(definition.typeName, definition);
}

/** definitionNames lists the full names of every registered service. */
export function definitionNames(): IterableIterator<string> {
  return known.keys();
}

/** lookupDefinition returns the definition of a full service name, if one was registered. */
export function lookupDefinition(typeName: string): ServiceDefinition | undefined {
  return known.get(typeName);
}
