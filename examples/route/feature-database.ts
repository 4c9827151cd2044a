import type { Feature } from './gen/route.js';

// A few landmarks around New York, in E7 degrees (degrees times 10^7).
const SAMPLE: readonly Feature[] = [
  { name: 'Statue of Liberty', location: { latitude: 406892000, longitude: -740445000 } },
  { name: 'Empire State Building', location: { latitude: 407484000, longitude: -739857000 } },
  { name: 'Central Park', location: { latitude: 407829000, longitude: -739654000 } },
  { name: 'Brooklyn Bridge', location: { latitude: 407061000, longitude: -739969000 } },
  { name: 'Princeton University', location: { latitude: 403431000, longitude: -746551000 } },
  { name: 'Boston Common', location: { latitude: 423550000, longitude: -710656000 } },
];

/**
 * FeatureDatabase holds the known features. The RouteGuide handler gets it
 * through its constructor, resolved by typedi; a test or a deployment can
 * register another instance in the container instead.
 */
export class FeatureDatabase {
  // No constructor parameters: typedi builds this class, and it passes its
  // container to a constructor that declares none it can inject.
  private features: readonly Feature[] = SAMPLE;

  /** withFeatures makes a database of other features (a test's, another area's). */
  static withFeatures(features: readonly Feature[]): FeatureDatabase {
    const db = new FeatureDatabase();
    db.features = features;
    return db;
  }

  /** all lists every feature. */
  all(): readonly Feature[] {
    return this.features;
  }
}
