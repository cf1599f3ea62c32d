/** Chooses the device that will really run: auto-selection, and loud fallback to CPU. */
import { BenchError } from '../core/errors.js';
import type { DeviceProbe, Engine } from '../engines/engine.js';
import type { DeviceKind, DeviceRequest } from '../results/schema.js';

/** The outcome of device selection. */
export interface DeviceChoice {
  requested: DeviceRequest;
  actual: DeviceKind;
  /** Hardware name as the probe reports it (may be refined from nvidia-smi later). */
  probe: DeviceProbe;
  /** Why `actual` differs from `requested` (fallback) or what auto skipped. */
  fallbackReason?: string;
  /** One line for stderr, when the user should hear about the choice. */
  notice?: string;
}

/**
 * True when the chosen GPU API runs on a CPU driver (WebGPU over lavapipe): its figures are CPU
 * figures, which the result, its warnings, its file name and --dry-run must say.
 */
export function isSoftwareDevice(choice: Pick<DeviceChoice, 'actual' | 'probe'>): boolean {
  return choice.actual !== 'cpu' && choice.probe.software === true;
}

/** Order in which `--device auto` tries devices (the first usable wins). */
const AUTO_ORDER: readonly DeviceKind[] = ['cuda', 'webgpu', 'cpu'];

/**
 * Picks the device. A requested GPU that cannot run falls back to CPU with a warning (the reason goes in
 * the result file), or, with `fallback: false`, fails with exit code 3 and the remedy.
 */
export async function chooseDevice(
  engine: Engine,
  requested: DeviceRequest,
  fallback: boolean,
): Promise<DeviceChoice> {
  if (requested === 'auto') {
    const skipped: string[] = [];
    const unusable: string[] = [];
    const software: string[] = [];
    for (const device of AUTO_ORDER) {
      const probe = await engine.probe(device);
      if (probe.usable && probe.software) {
        skipped.push(`${device} runs only on ${probe.deviceName ?? 'a software driver'}`);
        software.push(device);
        continue;
      }
      if (probe.usable) {
        const fallbackReason = skipped.length > 0 ? `auto: ${skipped.join('; ')}` : undefined;
        // One short line; the full reasons go into the result file and `bench doctor`.
        const why = [
          ...(unusable.length ? [`${unusable.join(', ')} not usable here`] : []),
          ...(software.length ? [`${software.join(', ')} only on a CPU driver, skipped`] : []),
        ];
        const notice = `device auto: using ${device}${why.length ? ` (${why.join('; ')}: see \`bench doctor\`)` : ''}`;
        return { requested, actual: device, probe, ...(fallbackReason ? { fallbackReason } : {}), notice };
      }
      skipped.push(`${device} not usable: ${probe.reason ?? 'unknown reason'}`);
      unusable.push(device);
    }
    throw new BenchError('E_DEVICE_UNAVAILABLE', `--device auto: no device can run (${skipped.join('; ')})`);
  }
  const probe = await engine.probe(requested);
  if (probe.usable && probe.software) {
    return {
      requested,
      actual: requested,
      probe,
      notice: `warning: --device ${requested} runs on ${probe.deviceName ?? 'a software driver'}: these are CPU figures, not GPU ones`,
    };
  }
  if (probe.usable) return { requested, actual: requested, probe };
  const reason = `${requested} not usable: ${probe.reason ?? 'unknown reason'}`;
  if (!fallback || requested === 'cpu') {
    throw new BenchError(
      'E_DEVICE_UNAVAILABLE',
      `--device ${requested}: ${probe.reason ?? 'not usable here'}`,
      {
        ...(probe.remedy ? { hint: probe.remedy } : {}),
      },
    );
  }
  const cpu = await engine.probe('cpu');
  return {
    requested,
    actual: 'cpu',
    probe: cpu,
    fallbackReason: reason,
    notice: `warning: --device ${requested} is not usable here (${probe.reason ?? 'unknown reason'}); running on CPU instead. Fix: ${probe.remedy ?? 'see bench doctor'}. Use --no-fallback to fail instead.`,
  };
}
