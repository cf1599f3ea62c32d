/**
 * Bad input to every command is one line naming the flag (or file) with the value typed and what would
 * fix it, exit code 2, checked before any work. In-process through buildProgram(), plus a few runs of the
 * built CLI (dist/) for the exit codes and stderr as a user sees them.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommanderError } from 'commander';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../src/cli/program.js';
import { BenchError } from '../src/core/errors.js';
import { parseScenario } from '../src/fleet/fleet.js';
import { runInProcess } from './cli-in-process.js';
import { runCommand } from './run-command.js';

const CLI = join(import.meta.dirname, '..', 'dist', 'src', 'cli.js');
const dir = mkdtempSync(join(tmpdir(), 'h100e-cli-input-'));
const fx = (name: string): string => join(import.meta.dirname, 'fixtures', 'results', name);

/** Runs `bench ARGS` in-process through the real program. */
const bench = (...args: string[]) => runInProcess(buildProgram(), args);

/** The BenchError `bench ARGS` ends with; it must be one line and exit code 2. */
async function usageError(...args: string[]): Promise<BenchError> {
  const { error } = await bench(...args);
  expect(error, args.join(' ')).toBeInstanceOf(BenchError);
  const e = error as BenchError;
  expect(e.exitCode, args.join(' ')).toBe(2);
  expect(e.message).not.toContain('\n');
  return e;
}

afterEach(() => vi.restoreAllMocks());

describe('flag values: the value typed and what is expected', () => {
  const base = fx('base.json');
  const cases: [string[], string][] = [
    [
      ['compare', base, fx('new.json'), '--fail-on-regression', 'abc'],
      "--fail-on-regression 'abc': expected a number from 0 to 100",
    ],
    [['compare', base, fx('new.json'), '--seed', '-1'], "--seed '-1': expected a non-negative integer"],
    [['compare', base, fx('new.json'), '--alpha', '1'], "--alpha '1': expected a number above 0 and below 1"],
    [
      ['compare', base, fx('new.json'), '--bootstrap', '5.5'],
      "--bootstrap '5.5': expected an integer from 100 to 1000000",
    ],
    [['estimate', base, '--cpu-bandwidth', '-5'], "--cpu-bandwidth '-5': expected a positive number"],
    [['estimate', base, '--method', 'foo'], "--method 'foo': expected one of all, measured"],
    [['estimate', base, '--json', '--csv'], '--json and --csv are exclusive'],
    [['compare', base, fx('new.json'), '--markdown', '--csv'], '--markdown and --csv are exclusive'],
    [['doctor', '--timeout', 'abc'], "--timeout 'abc': expected a positive number"],
    [['setup', 'cuda', '--timeout', '0'], "--timeout '0': expected a positive number"],
    [
      ['models', 'export', 'tiny_cnn', '--seed', '1.5', '--out', join(dir, 'x.onnx')],
      "--seed '1.5': expected an integer from 0 to 4294967295",
    ],
    [
      ['models', 'export', 'tiny_cnn', '--precision', 'fp8', '--out', join(dir, 'x.onnx')],
      "--precision 'fp8': expected one of fp32, fp16, int8",
    ],
    [['run', '--model', 'tiny_cnn', '--gpus', 'abc'], "--gpus 'abc': expected 'all' or GPU indices like 0,1"],
    // Checked by the run options, before any device is probed: the same words as through the API.
    [['run', '--model', 'tiny_cnn', '--out', '  '], '--out is empty: pass a file path'],
    [
      ['run', '--model', 'tiny_cnn', '--threads', String(4 * availableParallelism() + 1)],
      `--threads '${4 * availableParallelism() + 1}': expected an integer from 0 to ${4 * availableParallelism()} (4 x the ${availableParallelism()} logical cores here)`,
    ],
    [['run', '--model', 'tiny_cnn', '--engine', 'torch'], "--engine 'torch': expected one of ort, tfjs"],
    [
      ['run', '--model', 'tiny_cnn', '--threads', '1,x'],
      "--threads '1,x': expected non-negative integers separated by commas, e.g. 0,1,2",
    ],
    [
      ['run', '--model', 'tiny_cnn', '--precision', 'fp32,fp8'],
      "--precision 'fp32,fp8': expected a comma-separated list of fp32, fp16, int8 ('fp8' is not one of them)",
    ],
    // Refused before nvidia-smi is asked about --gpus (which would exit 3 here, with no GPU).
    [
      ['run', '--model', 'tiny_cnn', '--gpus', 'all', '--resume', '--out', join(dir, 'r.json')],
      '--resume cannot continue a --gpus run',
    ],
    [['run', '--model', 'tiny_cnn', '--resume'], '--resume needs --out'],
    [
      ['run', '--model', 'tiny_cnn', '--gpus', 'all', '--device', 'cuda', '--dry-run'],
      '--dry-run plans a run on one device, not a --gpus run',
    ],
    // --gpus pins each worker by CUDA device id: other devices and engines would share one GPU.
    [
      ['run', '--model', 'tiny_cnn', '--gpus', 'all'],
      '--gpus needs --device cuda or tensorrt, not auto: auto may choose WebGPU or the CPU, which --gpus cannot pin to a GPU',
    ],
    [
      ['run', '--model', 'tiny_cnn', '--gpus', '0', '--device', 'webgpu'],
      '--gpus needs --device cuda or tensorrt, not webgpu: onnxruntime-node passes the WebGPU provider no adapter index, so every worker would share one GPU',
    ],
    [
      ['run', '--model', 'tiny_cnn', '--gpus', '0', '--device', 'cuda', '--engine', 'tfjs'],
      '--gpus cannot pin --engine tfjs workers to their GPUs: it takes no GPU index, so every worker would share one GPU',
    ],
  ];
  it.each(cases)('%j', async (args, message) => {
    const e = await usageError(...args);
    expect(e.code).toBe('E_USAGE');
    expect(e.message).toBe(message);
  });

  it('--ignore-key names the bad field and suggests a close one', async () => {
    const e = await usageError('compare', base, fx('new.json'), '--ignore-key', 'threds');
    expect(e.message).toBe(
      "--ignore-key 'threds': expected a comma-separated list of model, sha256, engine, provider, precision, batch, scenario, concurrency, threads ('threds' is not one of them)",
    );
    expect(e.hint).toBe('did you mean threads?');
  });

  it('report: --html and --markdown on one file is a usage error', async () => {
    const e = await usageError(
      'report',
      base,
      '--html',
      join(dir, 'r.md'),
      '--markdown',
      `${dir}/./r.md`,
      '--force',
    );
    expect(e.message).toBe(`--html and --markdown both name ${dir}/./r.md`);
    expect(e.hint).toBe('give each report its own file, e.g. --html report.html --markdown report.md');
  });
});

