/** Plain-text rendering of a doctor report: one line per check, reasons and remedies indented below. */
import { VULKAN_DRIVER_REMEDY, VULKAN_LOADER_REMEDY } from '../env/vulkan.js';
import type { DoctorReport } from '../doctor/doctor.js';

const YES = 'ok  ';
const NO = 'no  ';

function item(
  lines: string[],
  ok: boolean,
  title: string,
  reason?: string,
  remedy?: string,
  notes: string[] = [],
): void {
  lines.push(`  ${ok ? YES : NO}${title}`);
  if (!ok && reason) lines.push(`        why: ${reason}`);
  if (!ok && remedy) lines.push(`        fix: ${remedy}`);
  for (const n of notes) lines.push(`        note: ${n}`);
}

function gibFromMib(n: number | undefined): string {
  return n === undefined ? '?' : `${(n / 1024).toFixed(1)} GiB`;
}

/** Renders the report for a terminal. */
export function formatDoctorReport(r: DoctorReport): string {
  const env = r.environment;
  const lines: string[] = [];
  lines.push(
    `h100e ${env.tool.version}${env.tool.gitCommit ? ` (${env.tool.gitCommit})` : ''} on ${env.hostname}`,
  );
  lines.push(
    `  ${env.os.platform}/${env.os.arch} ${env.os.release}, ${env.cpu.model}, ${env.cpu.logicalCores} logical` +
      `${env.cpu.physicalCores !== undefined ? ` / ${env.cpu.physicalCores} physical` : ''} cores, ` +
      `${(env.memoryBytes / 2 ** 30).toFixed(1)} GiB RAM, node ${env.node}`,
  );
  lines.push('');
  lines.push('GPUs (nvidia-smi)');
  if (!r.nvidiaSmi.available) {
    item(
      lines,
      false,
      'NVIDIA GPU',
      r.nvidiaSmi.error,
      'install the NVIDIA driver (it provides nvidia-smi); in a container, run it with `--gpus all`',
    );
  } else if (r.nvidiaSmi.gpus.length === 0) {
    item(
      lines,
      false,
      'NVIDIA GPU',
      'nvidia-smi runs but lists no GPU',
      'check `nvidia-smi -L` and CUDA_VISIBLE_DEVICES / NVIDIA_VISIBLE_DEVICES',
    );
  } else {
    for (const g of r.nvidiaSmi.gpus) {
      item(
        lines,
        true,
        `GPU ${g.index}: ${g.name}, driver ${g.driverVersion ?? '?'}, CUDA ${g.cudaVersion ?? '?'}, ${gibFromMib(g.memoryTotalMiB)}` +
          `${g.powerLimitW !== undefined ? `, power limit ${g.powerLimitW} W` : ''}`,
      );
    }
  }
  lines.push('');
  lines.push(`onnxruntime-node ${r.ort.version} execution providers`);
  for (const p of r.ort.providers) {
    const how =
      p.method === 'session' ? (p.usable ? 'ran the probe model' : 'probe model failed') : 'library check';
    item(
      lines,
      p.usable,
      `${p.device}${p.deviceName ? ` — ${p.deviceName}` : ''} (${how})`,
      p.reason,
      p.remedy,
      p.notes,
    );
  }
  lines.push('');
  lines.push('Vulkan (needed by WebGPU on Linux)');
  item(lines, r.vulkan.loader.present, 'loader libvulkan.so.1', r.vulkan.loader.error, VULKAN_LOADER_REMEDY);
  item(
    lines,
    r.vulkan.icds.length > 0,
    r.vulkan.icds.length > 0 ? `drivers: ${r.vulkan.icds.join(', ')}` : 'driver manifests (ICD JSON)',
    `none in ${r.vulkan.searched.join(', ')}`,
    VULKAN_DRIVER_REMEDY,
  );
  if (r.tfjs.length > 0) {
    lines.push('');
    lines.push('TensorFlow.js backends');
    for (const t of r.tfjs) {
      item(
        lines,
        t.usable,
        `${t.backend} (${t.package}${t.version ? ` ${t.version}` : ''})`,
        t.reason,
        t.remedy,
        t.notes,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
