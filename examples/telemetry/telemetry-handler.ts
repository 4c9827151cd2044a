import { ClientStream, Code, Context, MicroError, Service } from '@tsmicro/core';
// Loading the generated module registers telemetry.Telemetry's definition, which
// @Service('telemetry.Telemetry') looks up; the named imports below are types only.
import './gen/telemetry.js';
import type { MetricSummary, Telemetry_UploadStream, TelemetryHandler, UploadSummary } from './gen/telemetry.js';

/** Telemetry takes IoT sensor uploads and answers each with a per-metric summary. */
@Service('telemetry.Telemetry')
export class Telemetry implements TelemetryHandler {
  @ClientStream()
  async upload(_ctx: Context, stream: Telemetry_UploadStream): Promise<UploadSummary> {
    let deviceId: string | undefined;
    let readings = 0;
    // A Map keeps metrics in the order they first arrived, as the proto promises.
    const metrics = new Map<string, { count: number; min: number; max: number; sum: number }>();
    for await (const reading of stream) {
      const device = reading.deviceId ?? '';
      deviceId ??= device;
      if (device !== deviceId) {
        throw new MicroError(Code.INVALID_ARGUMENT, `reading ${readings} is from device "${device}", the upload is from "${deviceId}"`);
      }
      const value = reading.value ?? 0;
      const metric = reading.metric ?? '';
      const m = metrics.get(metric);
      if (m) {
        m.count++;
        m.min = Math.min(m.min, value);
        m.max = Math.max(m.max, value);
        m.sum += value;
      } else {
        metrics.set(metric, { count: 1, min: value, max: value, sum: value });
      }
      readings++;
    }
    const summaries: MetricSummary[] = [...metrics].map(([metric, m]) => ({ metric, count: m.count, min: m.min, max: m.max, mean: m.sum / m.count }));
    return { deviceId: deviceId ?? '', readings, metrics: summaries };
  }
}
