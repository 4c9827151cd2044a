/**
 * fullScale is true under `npm run test:hardening`: the attacks then run at
 * the sizes the security notes quote; `npm test` runs short versions of them.
 */
export const fullScale = process.env.TSMICRO_HARDENING === '1';

/** scaled picks the short or the full size of one attack parameter. */
export function scaled<T>(short: T, full: T): T {
  return fullScale ? full : short;
}
