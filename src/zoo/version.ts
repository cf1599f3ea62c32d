/**
 * Version of the zoo's graph builder + emitter. Part of the model cache key and written as the
 * ONNX producer_version: bump it whenever the bytes a build produces change.
 */
export const BUILDER_VERSION = '1';
