/**
 * printListening prints `LISTENING host:port` for the first transport (the
 * line tools wait for), then `LISTENING <transport>://host:port` for each
 * further transport the service serves.
 */
export function printListening(bound: string, addresses: ReadonlyMap<string, string>): void {
  console.log(`LISTENING ${bound}`);
  let first = true;
  for (const [name, address] of addresses) {
    if (!first) console.log(`LISTENING ${name}://${address}`);
    first = false;
  }
}
