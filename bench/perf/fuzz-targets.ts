/**
 * The fuzz properties shared by test/fuzz-*.test.ts (seeded, few cases, inside `npm test`) and
 * bench/perf/fuzz.ts (the same properties for N minutes). Each target turns random corruption of one
 * input format into a call of the real code, in-process, and checks the property of issue 20:
 *
 *   the call works, or it ends in a BenchError with exit code 2 and a one-line message and hint;
 *   no other exception, no case slower than {@link HANG_MS}, and no half-written file (a temp file
 *   left behind, or an output that does not read back).
 *
 * A violation throws a {@link FuzzFailure}; fast-check then shrinks the input and reports the seed.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import fc from 'fast-check';
import { analyzeModel } from '../../src/analyze/index.js';
import { onnx } from '../../src/analyze/onnx.js';
import { buildProgram } from '../../src/cli/program.js';
import { isBenchError } from '../../src/core/errors.js';
import { createOrtEngine } from '../../src/engines/ort.js';
import { estimateFile } from '../../src/estimate/estimate.js';
import { runFleet } from '../../src/fleet/fleet.js';
import { compareCommand, mergeCommand, reportCommand } from '../../src/report/commands.js';
import { readResultFile } from '../../src/results/io.js';
import { loadSuite } from '../../src/run/options.js';
import { resolveModel } from '../../src/run/models.js';
import { zooModelPath } from '../../models/cache.js';

/** A case slower than this counts as a hang (checked after it returns; the test timeout catches the rest). */
export const HANG_MS = 30_000;

/** A broken property, with what broke it. */
export class FuzzFailure extends Error {
  override name = 'FuzzFailure';
}

/** Throws a FuzzFailure unless `e` is acceptable: none, or a one-line BenchError / commander usage error with exit 2. */
export function checkOutcome(e: unknown, what: string): void {
  if (e === undefined) return;
  if (e instanceof CommanderError) return; // commander printed its usage line; the CLI exits 2 (0 for --help)
  if (isBenchError(e)) {
    if (e.exitCode !== 2)
      throw new FuzzFailure(`${what}: BenchError ${e.code} exits ${e.exitCode}, not 2: ${e.message}`);
    if (e.message.includes('\n'))
      throw new FuzzFailure(`${what}: BenchError message is not one line: ${JSON.stringify(e.message)}`);
    if (e.hint?.includes('\n'))
      throw new FuzzFailure(`${what}: BenchError hint is not one line: ${JSON.stringify(e.hint)}`);
    return;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  throw new FuzzFailure(`${what}: uncaught ${err.name}: ${err.message}\n${err.stack ?? ''}`);
}

/** Runs `fn`, returning what it threw (undefined when it worked) and throwing a FuzzFailure on a hang. */
async function attempt(what: string, fn: () => unknown): Promise<unknown> {
  const start = Date.now();
  let thrown: unknown;
  // A process warning (a library's YAMLWarning...) prints several lines on stderr: not one line.
  const warnings: string[] = [];
  const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
  const listeners = process.listeners('warning');
  process.removeAllListeners('warning');
  process.on('warning', onWarning);
  try {
    await fn();
  } catch (e) {
    thrown = e;
  } finally {
    await new Promise((r) => setImmediate(r)); // emitWarning delivers on the next tick
    process.off('warning', onWarning);
    for (const l of listeners) process.on('warning', l);
  }
  if (warnings.length > 0) throw new FuzzFailure(`${what}: printed a process warning: ${warnings[0]}`);
  const ms = Date.now() - start;
  if (ms > HANG_MS) throw new FuzzFailure(`${what}: took ${ms} ms (limit ${HANG_MS} ms)`);
  return thrown;
}

/** Fails when `dir` holds a temp file a writer left behind (a half-written file). */
function checkNoTempFiles(dir: string, what: string): void {
  const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  if (left.length > 0) throw new FuzzFailure(`${what}: left temp files ${left.join(', ')}`);
}

/** Runs `fn` with process.stdout/stderr writes swallowed (commands print tables and warnings). */
async function quietly<T>(fn: () => Promise<T> | T): Promise<T> {
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = (() => true) as typeof process.stderr.write;
  try {
    return await fn();
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}

/** One fuzz target: an arbitrary and the check of one generated input. */
export interface FuzzTarget<T> {
  name: string;
  arbitrary: fc.Arbitrary<T>;
  check(input: T): Promise<void>;
}

/** What a fuzz target works in: a scratch folder of its own. */
export interface FuzzContext {
  dir: string;
}

// ---------------------------------------------------------------------------------------------
// Byte and text mutations
// ---------------------------------------------------------------------------------------------

/** A way to damage a byte string. */
type ByteMutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; flips: { at: number; bit: number }[] }
  | { kind: 'splice'; at: number; del: number; insert: Uint8Array };

const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    flips: fc.array(fc.record({ at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }), {
      minLength: 1,
      maxLength: 8,
    }),
  }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: fc.nat(),
    del: fc.nat({ max: 64 }),
    insert: fc.uint8Array({ maxLength: 32 }),
  }),
);

