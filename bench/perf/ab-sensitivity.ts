/**
 * Sensitivity of `bench ab` against the old way (a performance study, not a test). Side B is side A
 * plus a known extra cost: the worker spins H100E_AB_BUSY_US microseconds before each run, sized to
 * --slowdown percent of A's median latency measured first (before the noise starts). A background
 * process burns one core in random bursts (on and off for 0.2-2 s each, seeded) throughout the trials.
 *
 * Each trial of either method gets about --trial-s seconds:
 * - ab: `runAb` (what `bench ab` runs) with --round-s rounds, adaptive stop at --rel-ci or the budget;
 * - old: the same side workers, one after the other: A loads, warms up and runs for half the budget,
 *   then B does; the two sample sets are judged by compare's rule (Mann-Whitney p < 0.05 and the
 *   bootstrap CI of the median ratio), which is what `bench run` A, `bench run` B, `bench compare` does.
 * Trials alternate A/B and A/A, and ab and old, so the noise hits all four alike.
 *
 *   npm run build && node dist/bench/perf/ab-sensitivity.js [--model squeezenet1_1] [--trials 10]
 *     [--trial-s 15] [--slowdown 5] [--round-s 0.25] [--rel-ci 1] [--noise on|off] [--methods ab,old]
 *     [--json OUT]
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { runAb, plainComparison } from '../../src/ab/ab.js';
import { SideWorker, workerScript } from '../../src/ab/side.js';
import type { AbSideSpec } from '../../src/results/ab-schema.js';
import { median } from '../../src/stats/statistics.js';
import { parseScriptArgsOrExit, runScript } from './script.js';

const { values } = parseScriptArgsOrExit(
  {
    options: {
      model: { type: 'string', default: 'squeezenet1_1' },
      trials: { type: 'string', default: '10' },
      'trial-s': { type: 'string', default: '15' },
      slowdown: { type: 'string', default: '5' },
      'round-s': { type: 'string', default: '0.25' },
      'rel-ci': { type: 'string', default: '1' },
      noise: { type: 'string', default: 'on' },
      methods: { type: 'string', default: 'ab,old' },
      json: { type: 'string' },
    },
  },
  'node dist/bench/perf/ab-sensitivity.js [--model M] [--trials N] [--trial-s S] [--slowdown PCT] [--round-s S] [--rel-ci PCT] [--noise on|off] [--json OUT]',
);
const trials = Number(values.trials);
const trialS = Number(values['trial-s']);
const slowdownPct = Number(values.slowdown);
const roundS = Number(values['round-s']);
const relCiPct = Number(values['rel-ci']);
const spec: AbSideSpec = { model: values.model, engine: 'ort', threads: 1, epOptions: [] };
const WARMUP_S = 0.5;
const methods = values.methods.split(',').filter((m): m is 'ab' | 'old' => m === 'ab' || m === 'old');

/** A's median latency in ms over a 3 s slice, after a warm-up. */
async function calibrate(): Promise<number> {
  const w = new SideWorker(workerScript(spec, '--a-dir'));
  await w.request({ kind: 'load', spec, batch: 1, seed: 1 });
  await w.request({ kind: 'slice', seconds: 1, warmup: true });
  const m = await w.request({ kind: 'slice', seconds: 3, warmup: false });
  w.close();
  if (m.kind !== 'slice') throw new Error('calibration failed');
  return median(m.samplesMs);
}

