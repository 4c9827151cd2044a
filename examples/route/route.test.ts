import { Code, type MicroService, micro } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { Container } from 'typedi';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureDatabase } from './feature-database.js';
import { type Feature, newRouteGuideService, type RouteGuideService } from './gen/route.js';
import { RouteGuide } from './route-guide-handler.js';

const E7 = 10_000_000;
const at = (name: string, latitude: number, longitude: number): Feature => ({ name, location: { latitude, longitude } });

// Put in the handler's place of the sample database through typedi.
const features = [
  at('far north', 3 * E7, 0),
  at('edge', E7, 0),
  at('near b', 1000, 0),
  at('near a', 0, -1000),
  at('origin', 0, 0),
  at('just outside', E7 + 1, 0),
];

async function collect(stream: AsyncIterable<Feature>): Promise<Feature[]> {
  const out: Feature[] = [];
  for await (const f of stream) out.push(f);
  return out;
}

describe.each<TransportName>(['memory', 'grpc', 'tcp'])('RouteGuide over %s', (transport) => {
  let service: MicroService;
  let guide: RouteGuideService;

  beforeAll(async () => {
    const container = Container.of(`route-test-${transport}`);
    container.set({ id: FeatureDatabase, value: FeatureDatabase.withFeatures(features) });
    service = micro.newService({ name: 'route', transport, server: { address: '127.0.0.1:0' }, container }, { env: {}, file: false });
    service.handle(RouteGuide);
    await service.start();
    guide = newRouteGuideService('route', service.client());
  });
  afterAll(() => service?.stop());

  it('streams the features within one degree, nearest first and ties by name', async () => {
    const got = await collect(await guide.listFeatures({ latitude: 0, longitude: 0 }));
    expect(got.map((f) => f.name)).toEqual(['origin', 'near a', 'near b', 'edge']);
    expect(got[1]).toEqual(at('near a', 0, -1000));
  });

  it('ends OK with no messages when nothing is near', async () => {
    expect(await collect(await guide.listFeatures({ latitude: -50 * E7, longitude: 100 * E7 }))).toEqual([]);
  });

  it('answers INVALID_ARGUMENT for a point off the map', async () => {
    await expect(collect(await guide.listFeatures({ latitude: 91 * E7, longitude: 0 }))).rejects.toMatchObject({
      code: Code.INVALID_ARGUMENT,
    });
  });
});

describe('FeatureDatabase', () => {
  it('is what typedi injects into RouteGuide when nothing replaces it', async () => {
    const service = micro.newService({ name: 'route', transport: 'memory', server: { address: '127.0.0.1:0' } }, { env: {}, file: false });
    try {
      service.handle(RouteGuide);
      await service.start();
      const guide = newRouteGuideService('route', service.client());
      const got = await collect(await guide.listFeatures({ latitude: 407484000, longitude: -739857000 }));
      expect(got.map((f) => f.name)).toEqual(['Empire State Building', 'Central Park', 'Brooklyn Bridge', 'Statue of Liberty', 'Princeton University']);
    } finally {
      await service.stop();
    }
  });
});
