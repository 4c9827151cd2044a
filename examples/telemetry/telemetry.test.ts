import { Code, type MicroService, micro } from '@tsmicro/core';
import type { TransportName } from '@tsmicro/core/plugin';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newTelemetryService, type TelemetryService } from './gen/telemetry.js';
import { Telemetry } from './telemetry-handler.js';

describe.each<TransportName>(['memory', 'grpc', 'tcp'])('Telemetry over %s', (transport) => {
  let service: MicroService;
  let telemetry: TelemetryService;

  beforeAll(async () => {
    service = micro.newService({ name: 'telemetry', transport, server: { address: '127.0.0.1:0' } }, { env: {}, file: false });
    service.handle(Telemetry);
    await service.start();
    telemetry = newTelemetryService('telemetry', service.client());
  });
  afterAll(() => service?.stop());

  it('summarises each metric in arrival order once the device half-closes', async () => {
    const upload = await telemetry.upload();
    const readings: [string, number][] = [
      ['temperature_c', 21.5],
      ['humidity_pct', 40],
      ['temperature_c', 19.5],
      ['temperature_c', 23],
      ['humidity_pct', 50],
    ];
    for (const [metric, value] of readings) await upload.send({ deviceId: 'sensor-7', metric, value, takenAtMs: '1700000000000' });
    expect(await upload.closeAndRecv()).toEqual({
      deviceId: 'sensor-7',
      readings: 5,
      metrics: [
        { metric: 'temperature_c', count: 3, min: 19.5, max: 23, mean: 64 / 3 },
        { metric: 'humidity_pct', count: 2, min: 40, max: 50, mean: 45 },
      ],
    });
  });

  it('takes an upload of 5,000 readings whole', async () => {
    const upload = await telemetry.upload({ timeout: 20_000 });
    for (let i = 0; i < 5000; i++) await upload.send({ deviceId: 'bulk', metric: 'counter', value: i });
    const summary = await upload.closeAndRecv();
    expect(summary.readings).toBe(5000);
    expect(summary.metrics).toEqual([{ metric: 'counter', count: 5000, min: 0, max: 4999, mean: 2499.5 }]);
  });

  it('answers an upload with no readings with an empty summary', async () => {
    const upload = await telemetry.upload();
    expect(await upload.closeAndRecv()).toEqual({ deviceId: '', readings: 0, metrics: [] });
  });

  it('refuses with INVALID_ARGUMENT a reading from another device', async () => {
    const upload = await telemetry.upload();
    await upload.send({ deviceId: 'sensor-7', metric: 'temperature_c', value: 20 });
    // The server may already have ended the call when this send goes out.
    await upload.send({ deviceId: 'sensor-8', metric: 'temperature_c', value: 20 }).catch(() => {});
    await expect(upload.closeAndRecv()).rejects.toMatchObject({ code: Code.INVALID_ARGUMENT });
  });
});
