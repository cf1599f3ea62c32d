/**
 * `--ep-option NAME=VALUE`: the onnxruntime settings a user may change, as onnxruntime_perf_test
 * lets one set the graph optimisation level or an execution provider's options. Only options the
 * Node binding really forwards are offered (js/node/src/session_options_helper.cc: the WebGPU
 * provider's options and the session's; the CUDA and TensorRT providers take a device id only), so a
 * setting can never be recorded without having been applied.
 */
import { BenchError } from '../errors.js';
import type { DeviceRequest } from '../results/schema.js';
import { nearestName } from '../suggest.js';
import type { ProviderOptionsMap, SessionSettings } from './engine.js';

/** Each option: the values it takes, and for a provider's option the device it needs. */
const OPTIONS = {
  'session.graphOptimizationLevel': { values: ['disabled', 'basic', 'extended', 'layout', 'all'] },
  'session.enableCpuMemArena': { values: ['true', 'false'] },
  'session.enableMemPattern': { values: ['true', 'false'] },
  'webgpu.preferredLayout': { values: ['NCHW', 'NHWC'], device: 'webgpu' },
  'webgpu.validationMode': { values: ['disabled', 'wgpuOnly', 'basic', 'full'], device: 'webgpu' },
  'webgpu.storageBufferCacheMode': {
    values: ['disabled', 'lazyRelease', 'simple', 'bucket'],
    device: 'webgpu',
  },
} as const satisfies Record<string, { values: readonly string[]; device?: DeviceRequest }>;

/** A name `--ep-option` accepts. */
export type OrtOptionName = keyof typeof OPTIONS;

/** Every name `--ep-option` accepts, in the order help lists them. */
export const ORT_OPTION_NAMES = Object.keys(OPTIONS) as OrtOptionName[];

/** Settings from --ep-option, split as the engine applies them. */
export interface OrtOptions {
  session: SessionSettings;
  webgpu: NonNullable<ProviderOptionsMap['webgpu']>;
}

/** What every error of --ep-option points to. */
const HINT = `write --ep-option NAME=VALUE; names: ${ORT_OPTION_NAMES.join(', ')}`;

/**
 * Parses `--ep-option` entries for a run of `engine` on `device`. Throws E_USAGE for an unknown
 * name (with the closest), a value the option does not take, an option given twice with two values,
 * a provider's option on another device, and any option with an engine other than ort.
 */
export function parseOrtOptions(
  entries: readonly string[],
  engine: string,
  device: DeviceRequest,
): OrtOptions {
  const out: OrtOptions = { session: {}, webgpu: {} };
  if (entries.length === 0) return out;
  if (engine !== 'ort') {
    throw new BenchError('E_USAGE', `--ep-option sets onnxruntime options; --engine ${engine} takes none`, {
      hint: 'drop --ep-option, or use --engine ort',
    });
  }
  const seen = new Map<string, string>();
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const name = eq > 0 ? entry.slice(0, eq) : entry;
    const value = eq > 0 ? entry.slice(eq + 1) : '';
    const known = (OPTIONS as Record<string, { values: readonly string[]; device?: DeviceRequest }>)[name];
    if (!known) {
      const near = nearestName(name, ORT_OPTION_NAMES);
      throw new BenchError(
        'E_USAGE',
        `--ep-option '${entry}': unknown option ${name}${near ? ` (did you mean ${near}?)` : ''}`,
        {
          hint: HINT,
        },
      );
    }
    if (eq <= 0) {
      throw new BenchError(
        'E_USAGE',
        `--ep-option '${entry}': =VALUE is missing (${name} takes one of ${known.values.join(', ')})`,
        {
          hint: HINT,
        },
      );
    }
    if (!known.values.includes(value)) {
      throw new BenchError(
        'E_USAGE',
        `--ep-option '${entry}': ${name} takes one of ${known.values.join(', ')}`,
        {
          hint: HINT,
        },
      );
    }
    if (known.device && known.device !== device) {
      throw new BenchError('E_USAGE', `--ep-option ${name} applies to --device ${known.device} only`, {
        hint: `add --device ${known.device}, or drop the option`,
      });
    }
    const before = seen.get(name);
    if (before !== undefined && before !== value) {
      throw new BenchError('E_USAGE', `--ep-option ${name} is given twice: ${before} and ${value}`, {
        hint: HINT,
      });
    }
    seen.set(name, value);
    const [scope, key] = name.split('.') as ['session' | 'webgpu', string];
    const typed = value === 'true' ? true : value === 'false' ? false : value;
    Object.assign(out[scope], { [key]: typed });
  }
  return out;
}

/**
 * The settings a run with `options` on `device` applies, defaults included, by option name: what
 * `--resume` compares with a kept run's ({@link recordedSettings}).
 */
export function appliedSettings(options: OrtOptions, device: string): Record<string, string> {
  // The harness's defaults: optimisation level 'all' everywhere, NHWC on WebGPU (see ort.ts).
  const out: Record<string, string> = { 'session.graphOptimizationLevel': 'all' };
  if (device === 'webgpu') out['webgpu.preferredLayout'] = 'NHWC';
  for (const [key, value] of Object.entries(options.session)) out[`session.${key}`] = String(value);
  // A WebGPU option asked for on a run that fell back to another device was not applied.
  if (device === 'webgpu') {
    for (const [key, value] of Object.entries(options.webgpu)) out[`webgpu.${key}`] = String(value);
  }
  return out;
}

/**
 * {@link appliedSettings} of a recorded run, from its `engine.providerOptions` (where ort.ts records
 * each setting under its own name); a setting a run did not record had its default.
 */
export function recordedSettings(
  recorded: Record<string, unknown> | undefined,
  device: string,
): Record<string, string> {
  const out = appliedSettings({ session: {}, webgpu: {} }, device);
  for (const name of ORT_OPTION_NAMES) {
    const [scope, key] = name.split('.') as [string, string];
    const value = recorded?.[key];
    if (value !== undefined && (scope === 'session' || device === scope)) out[name] = String(value);
  }
  return out;
}
