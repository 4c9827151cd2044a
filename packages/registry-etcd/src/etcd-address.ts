import { RegistryError } from '@tsmicro/core/plugin';

/**
 * etcdEndpoints turns `host:port` or `http://host:port` addresses (an array,
 * or one comma-separated string as in MICRO_REGISTRY_ADDRESS) into base URLs,
 * throwing a RegistryError that names the address it cannot use.
 */
export function etcdEndpoints(addresses: string | readonly string[]): URL[] {
  const list = (typeof addresses === 'string' ? addresses.split(',') : [...addresses])
    .map((a) => a.trim())
    .filter((a) => a !== '');
  if (list.length === 0) throw new RegistryError('etcd registry needs at least one address, e.g. "127.0.0.1:2379"');
  return list.map((address) => {
    const withScheme = /^[a-z]+:\/\//i.test(address) ? address : `http://${address}`;
    let url: URL;
    try {
      url = new URL(withScheme);
    } catch (err) {
      throw new RegistryError(`etcd address "${address}" is not "host:port" or "http://host:port"`, { cause: err });
    }
    if (url.protocol !== 'http:') {
      throw new RegistryError(`etcd address "${address}": only http:// is supported (TLS is not implemented yet)`);
    }
    if (url.port === '' || url.hostname === '' || (url.pathname !== '/' && url.pathname !== '')) {
      throw new RegistryError(`etcd address "${address}" is not "host:port" or "http://host:port"`);
    }
    return url;
  });
}
