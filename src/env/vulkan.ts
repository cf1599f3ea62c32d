/**
 * The Vulkan side of WebGPU on Linux: onnxruntime-node's WebGPU provider runs on Dawn, and Dawn's
 * Linux backend is Vulkan, so it needs the loader (libvulkan.so.1) and at least one driver manifest
 * (ICD JSON) naming a GPU driver.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, delimiter, join } from 'node:path';
import { probeLibraries } from './shared-libs.js';

/** Installs the Vulkan loader (Debian/Ubuntu). */
export const VULKAN_LOADER_REMEDY = '`apt-get install libvulkan1`';
/** Provides a Vulkan driver manifest. */
export const VULKAN_DRIVER_REMEDY =
  'install a Vulkan driver: the NVIDIA driver ships nvidia_icd.json (in containers set NVIDIA_DRIVER_CAPABILITIES=all, or include "graphics"); without a GPU, `bash bench/device/lavapipe.sh` unpacks lavapipe, a CPU Vulkan that makes WebGPU run but says nothing about GPU speed (Mesa 25 from Debian bookworm-backports; Debian 12’s own mesa-vulkan-drivers 22.3 is refused by Dawn)';

/**
 * Said when NVIDIA's driver manifest is installed and Dawn still finds no adapter: without the GL
 * dispatch packages beside libvulkan1 the loader finds no NVIDIA device (docs/gpus.md tells when
 * this was seen and what fixed it).
 */
const NVIDIA_NO_ADAPTER_REMEDY =
  'NVIDIA’s Vulkan driver is installed but offered no GPU: in a container, install the GL dispatch libraries beside the loader (Debian: apt-get install libglvnd0 libegl1 libgl1 libglx0 libopengl0 libgles2); `VK_LOADER_DEBUG=driver` shows what the loader finds';

/** The specific remedy for "no WebGPU adapter" given the driver manifests found, if there is one. */
export function noAdapterRemedy(icds: readonly string[]): string | undefined {
  return icds.some((p) => basename(p) === 'nvidia_icd.json') ? NVIDIA_NO_ADAPTER_REMEDY : undefined;
}

/** What the Vulkan check found. */
export interface VulkanStatus {
  loader: { present: boolean; error?: string };
  /** Driver manifests found (full paths). */
  icds: string[];
  /** Directories searched for manifests. */
  searched: string[];
  usable: boolean;
  reason?: string;
  remedy?: string;
}

/**
 * Manifest locations in the loader's order: VK_DRIVER_FILES / VK_ICD_FILENAMES (files or dirs) replace
 * the search; otherwise XDG config and data dirs plus /etc and /usr/share (Vulkan loader docs,
 * "Driver Discovery on Linux").
 */
export function icdSearchPaths(env: NodeJS.ProcessEnv = process.env): { explicit: boolean; paths: string[] } {
  const override = env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES;
  if (override) return { explicit: true, paths: override.split(delimiter).filter(Boolean) };
  const config = (env.XDG_CONFIG_DIRS ?? '/etc/xdg').split(delimiter).filter(Boolean);
  const data = (env.XDG_DATA_DIRS ?? '/usr/local/share:/usr/share').split(delimiter).filter(Boolean);
  const dirs = [
    ...config.map((d) => join(d, 'vulkan/icd.d')),
    '/etc/vulkan/icd.d',
    ...data.map((d) => join(d, 'vulkan/icd.d')),
    '/usr/share/vulkan/icd.d',
  ];
  if (env.HOME) dirs.push(join(env.HOME, '.local/share/vulkan/icd.d'));
  return { explicit: false, paths: [...new Set(dirs)] };
}

function manifestsIn(path: string): string[] {
  if (path.endsWith('.json')) return [path];
  try {
    return readdirSync(path)
      .filter((f) => f.endsWith('.json'))
      .map((f) => join(path, f));
  } catch {
    return [];
  }
}

/** Checks the Vulkan loader and driver manifests. */
export function checkVulkan(env: NodeJS.ProcessEnv = process.env): VulkanStatus {
  const [load] = probeLibraries(['libvulkan.so.1'], env);
  const { paths } = icdSearchPaths(env);
  const icds = [...new Set(paths.flatMap(manifestsIn))];
  const loader = load?.loadable
    ? { present: true }
    : { present: false, error: load?.error ?? 'not loadable' };
  const problems: string[] = [];
  const remedies: string[] = [];
  if (!loader.present) {
    problems.push('the Vulkan loader libvulkan.so.1 is not installed');
    remedies.push(VULKAN_LOADER_REMEDY);
  }
  if (icds.length === 0) {
    problems.push('no Vulkan driver manifest (ICD) found');
    remedies.push(VULKAN_DRIVER_REMEDY);
  }
  const status: VulkanStatus = { loader, icds, searched: paths, usable: problems.length === 0 };
  if (problems.length > 0) {
    status.reason = problems.join('; ');
    status.remedy = remedies.join('; ');
  }
  return status;
}

/** Software (CPU) Vulkan drivers, recognised by manifest file name or the driver library it names. */
const SOFTWARE_DRIVERS: readonly (readonly [RegExp, string])[] = [
  [/lvp|lavapipe/, 'lavapipe'],
  [/swiftshader/, 'SwiftShader'],
  [/llvmpipe/, 'llvmpipe'],
];

/** The manifest's file name and its ICD.library_path, lower-cased (the name alone can be anything). */
function manifestNames(manifest: string): string[] {
  const names = [basename(manifest).toLowerCase()];
  try {
    const parsed = JSON.parse(readFileSync(manifest, 'utf8')) as { ICD?: { library_path?: unknown } };
    const lib = parsed.ICD?.library_path;
    if (typeof lib === 'string') names.push(basename(lib).toLowerCase());
  } catch {
    // Unreadable manifests are judged by their file name only.
  }
  return names;
}

/**
 * The software driver's name ("lavapipe", "SwiftShader") when WebGPU can only be running on a CPU
 * Vulkan driver: such a manifest is installed, no NVIDIA manifest is, and the kernel exposes no GPU
 * render node. Then "webgpu" figures are CPU figures and must not be presented as GPU ones.
 */
export function softwareVulkanOnly(
  icds: readonly string[],
  renderNodes: readonly string[],
): string | undefined {
  const names = icds.flatMap(manifestNames);
  const software = SOFTWARE_DRIVERS.find(([pattern]) => names.some((n) => pattern.test(n)))?.[1];
  const nvidia = names.some((n) => n.includes('nvidia'));
  return software && !nvidia && renderNodes.length === 0 ? software : undefined;
}

/** GPU render nodes the kernel exposes (/dev/dri/renderD*); none on a machine without a GPU. */
export function renderNodes(): string[] {
  return existsSync('/dev/dri') ? readdirSync('/dev/dri').filter((n) => n.startsWith('renderD')) : [];
}

/** How results and the doctor name a software Vulkan adapter. */
export function softwareAdapterName(driver: string): string {
  return `software Vulkan (${driver}) on the CPU`;
}
