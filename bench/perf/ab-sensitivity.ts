/**
 * Sensitivity of `bench ab` against the old way (a performance study, not a test).
 *
 * - The pair: A is a plain CNN of 20 identical conv blocks, B the same with a 21st (ab-model-pair.ts);
 *   the analyzer's MACs give the known extra work, and a quiet A/B run before the noise starts
 *   confirms the time ratio (`--confirm-s`).
 * - The noise: a process burning one core in seeded random bursts, on and off for 0.2-2 s each,
 *   throughout the trials.
 * - The trials, each given --trial-s seconds in all, A/B and A/A in turn:
 *   - ab: `bench ab --a A --b B --threads 1 --max-duration T --json` (its defaults otherwise);
 *   - old: `bench run` of A for half the time, `bench run` of B for the other half (both 1 thread),
 *     then `bench compare a.json b.json --json`.
 *   Each runs the real CLI in child processes, as a user would.
 * - Counted: a detection is verdict "slower" on A/B; a false alarm any verdict but "no change" on A/A;
 *   and the same with the 2 % gate (`--fail-on-regression 2`: slower and the ratio below 0.98).
 *
 *   npm run build && node dist/bench/perf/ab-sensitivity.js [--trials 20] [--trial-s 30]
 *     [--confirm-s 60] [--noise on|off] [--methods ab,old] [--dir DIR] [--json OUT]
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/core/version.js';
import { median } from '../../src/stats/statistics.js';
import { writeModelPair } from './ab-model-pair.js';
import { parseScriptArgsOrExit, runScript } from './script.js';

const { values } = parseScriptArgsOrExit(
  {
    options: {
      trials: { type: 'string', default: '20' },
      'trial-s': { type: 'string', default: '30' },
      'confirm-s': { type: 'string', default: '60' },
      noise: { type: 'string', default: 'on' },
      methods: { type: 'string', default: 'ab,old' },
      gate: { type: 'string', default: '2' },
      dir: { type: 'string' },
      json: { type: 'string' },
    },
  },
  'node dist/bench/perf/ab-sensitivity.js [--trials N] [--trial-s S] [--confirm-s S] [--noise on|off] [--methods ab,old] [--gate PCT] [--dir DIR] [--json OUT]',
);
const trials = Number(values.trials);
const trialS = Number(values['trial-s']);
const confirmS = Number(values['confirm-s']);
const gate = 1 - Number(values.gate) / 100;
const methods = values.methods.split(',').filter((m): m is 'ab' | 'old' => m === 'ab' || m === 'old');
const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'h100e-ab-sens-'));
const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');

/** Runs the CLI; its stdout, or an error with its stderr's last line. */
function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  // bench ab exits 0, or 1 with --fail-on-regression; anything else is a failed trial.
  if (r.status !== 0)
    throw new Error(`bench ${args[0]} exited ${r.status}: ${r.stderr.trim().split('\n').pop()}`);
  return r.stdout;
}