function applyBytes(src: Uint8Array, m: ByteMutation): Uint8Array {
  const n = src.length;
  switch (m.kind) {
    case 'truncate':
      return new Uint8Array(src.subarray(0, n === 0 ? 0 : m.at % n));
    case 'flip': {
      const out = new Uint8Array(src); // a copy (Buffer#slice would be a view)
      for (const f of m.flips) if (n > 0) out[f.at % n]! ^= 1 << f.bit;
      return out;
    }
    case 'splice': {
      const at = n === 0 ? 0 : m.at % (n + 1);
      const out = new Uint8Array(n - Math.min(m.del, n - at) + m.insert.length);
      out.set(src.subarray(0, at), 0);
      out.set(m.insert, at);
      out.set(src.subarray(Math.min(n, at + m.del)), at + m.insert.length);
      return out;
    }
  }
}

/** A way to damage text (YAML, JSON): byte damage of its UTF-8, or a random line swapped in. */
const textMutation = fc.oneof(
  { weight: 3, arbitrary: byteMutation.map((m) => ({ kind: 'bytes' as const, m })) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('line' as const),
      line: fc.nat(),
      text: fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.constantFrom(
          '  count: -1',
          '  count: 1e309',
          'items: []',
          '- !!binary AAAA',
          'x: &a [*a]',
          '{',
          'null',
          "  device: ''",
        ),
      ),
    }),
  },
);

type TextMutation = typeof textMutation extends fc.Arbitrary<infer T> ? T : never;

function applyText(src: string, m: TextMutation): string {
  if (m.kind === 'bytes') return Buffer.from(applyBytes(Buffer.from(src, 'utf8'), m.m)).toString('utf8');
  const lines = src.split('\n');
  lines[m.line % lines.length] = m.text;
  return lines.join('\n');
}

// ---------------------------------------------------------------------------------------------
// ONNX models
// ---------------------------------------------------------------------------------------------

/** A change to one decoded field of an ONNX model (re-encoded after). */
type FieldMutation = {
  field: 'opType' | 'dims' | 'dataType' | 'inputDim' | 'attrInt' | 'nodeInput' | 'opset';
  at: number;
  value: number;
};

const fieldMutation: fc.Arbitrary<FieldMutation> = fc.record({
  field: fc.constantFrom('opType', 'dims', 'dataType', 'inputDim', 'attrInt', 'nodeInput', 'opset'),
  at: fc.nat(),
  value: fc.oneof(fc.integer({ min: -3, max: 70000 }), fc.constantFrom(0, -1, 2 ** 31 - 1, 2 ** 40)),
});

