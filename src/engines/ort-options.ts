/**
 * `--ep-option NAME=VALUE`: the onnxruntime settings a user may change, as onnxruntime_perf_test
 * lets one set the graph optimisation level, an execution provider's options (-i) or session config
 * entries (-C). Only options the Node binding really forwards are offered
 * (js/node/src/session_options_helper.cc: the WebGPU provider's options, the session's, and config
 * entries through `extra`; the CUDA and TensorRT providers take a device id only), and only config
 * keys onnxruntime reads (onnxruntime_session_options_config_keys.h: it ignores unknown ones), so a
 * setting can never be recorded without having been applied.
 */
import { BenchError } from '../core/errors.js';
import type { DeviceRequest } from '../results/schema.js';
import { nearestName } from '../core/suggest.js';
import type { ProviderOptionsMap, SessionSettings } from './engine.js';

/** onnxruntime's flag values for its config entries. */
const FLAG = ['0', '1'] as const;

/** The values of an option: a list, or any positive integer (at most 6 digits). */
type OptionValues = readonly string[] | 'positive integer';

/** What `--ep-option` knows of each option. */
interface OptionSpec {
  values: OptionValues;
  /** The devices it applies to; all when absent. */
  devices?: readonly DeviceRequest[];
}

/** Whether `value` is one `values` allows. */
function accepts(values: OptionValues, value: string): boolean {
  return values === 'positive integer' ? /^[1-9]\d{0,5}$/.test(value) : values.includes(value);
}

/** `values` as an error message names them: `one of 0, 1`, `a positive integer`. */
function describeValues(values: OptionValues): string {
  return values === 'positive integer' ? 'a positive integer' : `one of ${values.join(', ')}`;
}

/**
 * Each option: the values it takes, and the devices it applies to when not all. `config.KEY` is the
 * session config entry KEY: the knobs that change speed (thread spinning, denormals, weight
 * prepacking, the GELU approximation, the intra-op pool's dynamic block size, which onnxruntime says
 * can reduce latency variance) and one for GPU honesty (fail instead of running unsupported
 * nodes on the CPU, which is invalid where the CPU provider itself is asked for).
 */
const OPTIONS = {
  'session.graphOptimizationLevel': { values: ['disabled', 'basic', 'extended', 'layout', 'all'] },
  'session.enableCpuMemArena': { values: ['true', 'false'] },
  'session.enableMemPattern': { values: ['true', 'false'] },
  'webgpu.preferredLayout': { values: ['NCHW', 'NHWC'], devices: ['webgpu'] },
  'webgpu.validationMode': { values: ['disabled', 'wgpuOnly', 'basic', 'full'], devices: ['webgpu'] },
  'webgpu.storageBufferCacheMode': {
    values: ['disabled', 'lazyRelease', 'simple', 'bucket'],
    devices: ['webgpu'],
  },
  'config.session.intra_op.allow_spinning': { values: FLAG },
  'config.session.force_spinning_stop': { values: FLAG },
  'config.session.set_denormal_as_zero': { values: FLAG },
  'config.session.disable_prepacking': { values: FLAG },
  'config.session.dynamic_block_base': { values: 'positive integer' },
  'config.optimization.enable_gelu_approximation': { values: FLAG },
  'config.session.disable_cpu_ep_fallback': { values: FLAG, devices: ['cuda', 'tensorrt', 'webgpu'] },
} as const satisfies Record<string, OptionSpec>;

/** A name `--ep-option` accepts. */
export type OrtOptionName = keyof typeof OPTIONS;

/** Every name `--ep-option` accepts, in the order help lists them. */
export const ORT_OPTION_NAMES = Object.keys(OPTIONS) as OrtOptionName[];

/** Settings from --ep-option, split as the engine applies them. */
export interface OrtOptions {
  session: SessionSettings;
  webgpu: NonNullable<ProviderOptionsMap['webgpu']>;
  /** Session config entries by onnxruntime's key (`session.intra_op.allow_spinning`: `0`). */
  config: Record<string, string>;
}

/** The option's scope (`session`, `webgpu`, `config`) and its key within it. */
function split(name: string): [string, string] {
  const dot = name.indexOf('.');
  return [name.slice(0, dot), name.slice(dot + 1)];
}

/** What `--ep-option` knows of option `name`; undefined for a name it does not offer. */
function specOf(name: string): OptionSpec | undefined {
  return (OPTIONS as Record<string, OptionSpec>)[name];
}

/** Whether option `name` is applied on `device` (a device that ran, or one asked for). */
function appliesTo(name: string, device: string): boolean {
  const devices = specOf(name)?.devices;
  return devices === undefined || (devices as readonly string[]).includes(device);
}

/** The session config entries of `options` that apply on `device`, for onnxruntime's `extra`. */
export function configEntries(config: Record<string, string>, device: string): Record<string, string> {
  return Object.fromEntries(Object.entries(config).filter(([key]) => appliesTo(`config.${key}`, device)));
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
  const out: OrtOptions = { session: {}, webgpu: {}, config: {} };
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
    const known = specOf(name);
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
        `--ep-option '${entry}': =VALUE is missing (${name} takes ${describeValues(known.values)})`,
        {
          hint: HINT,
        },
      );
    }
    if (!accepts(known.values, value)) {
      throw new BenchError(
        'E_USAGE',
        `--ep-option '${entry}': ${name} takes ${describeValues(known.values)}`,
        {
          hint: HINT,
        },
      );
    }
    if (known.devices && !known.devices.includes(device)) {
      const list = known.devices.join(', ');
      throw new BenchError('E_USAGE', `--ep-option ${name} applies to --device ${list} only`, {
        hint: `${known.devices.length === 1 ? 'add' : 'use one of'} --device ${list}, or drop the option`,
      });
    }
    const before = seen.get(name);
    if (before !== undefined && before !== value) {
      throw new BenchError('E_USAGE', `--ep-option ${name} is given twice: ${before} and ${value}`, {
        hint: HINT,
      });
    }
    seen.set(name, value);
    const [scope, key] = split(name) as ['session' | 'webgpu' | 'config', string];
    // Config entries are strings to onnxruntime; the session's booleans are booleans.
    const typed = scope === 'config' ? value : value === 'true' ? true : value === 'false' ? false : value;
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
  // A device's option asked for on a run that fell back to another device was not applied.
  for (const scope of ['session', 'webgpu', 'config'] as const) {
    for (const [key, value] of Object.entries(options[scope])) {
      const name = `${scope}.${key}`;
      if (appliesTo(name, device)) out[name] = String(value);
    }
  }
  return out;
}

/**
 * {@link appliedSettings} of a recorded run, from its `engine.providerOptions` (where ort.ts records
 * each setting under its own key: a session config entry under onnxruntime's); a setting a run did
 * not record had its default.
 */
export function recordedSettings(
  recorded: Record<string, unknown> | undefined,
  device: string,
): Record<string, string> {
  const out = appliedSettings({ session: {}, webgpu: {}, config: {} }, device);
  for (const name of ORT_OPTION_NAMES) {
    const value = recorded?.[split(name)[1]];
    if (value !== undefined && appliesTo(name, device)) out[name] = String(value);
  }
  return out;
}