/** One core burnt in seeded random bursts until stopped. */
function startNoise(): () => void {
  const code = `let s=7;const r=()=>(s=(s*1103515245+12345)%2147483648)/2147483648;
  const loop=()=>{const on=200+r()*1800,off=200+r()*1800,end=Date.now()+on;while(Date.now()<end);setTimeout(loop,off)};loop();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

interface Verdict {
  verdict: string;
  ratio: number | null;
  ci: [number, number] | null;
  rounds?: number;
}

interface Trial extends Verdict {
  method: 'ab' | 'old';
  pair: 'A/B' | 'A/A';
  seconds: number;
}

/** `bench ab` of two models for `seconds` in all. */
function abTrial(a: string, b: string, seconds: number, seed: number): Verdict {
  const args = ['ab', '--a', a, '--b', b, '--threads', '1', '--max-duration', String(seconds)];
  const out = JSON.parse(cli([...args, '--seed', String(seed), '--quiet', '--json'])) as {
    ab?: { paired: Paired | null; rounds: unknown[] };
    paired?: Paired | null;
    rounds?: unknown[];
  };
  const paired = out.ab?.paired ?? out.paired ?? null;
  return {
    verdict: paired?.verdict ?? 'none',
    ratio: paired?.medianRatio ?? null,
    ci: paired?.ci ?? null,
    rounds: (out.ab?.rounds ?? out.rounds ?? []).length,
  };
}
interface Paired {
  verdict: string;
  medianRatio: number;
  ci: [number, number] | null;
}

/** `bench run` A, `bench run` B, each for half of `seconds`, then `bench compare`. */
function oldTrial(a: string, b: string, seconds: number, seed: number): Verdict {
  const files = [a, b].map((model, i) => {
    const out = join(dir, `old-${i}.json`);
    // About 1.5 s of each half goes to starting node, loading and warming up.
    const d = String(Math.max(1, seconds / 2 - 1.5));
    const run = ['run', '--model', model, '--device', 'cpu', '--threads', '1', '--batch', '1'];
    const timing = ['--warmup', '50', '--duration', d, '--max-duration', d, '--rel-ci', '0.1'];
    cli([...run, ...timing, '--seed', String(seed), '--out', out, '--force', '--json']);
    return out;
  });
  const cmp = JSON.parse(cli(['compare', ...files, '--ignore-key', 'model,sha256', '--json'])) as {
    comparison: {
      rows: { cells: { verdict: string; ratio: number | null; ci: [number, number] | null }[] }[];
    };
  };
  const cell = cmp.comparison.rows[0]?.cells[0];
  return { verdict: cell?.verdict ?? 'none', ratio: cell?.ratio ?? null, ci: cell?.ci ?? null };
}

const widthPct = (v: Verdict) => (v.ci && v.ratio ? ((v.ci[1] - v.ci[0]) / v.ratio) * 100 : null);

async function main(): Promise<number> {
  const pair = writeModelPair(dir);
  const macRatio = pair.macsA / pair.macsB;
  console.log(
    `models in ${dir}: A ${(pair.macsA / 1e6).toFixed(1)} M MACs, B ${(pair.macsB / 1e6).toFixed(1)} M MACs (analyzer): B/A speed ratio by MACs ${macRatio.toFixed(4)}`,
  );
  if (confirmS > 0) {
    const q = abTrial(pair.a, pair.b, confirmS, 1);
    console.log(
      `quiet machine, bench ab for ${confirmS} s: B/A ${q.ratio?.toFixed(4)} [${q.ci?.map((x) => x.toFixed(4)).join(', ')}], ${q.verdict}, ${q.rounds} rounds`,
    );
  }
  const stopNoise = values.noise === 'on' ? startNoise() : () => undefined;
  console.log(
    `noise: ${values.noise === 'on' ? 'one core burnt in random bursts, on and off 0.2-2 s each' : 'none'}; trials of ${trialS} s`,
  );
  const results: Trial[] = [];
  try {
    for (let t = 0; t < trials; t++) {
      for (const kind of ['A/B', 'A/A'] as const) {
        for (const method of methods) {
          const t0 = performance.now();
          const b = kind === 'A/B' ? pair.b : pair.a;
          const r = method === 'ab' ? abTrial(pair.a, b, trialS, t + 1) : oldTrial(pair.a, b, trialS, t + 1);
          const seconds = (performance.now() - t0) / 1000;
          results.push({ method, pair: kind, seconds, ...r });
          console.log(
            `trial ${t + 1} ${kind} ${method}: ${r.verdict}, ratio ${r.ratio?.toFixed(4) ?? '-'}, CI width ${widthPct(r)?.toFixed(2) ?? '-'} %${r.rounds === undefined ? '' : `, ${r.rounds} rounds`}, ${seconds.toFixed(1)} s`,
          );
        }
      }
    }
  } finally {
    stopNoise();
  }
  const slowerPastGate = (r: Trial) => r.verdict === 'slower' && r.ratio !== null && r.ratio < gate;
  console.log(
    `\n| method | detected (verdict slower) | false alarms (A/A verdict not no-change) | detected with the ${values.gate} % gate | false alarms with the gate | median CI width A/B | median CI width A/A | median B/A ratio, A/B |`,
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const method of methods) {
    const ab = results.filter((r) => r.method === method && r.pair === 'A/B');
    const aa = results.filter((r) => r.method === method && r.pair === 'A/A');
    const width = (rs: Trial[]) => {
      const w = rs.map(widthPct).filter((x): x is number => x !== null);
      return w.length ? `${median(w).toFixed(2)} %` : '-';
    };
    const ratios = ab.map((r) => r.ratio).filter((x): x is number => x !== null);
    const name = method === 'ab' ? '`bench ab` (paired rounds)' : 'old way (run A, run B, compare)';
    console.log(
      `| ${name} | ${ab.filter((r) => r.verdict === 'slower').length}/${ab.length} | ${aa.filter((r) => r.verdict !== 'no-change').length}/${aa.length} | ${ab.filter(slowerPastGate).length}/${ab.length} | ${aa.filter(slowerPastGate).length}/${aa.length} | ${width(ab)} | ${width(aa)} | ${ratios.length ? median(ratios).toFixed(4) : '-'} |`,
    );
  }
  if (values.json) {
    writeFileSync(
      values.json,
      `${JSON.stringify({ macsA: pair.macsA, macsB: pair.macsB, trialS, results }, null, 2)}\n`,
    );
  }
  return 0;
}

runScript(main);
