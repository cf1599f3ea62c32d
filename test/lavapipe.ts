/**
 * Where the tests find lavapipe (Mesa's CPU Vulkan driver) unpacked by `bash bench/device/lavapipe.sh`:
 * .vulkan/ or H100E_VULKAN_DIR. Tests that need a WebGPU adapter run their commands in child processes
 * with `env` (the loader and driver are found through variables a process reads when it starts), and
 * skip when none is unpacked unless H100E_REQUIRE_WEBGPU=1 (.ci/run sets it after unpacking one).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/version.js';

const dir = process.env.H100E_VULKAN_DIR ?? join(PACKAGE_ROOT, '.vulkan');

/** The driver manifest that names lavapipe. */
export const LAVAPIPE_ICD = join(dir, 'lvp_icd.json');
/** True when lavapipe is unpacked. */
export const LAVAPIPE_PRESENT = existsSync(LAVAPIPE_ICD);
/** True when a missing lavapipe must fail the tests rather than skip them. */
export const LAVAPIPE_REQUIRED = process.env.H100E_REQUIRE_WEBGPU === '1';

/** This process's environment plus lavapipe, and nothing that could pick another Vulkan driver. */
export function lavapipeEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LD_LIBRARY_PATH: [join(dir, 'root', 'usr', 'lib', 'x86_64-linux-gnu'), process.env.LD_LIBRARY_PATH]
      .filter(Boolean)
      .join(':'),
    VK_ICD_FILENAMES: LAVAPIPE_ICD,
  };
  delete env.VK_DRIVER_FILES;
  return env;
}
