import { Code, Context, MicroError, Service, ServerStream } from '@tsmicro/core';
// Loading the generated module registers route.RouteGuide's definition, which
// @Service('route.RouteGuide') looks up; the named imports below are types only.
import './gen/route.js';
import type { Feature, Point, RouteGuide_ListFeaturesStream, RouteGuideHandler } from './gen/route.js';
// A value import: typedi reads the constructor's parameter type at run time.
import { FeatureDatabase } from './feature-database.js';

const E7 = 10_000_000;
const NEARBY = E7;

/** RouteGuide lists the features near a point, from the FeatureDatabase typedi injects. */
@Service('route.RouteGuide')
export class RouteGuide implements RouteGuideHandler {
  constructor(private readonly db: FeatureDatabase) {}

  @ServerStream()
  async listFeatures(ctx: Context, point: Point, stream: RouteGuide_ListFeaturesStream): Promise<void> {
    const lat = point.latitude ?? 0;
    const lng = point.longitude ?? 0;
    if (Math.abs(lat) > 90 * E7 || Math.abs(lng) > 180 * E7) {
      throw new MicroError(Code.INVALID_ARGUMENT, `point (${lat}, ${lng}) is off the map: E7 latitude within +-900000000, longitude within +-1800000000`);
    }
    const near = this.db
      .all()
      .filter((feature) => isNear(point, feature.location ?? {}))
      .map((feature) => ({ feature, distance: squaredDistance(point, feature.location ?? {}) }))
      .sort((a, b) => a.distance - b.distance || compareNames(a.feature, b.feature));
    for (const { feature } of near) {
      // A client that went away ends the listing early.
      if (ctx.signal.aborted) return;
      await stream.send(feature);
    }
  }
}

function isNear(a: Point, b: Point): boolean {
  return Math.abs((a.latitude ?? 0) - (b.latitude ?? 0)) <= NEARBY && Math.abs((a.longitude ?? 0) - (b.longitude ?? 0)) <= NEARBY;
}

// Only called for nearby points: differences of at most 1e7 keep the sum of squares (2e14) exact in a double.
function squaredDistance(a: Point, b: Point): number {
  const dLat = (a.latitude ?? 0) - (b.latitude ?? 0);
  const dLng = (a.longitude ?? 0) - (b.longitude ?? 0);
  return dLat * dLat + dLng * dLng;
}

function compareNames(a: Feature, b: Feature): number {
  const x = a.name ?? '';
  const y = b.name ?? '';
  return x < y ? -1 : x > y ? 1 : 0;
}