describe('commands and subcommands', () => {
  it('a mistyped models subcommand is named, with the closest one', async () => {
    const e = await usageError('models', 'exprot', 'squeezenet1_1');
    expect(e.message).toBe("unknown command 'models exprot'");
    expect(e.hint).toBe('did you mean models export? (bench models --help lists them: export, inspect)');
  });

  it('help for an unknown command says so; help for a known one exits 0', async () => {
    const e = await usageError('help', 'bogus');
    expect(e.message).toBe("unknown command 'bogus'");
    expect(e.hint).toBe(
      'bench --help lists them: run, doctor, setup, compare, ab, merge, report, estimate, fleet, models, cluster',
    );
    const ok = await bench('help', 'models', 'export');
    expect((ok.error as CommanderError).exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^Usage: bench models export \[options\] <name>/);
    const sub = await bench('models', 'help', 'inspect');
    expect((sub.error as CommanderError).exitCode).toBe(0);
    expect(sub.stdout).toMatch(/^Usage: bench models inspect \[options\] <file\|name>/);
  });

  it('run --help shows no internal argument name and lists the device and precision choices', async () => {
    const { stdout, error } = await bench('run', '--help');
    expect((error as CommanderError).exitCode).toBe(0);
    expect(stdout).toMatch(/^Usage: bench run \[options\]\n/);
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      '(choices: "auto", "cpu", "cuda", "tensorrt", "webgpu", default: "auto")',
    );
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      'zoo models: weights and activations, fp32, fp16 or int8 (QDQ, calibrated on seeded inputs; ort only), or a list such as fp32,int8 to sweep (default: fp32); an ONNX file runs once, at its own',
    );
    // Help defaults say what really happens: bare `bench` runs the default suite's batches.
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      "(default: the suite's, or 1 with --model and no --suite; bare `bench`: 1,8)",
    );
    // Filled in when help is rendered (registering the commands reads no suite), --max-duration included.
    expect(stdout.replace(/\s+/g, ' ')).toContain(
      "stop here even if the CI target is not met (default: the suite's, or the longer of 30 and 2 x --duration with --model and no --suite; bare `bench`: 5)",
    );
  });

  it("a --duration past the suite's max-duration wins; a typed --max-duration below it is named once", async () => {
    // --scenario server without --qps stops at option checking, before anything is measured: the error
    // it ends with shows the suite's maxDurationS (3) no longer stands against --duration 5.
    const e = await usageError('--suite', 'smoke', '--duration', '5', '--scenario', 'server');
    expect(e.message).toBe('--qps: the server scenario needs --qps N or --find-peak');
    const short = await usageError('--suite', 'smoke', '--duration', '5', '--max-duration', '4');
    expect(short.message).toBe('--max-duration 4 is shorter than --duration 5');
  });

  it('models inspect takes a zoo name', async () => {
    const { stdout, error } = await bench('models', 'inspect', 'tiny_cnn');
    expect(error).toBeNull();
    expect(stdout).toMatch(/^model {8}tiny_cnn \(zoo model, fp32, seed 0\) \(opset \d+\)\n/);
    expect(stdout).toContain('params       44,048');
    expect((await usageError('models', 'inspect', 'tiny_cnm')).code).toBe('E_UNKNOWN_MODEL');
  });
});

