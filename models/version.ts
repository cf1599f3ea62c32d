/**
 * Version of the zoo's graph builder + emitter. Part of the model cache key and written as the
 * ONNX producer_version: bump it whenever the bytes a build produces change.
 */
// 2: MobileNetV3's BatchNorm epsilon is torchvision's 1e-3 (was 1e-5).
export const BUILDER_VERSION = '2';
