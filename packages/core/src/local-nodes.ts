// Nodes this process serves, by node id, with the in-process (memory transport)
// address each also listens on. A client reaching one of them needs no socket.
const served = new Map<string, string>();
let version = 0;

/** localNodes is the process-wide list of nodes served here, for the in-process route. */
export const localNodes = {
  /** add records that this process serves `nodeId` in-process at `address`. */
  add(nodeId: string, address: string): void {
    served.set(nodeId, address);
    version++;
  },
  /** delete forgets a node that stopped (deregistered) here. */
  delete(nodeId: string): void {
    if (served.delete(nodeId)) version++;
  },
  /** addressOf is the in-process address of `nodeId`, if this process serves it. */
  addressOf(nodeId: string): string | undefined {
    return served.size === 0 ? undefined : served.get(nodeId);
  },
  /** version changes whenever the list does, so derived choices know to refresh. */
  get version(): number {
    return version;
  },
};