/** One core burnt in seeded random bursts until killed. */
function startNoise(): () => void {
  const code = `let s=7;const r=()=>(s=(s*1103515245+12345)%2147483648)/2147483648;
  const loop=()=>{const on=200+r()*1800,off=200+r()*1800,end=Date.now()+on;while(Date.now()<end);setTimeout(loop,off)};loop();`;
  const child = spawn(process.execPath, ['-e', code], { stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

interface Trial {
  method: 'ab' | 'old';
  pair: 'A/B' | 'A/A';
  verdict: string;
  ratio: number | null;
  /** Full CI width in percent of the ratio. */
  ciWidthPct: number | null;
  rounds?: number;
  seconds: number;
}

async function abTrial(busyUs: number, seed: number): Promise<Omit<Trial, 'method' | 'pair'>> {
  const t0 = performance.now();
  const { file } = await runAb(
    {
      a: spec,
      b: spec,
      allowDiff: [],
      batch: 1,
      roundS,
      warmupS: WARMUP_S,
      order: 'abba',
      seed,
      relCiPct,
      maxDurationS: trialS,
      minRounds: 6,
      maxRounds: 1000,
      confidence: 0.95,
      alpha: 0.05,
      command: 'ab-sensitivity',
    },
    { env: { b: { H100E_AB_BUSY_US: String(busyUs) } } },
  );
  const p = file.paired;
  return {
    verdict: p?.verdict ?? 'none',
    ratio: p?.medianRatio ?? null,
    ciWidthPct: p?.ci ? ((p.ci[1] - p.ci[0]) / p.medianRatio) * 100 : null,
    rounds: file.rounds.length,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function oldTrial(busyUs: number, seed: number): Promise<Omit<Trial, 'method' | 'pair'>> {
  const t0 = performance.now();
  const samples: number[][] = [];
  // Each side: load, warm up, then measure for what is left of its half of the budget.
  for (const env of [{}, { H100E_AB_BUSY_US: String(busyUs) }]) {
    const start = performance.now();
    const w = new SideWorker(workerScript(spec, '--a-dir'), env);
    await w.request({ kind: 'load', spec, batch: 1, seed: 1 });
    await w.request({ kind: 'slice', seconds: WARMUP_S, warmup: true });
    const left = trialS / 2 - (performance.now() - start) / 1000;
    const m = await w.request({ kind: 'slice', seconds: Math.max(1, left), warmup: false });
    w.close();
    if (m.kind !== 'slice') throw new Error('old-way side failed');
    samples.push(m.samplesMs);
  }
  const plain = plainComparison(samples[0] ?? [], samples[1] ?? [], {
    batch: 1,
    alpha: 0.05,
    confidence: 0.95,
    seed,
  });
  return {
    verdict: plain.verdict,
    ratio: plain.ratio,
    ciWidthPct: plain.ci && plain.ratio ? ((plain.ci[1] - plain.ci[0]) / plain.ratio) * 100 : null,
    seconds: (performance.now() - t0) / 1000,
  };
}

async function main(): Promise<number> {
  const medMs = await calibrate();
  const busyUs = Math.round(medMs * 1000 * (slowdownPct / 100));
  console.log(
    `model ${spec.model}, 1 thread, batch 1: A's median latency ${medMs.toFixed(3)} ms (before the noise); B spins ${busyUs} µs more per run (${slowdownPct} %, so B/A ≈ ${(1 / (1 + slowdownPct / 100)).toFixed(4)})`,
  );
  const stopNoise = values.noise === 'on' ? startNoise() : () => undefined;
  console.log(
    `noise: ${values.noise === 'on' ? 'one core burnt in random bursts, on and off 0.2-2 s each' : 'none'}; trials of ${trialS} s`,
  );
  const results: Trial[] = [];
  try {
    for (let t = 0; t < trials; t++) {
      for (const pair of ['A/B', 'A/A'] as const) {
        for (const method of methods) {
          const us = pair === 'A/B' ? busyUs : 0;
          const r = method === 'ab' ? await abTrial(us, t + 1) : await oldTrial(us, t + 1);
          results.push({ method, pair, ...r });
          console.log(
            `trial ${t + 1} ${pair} ${method}: ${r.verdict}, ratio ${r.ratio?.toFixed(4) ?? '-'}, CI width ${r.ciWidthPct?.toFixed(2) ?? '-'} %${r.rounds === undefined ? '' : `, ${r.rounds} rounds`}, ${r.seconds.toFixed(1)} s`,
          );
        }
      }
    }
  } finally {
    stopNoise();
  }
  console.log(
    '\n| method | detected 5 % slowdown (A/B says slower) | false alarms (A/A not "no change") | median CI width A/B | median CI width A/A | median B/A ratio (A/B) |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const method of methods) {
    const ab = results.filter((r) => r.method === method && r.pair === 'A/B');
    const aa = results.filter((r) => r.method === method && r.pair === 'A/A');
    const width = (rs: Trial[]) => {
      const w = rs.map((r) => r.ciWidthPct).filter((x): x is number => x !== null);
      return w.length ? `${median(w).toFixed(2)} %` : '-';
    };
    const ratios = ab.map((r) => r.ratio).filter((x): x is number => x !== null);
    console.log(
      `| ${method === 'ab' ? 'bench ab (paired rounds)' : 'old way (run A, run B, compare)'} | ${ab.filter((r) => r.verdict === 'slower').length}/${ab.length} | ${aa.filter((r) => r.verdict !== 'no-change').length}/${aa.length} | ${width(ab)} | ${width(aa)} | ${ratios.length ? median(ratios).toFixed(4) : '-'} |`,
    );
  }
  if (values.json) writeFileSync(values.json, JSON.stringify({ busyUs, medMs, results }, null, 2));
  return 0;
}

runScript(main);
