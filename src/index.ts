/**
 * The h100e library: what the `bench` CLI does, as functions. `import { runBenchmarks } from 'h100e'`
 * measures like `bench run`; the other entries follow the data path: a result file, then compare,
 * estimate, fleet and report. docs/api.md shows each in use.
 */

// Measuring: a whole sweep as `bench run` does it, or one model with the timing loop alone.
export { runBenchmarks, type RunHooks, type RunOutcome } from './run/run.js';
export { parseRunOptions, loadSuite, type RunOptions, type RunOptionsInput } from './run/options.js';
export { measure } from './measure/measure.js';
export type { MeasureSettings, MeasureResult, Runnable } from './measure/types.js';
export { loadEngine } from './run/engines.js';
export type { Engine, LoadedModel, LoadRequest, HostInputs, TensorSignature } from './engines/engine.js';

// The zoo and the static cost of any ONNX file.
export { listZoo, getZooEntry, buildGraph, buildOnnx, type ZooEntry } from '../models/index.js';
export { zooModelPath, defaultCacheDir } from '../models/cache.js';
export { analyzeModel, type ModelAnalysis } from './analyze/index.js';

// Result files: the versioned schema, reading with validation, atomic writing, merging.
export {
  SCHEMA_VERSION,
  ResultFileSchema,
  type ResultFile,
  type RunResult,
  type Environment,
  type RunWarning,
  type RunStatus,
  type EngineInfo,
  type ColdStart,
  type Power,
} from './results/schema.js';
export { readResultFile, writeResultFile } from './results/io.js';
export { lockResultFile, withResultFileLock } from './results/lock.js';
export { loadResultFiles, type LoadedFile } from './results/load.js';
export { mergeFiles, type MergeResult } from './results/merge.js';
export { runKey, matchKey, workloadKey, KEY_FIELDS, type KeyField } from './results/key.js';

// Judging, estimating, counting.
export { compareFiles, type Comparison, type CompareOptions } from './compare/compare.js';
export { findRegressions } from './compare/gate.js';
export { runAb, abDifferences, type AbOptions, type AbOutcome } from './ab/ab.js';
export {
  estimateFile,
  h100eCells,
  type H100eCell,
  type Derivation,
  type Divisor,
  type RooflineFigure,
  type EstimateReport,
  type EstimateOptions,
  type RunEstimate,
  type MethodFigure,
} from './estimate/estimate.js';
export { loadScenario, evaluateScenario, runFleet, type FleetReport } from './fleet/fleet.js';
export { runDoctor, type DoctorReport } from './doctor/doctor.js';

// Errors carry a code and the exit code the CLI would use.
export { BenchError, ExitCode, isBenchError, type BenchErrorCode } from './core/errors.js';
export { TOOL_VERSION } from './core/version.js';