describe('fleet scenarios', () => {
  it('an empty file says so', async () => {
    const path = join(dir, 'empty.yaml');
    writeFileSync(path, '# to do\n');
    const e = await usageError('fleet', path);
    expect(e.message).toBe(`${path}: the file is empty`);
    expect(e.hint).toBe(
      'a scenario needs scenarioVersion: 1, name and items; see bench/scenarios/lab-example.yaml',
    );
  });

  it('a scenario without a fleet line, or with a fractional count, is rejected', () => {
    const head = { scenarioVersion: 1, name: 'x' };
    const item = { id: 'a', device: 'H100 SXM' };
    const cases: [unknown, string][] = [
      [
        head,
        's.yaml: field "items": the scenario lists no fleet: give items (or snapshots with items) with at least one line',
      ],
      [{ ...head, items: [] }, 's.yaml: field "items": the list is empty: give at least one fleet line'],
      [
        { ...head, items: [{ ...item, count: 2.5 }] },
        's.yaml: field "items.0.count": must be a whole number of devices (use utilisation for a share)',
      ],
      [null, 's.yaml: the file is empty (expected scenarioVersion, name and items)'],
    ];
    for (const [raw, message] of cases) {
      expect(() => parseScenario(raw, 's.yaml')).toThrow(message);
    }
    expect(parseScenario({ ...head, items: [{ ...item, count: 2 }] }, 's.yaml').items).toHaveLength(1);
  });
});

describe('the built CLI', () => {
  it('exits 2 with one error line and no stack trace', async () => {
    const junk = join(dir, 'passwd');
    writeFileSync(junk, 'root:x:0:0:root:/root:/bin/bash\n');
    const [model, help, gpus] = await Promise.all([
      runCommand(process.execPath, [CLI, '--model', junk, '--device', 'cpu', '--duration', '0.2']),
      runCommand(process.execPath, [CLI, 'help', 'bogus']),
      runCommand(process.execPath, [CLI, '--model', 'tiny_cnn', '--gpus', 'abc']),
    ]);
    expect(model.code).toBe(2);
    expect(model.stderr).toMatch(
      new RegExp(`^error: --model ${junk} is not a readable ONNX model: .*\\n  hint: give a zoo name`),
    );
    expect(help.code).toBe(2);
    expect(help.stdout).toBe('');
    expect(help.stderr).toBe(
      "error: unknown command 'bogus'\n  hint: bench --help lists them: run, doctor, setup, compare, ab, merge, report, estimate, fleet, models, cluster\n",
    );
    expect(gpus.code).toBe(2);
    expect(gpus.stderr).toBe("error: --gpus 'abc': expected 'all' or GPU indices like 0,1\n");
  });
});
