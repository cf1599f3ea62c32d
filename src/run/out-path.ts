/** Where `bench run` writes when no --out is given. */
import { existsSync, mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { isSoftwareDevice, type DeviceChoice } from './device.js';

/**
 * Default output path: results/<date>-<host>-<device>.json, numbered when it already exists. Creates
 * the folder (unless `create` is false: --dry-run), so a first `bench` outside this repository has
 * somewhere to write.
 */
export function defaultOutPath(
  device: string,
  { now = new Date(), dir = 'results', create = true }: { now?: Date; dir?: string; create?: boolean } = {},
): string {
  if (create) mkdirSync(dir, { recursive: true });
  const stem = `${now.toISOString().slice(0, 10)}-${hostname().replace(/[^A-Za-z0-9_.-]/g, '_')}-${device}`;
  let path = join(dir, `${stem}.json`);
  for (let i = 2; existsSync(path); i++) path = join(dir, `${stem}-${i}.json`);
  return path;
}

/**
 * The device part of a default file name: `webgpu-software` for WebGPU on a CPU Vulkan driver
 * (lavapipe), so a file of CPU figures is never named as if a GPU had measured it.
 */
export function outNameDevice(choice: Pick<DeviceChoice, 'actual' | 'probe'>): string {
  return isSoftwareDevice(choice) ? `${choice.actual}-software` : choice.actual;
}
