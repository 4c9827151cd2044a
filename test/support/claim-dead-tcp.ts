import type { Registry } from '@tsmicro/core';
import { closedPort } from './closed-port.js';

/**
 * claimDeadTcp re-registers the one node of a grpc service as also listening
 * on tcp, first, at a loopback port nothing listens on; it returns that
 * address. A client preferring tcp then fails to dial it and falls back.
 */
export async function claimDeadTcp(registry: Registry, service: string, grpcAddress: string): Promise<string> {
  const dead = `127.0.0.1:${await closedPort()}`;
  const [record] = await registry.getService(service);
  const node = record?.nodes[0];
  if (!record || !node) throw new Error(`${service} did not register`);
  await registry.deregister(record);
  await registry.register({
    ...record,
    nodes: [{ ...node, metadata: { ...node.metadata, transports: 'tcp,grpc', 'address.tcp': dead, 'address.grpc': grpcAddress } }],
  });
  return dead;
}
