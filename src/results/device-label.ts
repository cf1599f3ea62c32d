/** How tables name the device a run used. */
import type { DeviceInfo } from './schema.js';

/**
 * The kind of device that ran, as tables show it: `webgpu (software, CPU)` for WebGPU on a CPU Vulkan
 * driver, because `webgpu` alone reads as a GPU figure.
 */
export function deviceKindLabel(device: Pick<DeviceInfo, 'actual' | 'software'>): string {
  return device.software ? `${device.actual} (software, CPU)` : device.actual;
}