const OP_TYPES = [
  'Conv',
  'Relu',
  'Gemm',
  'MatMul',
  'Add',
  'Reshape',
  'Flatten',
  'MaxPool',
  'Concat',
  'Loop',
  'NoSuchOp',
];

function applyField(bytes: Uint8Array, m: FieldMutation): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const g = model.graph!;
  const pick = <T>(xs: T[] | null | undefined): T | undefined =>
    xs && xs.length > 0 ? xs[m.at % xs.length] : undefined;
  switch (m.field) {
    case 'opType': {
      const n = pick(g.node);
      if (n) n.opType = OP_TYPES[(m.value % OP_TYPES.length) >>> 0] ?? 'NoSuchOp';
      break;
    }
    case 'dims': {
      const t = pick(g.initializer);
      if (t?.dims && t.dims.length > 0) t.dims[m.at % t.dims.length] = m.value;
      break;
    }
    case 'dataType': {
      const t = pick(g.initializer);
      if (t) t.dataType = m.value % 32;
      break;
    }
    case 'inputDim': {
      const dims = pick(g.input)?.type?.tensorType?.shape?.dim;
      const d = pick(dims);
      if (d) {
        d.dimValue = m.value;
        d.dimParam = '';
      }
      break;
    }
    case 'attrInt': {
      const a = pick(pick(g.node)?.attribute);
      if (a) {
        if (a.ints && a.ints.length > 0) a.ints[m.at % a.ints.length] = m.value;
        else a.i = m.value;
      }
      break;
    }
    case 'nodeInput': {
      const n = pick(g.node);
      if (n?.input && n.input.length > 0)
        n.input[m.at % n.input.length] = m.value % 2 === 0 ? '' : `missing_${m.value}`;
      break;
    }
    case 'opset': {
      const o = pick(model.opsetImport);
      if (o) o.version = m.value;
      break;
    }
  }
  return onnx.ModelProto.encode(model).finish();
}

/** A damaged model: byte damage or one field changed. */
const onnxMutation = fc.oneof(
  { weight: 2, arbitrary: byteMutation.map((m) => ({ kind: 'bytes' as const, m })) },
  { weight: 2, arbitrary: fieldMutation.map((m) => ({ kind: 'field' as const, m })) },
);

/** The bytes of tiny_cnn (fp32, seed 0), built once into the zoo cache. */
let tinyCnn: Uint8Array | undefined;
function tinyCnnBytes(): Uint8Array {
  tinyCnn ??= new Uint8Array(readFileSync(zooModelPath('tiny_cnn', { precision: 'fp32', seed: 0 })));
  return tinyCnn;
}

/**
 * ONNX bytes into the analyzer (what `bench models inspect FILE` runs) and into the run's model loading:
 * resolveModel decodes the file as `bench run --model FILE` does, and whatever it accepts is handed to
 * onnxruntime as the run would (`withOrt`).
 */
