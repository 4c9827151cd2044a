/** Logger receives the registry's warnings (lost leases, unreachable etcd). */
export interface Logger {
  warn(message: string): void;
}

/** consoleLogger writes warnings with console.warn. */
export const consoleLogger: Logger = { warn: (message) => console.warn(message) };
