/**
 * Sensible data for a size input next to an image input: detectors exported from PyTorch and
 * TensorFlow often take the image plus its original height and width (e.g. `orig_target_sizes`
 * [N, 2]). Random small integers there would make the model post-process as if the image were 3x5
 * pixels, so such an input gets the image's real height and width instead.
 */
import type { HostInputs } from '../engines/engine.js';
import type { TensorInfo } from '../results/schema.js';

/** Channel counts that mark an axis as the channel axis of an image. */
const CHANNELS = new Set([1, 3, 4]);

/**
 * Height and width of the first rank-4 float input: NCHW when axis 1 holds the channels, NHWC
 * (TensorFlow's layout) when axis 3 does; undefined when no input looks like an image.
 */
function imageHeightWidth(specs: readonly TensorInfo[]): [number, number] | undefined {
  for (const s of specs) {
    if ((s.dtype !== 'float32' && s.dtype !== 'float16') || s.shape.length !== 4) continue;
    const [, a1, a2, a3] = s.shape as [number, number, number, number];
    if (CHANNELS.has(a1) && !CHANNELS.has(a3)) return [a2, a3];
    if (CHANNELS.has(a3)) return [a1, a2];
  }
  return undefined;
}

/** True for an integer or float input whose last axis has 2 entries and that is not itself the image. */
function isSizeInput(s: TensorInfo): boolean {
  return s.shape.length >= 1 && s.shape.length <= 2 && s.shape[s.shape.length - 1] === 2;
}

/** Overwrites every size input in `inputs` with the image's [height, width], repeated per row. */
export function fillImageSizes(specs: readonly TensorInfo[], inputs: HostInputs): void {
  const hw = imageHeightWidth(specs);
  if (!hw) return;
  for (const s of specs) {
    const t = inputs.get(s.name);
    if (!t || !isSizeInput(s) || s.dtype === 'bool' || s.dtype === 'float16') continue;
    const data = t.data as unknown as { length: number; [i: number]: number | bigint };
    for (let i = 0; i < data.length; i++) {
      const v = hw[i % 2]!;
      data[i] = s.dtype === 'int64' ? BigInt(v) : v;
    }
  }
}