export function onnxTarget(
  ctx: FuzzContext,
  options: { withOrt: boolean },
): FuzzTarget<typeof onnxMutation extends fc.Arbitrary<infer T> ? T : never> {
  return {
    name: options.withOrt ? 'onnx-run-load' : 'onnx-analyze',
    arbitrary: onnxMutation,
    async check(mutation) {
      const bytes =
        mutation.kind === 'bytes'
          ? applyBytes(tinyCnnBytes(), mutation.m)
          : applyField(tinyCnnBytes(), mutation.m);
      const what = `${JSON.stringify(mutation).slice(0, 200)}`;
      checkOutcome(await attempt(`analyze ${what}`, () => analyzeModel(bytes)), `analyze ${what}`);
      if (!options.withOrt) return;
      const path = join(ctx.dir, 'fuzz.onnx');
      writeFileSync(path, bytes);
      let resolved: ReturnType<typeof resolveModel> | undefined;
      checkOutcome(
        await attempt(`resolveModel ${what}`, () => {
          resolved = resolveModel(path, { engine: 'ort', precision: undefined, seed: 0 });
        }),
        `resolveModel ${what}`,
      );
      if (!resolved) return;
      const engine = createOrtEngine();
      const r = resolved;
      checkOutcome(
        await attempt(`ort load ${what}`, async () => {
          const loaded = await engine.load({
            modelPath: path,
            device: 'cpu',
            precision: r.precision,
            threads: 1,
            transfer: 'include',
          });
          await loaded.dispose();
        }),
        `ort load ${what}`,
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Result files
// ---------------------------------------------------------------------------------------------

const FIXTURES = join(import.meta.dirname, '..', '..', '..', 'test', 'fixtures', 'results');
/** Where the result-file fixtures are, from dist/bench/perf or from bench/perf (vitest runs the source). */
function fixturesDir(): string {
  const fromSource = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'results');
  return existsSync(fromSource) ? fromSource : FIXTURES;
}

/** Values that a schema may accept but no measurement would give. */
const absurdNumber = fc.constantFrom(
  0,
  -0,
  1e-300,
  Number.MIN_VALUE,
  1e300,
  Number.MAX_VALUE,
  2 ** 53 + 1,
  -1,
  0.5,
  1e15,
);

/** A JSON value to put somewhere in a result file. */
const jsonReplacement = fc.oneof(
  { weight: 3, arbitrary: absurdNumber },
  { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '',
      'cpu',
      'cuda',
      'ort',
      'tfjs',
      'fp16',
      'int8',
      'server',
      '1970-01-01T00:00:00Z',
    ),
  },
);

/** A change to a result file: text damage, or a value set or removed at some path of its JSON. */
const resultMutation = fc.oneof(
  { weight: 1, arbitrary: textMutation.map((m) => ({ kind: 'text' as const, m })) },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('json' as const),
      edits: fc.array(
        fc.record({
          at: fc.nat(),
          op: fc.constantFrom('set', 'set', 'set', 'delete', 'empty-array'),
          value: jsonReplacement,
        }),
        { minLength: 1, maxLength: 4 },
      ),
    }),
  },
);

type ResultMutation = typeof resultMutation extends fc.Arbitrary<infer T> ? T : never;

/** Every path in a JSON value (objects' keys and arrays' indices), depth first. */
function jsonPaths(
  v: unknown,
  prefix: (string | number)[] = [],
  out: (string | number)[][] = [],
): (string | number)[][] {
  if (v !== null && typeof v === 'object') {
    for (const [k, child] of Object.entries(v)) {
      const path = [...prefix, Array.isArray(v) ? Number(k) : k];
      out.push(path);
      jsonPaths(child, path, out);
    }
  }
  return out;
}

function applyResult(text: string, m: ResultMutation): string {
  if (m.kind === 'text') return applyText(text, m.m);
  const doc = JSON.parse(text) as unknown;
  for (const e of m.edits) {
    const paths = jsonPaths(doc);
    const path = paths[e.at % paths.length];
    if (!path) continue;
    const parent = path
      .slice(0, -1)
      .reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], doc) as Record<
      string | number,
      unknown
    >;
    const key = path[path.length - 1]!;
    if (e.op === 'delete') {
      if (Array.isArray(parent)) parent.splice(Number(key), 1);
      else delete parent[key];
    } else if (e.op === 'empty-array') parent[key] = [];
    else parent[key] = e.value;
  }
  return JSON.stringify(doc, null, 2);
}

/**
 * A damaged result file into compare (against the intact base), merge (writing a file, which must read
 * back), report (Markdown and CSV files) and estimate.
 */
