/** Comparing, merging and reporting result files: the public API of this area. */
export { runKey, keyFieldValue, differingKeyFields, KEY_FIELDS, type KeyField } from './key.js';
export * from './compare.js';
export * from './gate.js';
export * from './server.js';
export { loadResultFiles, fileLabels, type LoadedFile } from './load.js';
export { environmentOf, environmentsOf, environmentWarnings } from './environment.js';
export { mergeFiles, type MergeResult } from './merge.js';
export * from './commands.js';
