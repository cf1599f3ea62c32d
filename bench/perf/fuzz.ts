/**
 * The fuzz properties of test/fuzz-inputs.test.ts (bench/perf/fuzz-targets.ts), run for a set time:
 * the targets take turns in batches of 50 cases, each batch under a new seed, until the time is up.
 * Prints the cases run per target and every failure (its seed, path and counterexample, to replay with
 * fast-check). Exit 1 when anything failed.
 *
 *   npm run build && node dist/bench/perf/fuzz.js [--minutes 10] [--seed 1] [--targets a,b] [--no-ort]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { BenchError } from '../../src/core/errors.js';
import { allTargets } from './fuzz-targets.js';
import { parseScriptArgsOrExit, runScript } from './script.js';

const USAGE = 'node dist/bench/perf/fuzz.js [--minutes N] [--seed N] [--targets a,b] [--no-ort]';
const { values } = parseScriptArgsOrExit(
  {
    options: {
      minutes: { type: 'string', default: '10' },
      seed: { type: 'string', default: '1' },
      targets: { type: 'string' },
      'no-ort': { type: 'boolean', default: false },
    },
  },
  USAGE,
);

const BATCH = 50;

runScript(async () => {
  const minutes = Number(values.minutes);
  const seed0 = Number(values.seed);
  if (!(minutes > 0))
    throw new BenchError('E_USAGE', `--minutes '${values.minutes}': expected a positive number`, {
      hint: USAGE,
    });
  if (!Number.isInteger(seed0) || seed0 < 0)
    throw new BenchError('E_USAGE', `--seed '${values.seed}': expected a non-negative integer`, {
      hint: USAGE,
    });
  const root = mkdtempSync(join(tmpdir(), 'h100e-fuzz-long-'));
  let targets = allTargets(root, { withOrt: !values['no-ort'] });
  if (values.targets) {
    const wanted = values.targets.split(',');
    const unknown = wanted.filter((w) => !targets.some((t) => t.name === w));
    if (unknown.length > 0)
      throw new BenchError('E_USAGE', `--targets: unknown ${unknown.join(', ')}`, {
        hint: `targets: ${targets.map((t) => t.name).join(', ')}`,
      });
    targets = targets.filter((t) => wanted.includes(t.name));
  }
  const counts = new Map(targets.map((t) => [t.name, { cases: 0, failures: 0, ms: 0 }]));
  const failures: string[] = [];
  const deadline = Date.now() + minutes * 60_000;
  let seed = seed0;
  try {
    while (Date.now() < deadline) {
      for (const target of targets) {
        if (Date.now() >= deadline) break;
        const c = counts.get(target.name)!;
        const t0 = Date.now();
        let ran = 0;
        const details = await fc.check(
          fc.asyncProperty(target.arbitrary, async (input) => {
            ran++;
            await target.check(input);
          }),
          { seed, numRuns: BATCH, endOnFailure: true },
        );
        c.cases += ran;
        c.ms += Date.now() - t0;
        if (details.failed) {
          c.failures++;
          const msg =
            details.errorInstance instanceof Error
              ? details.errorInstance.message
              : String(details.errorInstance);
          failures.push(
            `${target.name} seed ${seed} path ${details.counterexamplePath ?? '?'}: ${msg.split('\n')[0]}\n  counterexample: ${JSON.stringify(details.counterexample).slice(0, 400)}`,
          );
          process.stderr.write(`FAIL ${failures[failures.length - 1]}\n`);
        }
        seed++;
      }
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  const total = [...counts.values()].reduce((s, c) => s + c.cases, 0);
  process.stdout.write(`fuzz: ${minutes} min, seeds ${seed0}..${seed - 1}, ${total} cases\n`);
  process.stdout.write(
    `${'target'.padEnd(16)}${'cases'.padStart(8)}${'failed'.padStart(8)}${'cases/s'.padStart(9)}\n`,
  );
  for (const [name, c] of counts) {
    process.stdout.write(
      `${name.padEnd(16)}${String(c.cases).padStart(8)}${String(c.failures).padStart(8)}${(c.ms > 0 ? (c.cases / (c.ms / 1000)).toFixed(1) : '-').padStart(9)}\n`,
    );
  }
  process.stdout.write(
    failures.length === 0 ? 'no failures\n' : `${failures.length} failure(s):\n${failures.join('\n')}\n`,
  );
  return failures.length === 0 ? 0 : 1;
});