export function resultFileTarget(ctx: FuzzContext): FuzzTarget<{ base: string; m: ResultMutation }> {
  const fixtures = fixturesDir();
  const bases = ['base.json', 'new.json', 'multi-batch.json', 'threads-2.json'].map((f) => join(fixtures, f));
  return {
    name: 'result-files',
    arbitrary: fc.record({ base: fc.constantFrom(...bases), m: resultMutation }),
    async check({ base, m }) {
      const path = join(ctx.dir, 'fuzzed.json');
      writeFileSync(path, applyResult(readFileSync(base, 'utf8'), m));
      const what = JSON.stringify(m).slice(0, 300);
      checkOutcome(
        await attempt(`compare ${what}`, () =>
          compareCommand([join(fixtures, 'base.json'), path], {
            format: 'table',
            bootstrapIterations: 200,
            seed: 1,
          }),
        ),
        `compare ${what}`,
      );
      checkOutcome(
        await attempt(`compare --json ${what}`, () =>
          compareCommand([path, path], { format: 'json', bootstrapIterations: 200, seed: 1 }),
        ),
        `compare --json ${what}`,
      );
      const merged = join(ctx.dir, 'merged.json');
      rmSync(merged, { force: true });
      checkOutcome(
        await attempt(`merge ${what}`, () =>
          mergeCommand([path, join(fixtures, 'base.json')], merged, 'bench merge (fuzz)'),
        ),
        `merge ${what}`,
      );
      if (existsSync(merged)) {
        try {
          readResultFile(merged);
        } catch (e) {
          throw new FuzzFailure(`merge ${what}: wrote a file that does not read back: ${String(e)}`);
        }
      }
      checkOutcome(
        await attempt(`report ${what}`, () =>
          reportCommand([path], {
            markdown: join(ctx.dir, 'r.md'),
            csv: join(ctx.dir, 'r.csv'),
            force: true,
            seed: 1,
          }),
        ),
        `report ${what}`,
      );
      checkOutcome(
        await attempt(`estimate ${what}`, () => {
          const file = readResultFile(path);
          estimateFile(file, path);
        }),
        `estimate ${what}`,
      );
      checkNoTempFiles(ctx.dir, what);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Fleet scenarios and suites
// ---------------------------------------------------------------------------------------------

function packageFile(...parts: string[]): string {
  const fromSource = join(import.meta.dirname, '..', '..', ...parts);
  return existsSync(fromSource) ? fromSource : join(import.meta.dirname, '..', '..', '..', ...parts);
}

/** A damaged fleet scenario YAML into `bench fleet` (runFleet). */
export function fleetTarget(ctx: FuzzContext): FuzzTarget<{ src: string; m: TextMutation }> {
  const srcs = ['lab-example.yaml', 'tesla-2024.yaml'].map((f) => packageFile('bench', 'scenarios', f));
  return {
    name: 'fleet-yaml',
    arbitrary: fc.record({ src: fc.constantFrom(...srcs), m: textMutation }),
    async check({ src, m }) {
      const path = join(ctx.dir, 'scenario.yaml');
      writeFileSync(path, applyText(readFileSync(src, 'utf8'), m));
      const what = `fleet ${JSON.stringify(m).slice(0, 200)}`;
      checkOutcome(await attempt(what, () => runFleet(path)), what);
    },
  };
}

/** A damaged suite file into `bench run --suite FILE` (loadSuite). */
export function suiteTarget(ctx: FuzzContext): FuzzTarget<{ src: string; m: TextMutation }> {
  const srcs = ['smoke.yaml', 'default.yaml', 'full.yaml'].map((f) => packageFile('bench', 'suites', f));
  return {
    name: 'suite-yaml',
    arbitrary: fc.record({ src: fc.constantFrom(...srcs), m: textMutation }),
    async check({ src, m }) {
      const path = join(ctx.dir, 'suite.yaml');
      writeFileSync(path, applyText(readFileSync(src, 'utf8'), m));
      const what = `suite ${JSON.stringify(m).slice(0, 200)}`;
      checkOutcome(await attempt(what, () => loadSuite(path)), what);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// CLI argument lists
// ---------------------------------------------------------------------------------------------

/**
 * Random argument lists over the commands that read files or compute (compare, merge, report,
 * estimate, fleet, models, run --dry-run on the CPU), from a vocabulary of their flags and of values
 * good and bad. `bench run` without --dry-run would measure, so it is not generated.
 */
export function cliTarget(ctx: FuzzContext): FuzzTarget<string[]> {
  const fixtures = fixturesDir();
  const file = (n: string): string => join(fixtures, n);
  const values = [
    file('base.json'),
    file('new.json'),
    file('empty.json'),
    file('future.json'),
    file('not-json.json'),
    file('old-tool.json'),
    packageFile('bench', 'scenarios', 'lab-example.yaml'),
    join(ctx.dir, 'out.json'),
    join(ctx.dir, 'out.md'),
    ctx.dir,
    '-',
    '',
    ' ',
    '0',
    '-1',
    '1.5',
    'abc',
    '1e309',
    'NaN',
    '100',
    '2000',
    'tiny_cnn',
    'fp16',
    'int8',
    'all',
    'model,batch',
    'input:1x3x32x32',
    'input:0x3',
    '--',
    '\u0000',
    'é',
    'x'.repeat(300),
  ];
  const flags = [
    '--json',
    '--markdown',
    '--csv',
    '--html',
    '--out',
    '--force',
    '--ignore-key',
    '--alpha',
    '--bootstrap',
    '--seed',
    '--fail-on-regression',
    '--allow-missing',
    '--title',
    '--reference',
    '--as',
    '--method',
    '--cpu-bandwidth',
    '--explain',
    '--shape',
    '--precision',
    '--external-data',
    '--verbose',
    '--help',
    '--no-such-flag',
    '--batch',
    '--threads',
    '--model',
  ];
  const commands: string[][] = [
    ['compare'],
    ['merge'],
    ['report'],
    ['estimate'],
    ['fleet'],
    ['models'],
    ['models', 'inspect'],
    ['models', 'export'],
    ['run', '--dry-run', '--device', 'cpu'],
  ];
  const arb = fc
    .tuple(
      fc.constantFrom(...commands),
      fc.array(fc.oneof(fc.constantFrom(...values), fc.constantFrom(...flags), fc.string({ maxLength: 8 })), {
        maxLength: 7,
      }),
    )
    .map(([cmd, rest]) => [...cmd, ...rest]);
  return {
    name: 'cli-args',
    arbitrary: arb,
    async check(args) {
      // Outputs land in ctx.dir; a run --dry-run writes nothing. Fresh each case so --force matters.
      for (const f of ['out.json', 'out.md']) rmSync(join(ctx.dir, f), { force: true });
      const what = `bench ${JSON.stringify(args)}`;
      const program = buildProgram(); // exitOverride: usage errors and --help throw a CommanderError
      const saved = process.exitCode;
      checkOutcome(
        await attempt(what, () => quietly(() => program.parseAsync([...args], { from: 'user' }))),
        what,
      );
      process.exitCode = saved;
      checkNoTempFiles(ctx.dir, what);
      const out = join(ctx.dir, 'out.json');
      if (existsSync(out) && args[0] === 'merge') {
        try {
          readResultFile(out);
        } catch (e) {
          throw new FuzzFailure(`${what}: wrote ${out} that does not read back: ${String(e)}`);
        }
      }
    },
  };
}

/** Every target, each in its own scratch folder under `root`. */
export function allTargets(root: string, options: { withOrt: boolean }): FuzzTarget<never>[] {
  const ctx = (name: string): FuzzContext => {
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    return { dir };
  };
  return [
    onnxTarget(ctx('onnx-analyze'), { withOrt: false }),
    ...(options.withOrt ? [onnxTarget(ctx('onnx-run-load'), { withOrt: true })] : []),
    resultFileTarget(ctx('result-files')),
    fleetTarget(ctx('fleet-yaml')),
    suiteTarget(ctx('suite-yaml')),
    cliTarget(ctx('cli-args')),
  ] as unknown as FuzzTarget<never>[];
}
