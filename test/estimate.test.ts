import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { BenchError } from '../src/core/errors.js';
import { lookupDevice } from '../src/catalog/catalog.js';
import { deriveCpuPeak, parseCpuinfo } from '../src/env/cpu-peak.js';
import { estimateFile, h100eCells } from '../src/estimate/estimate.js';
import { formatH100e, h100eCellText, methodText } from '../src/report/estimate-method.js';
import type { PytorchAnchor } from '../src/estimate/pytorch-reference.js';
import { ESTIMATE_CSV_HEADER, formatEstimateCsv } from '../src/report/estimate-csv.js';
import { formatEstimateExplain } from '../src/report/estimate-text.js';
import { peaksFromCatalog } from '../src/catalog/device-peaks.js';
import { rooflineBound } from '../src/estimate/roofline.js';
import { specH100e } from '../src/catalog/spec-rule.js';
import type { RunResult } from '../src/results/schema.js';
import { thrownBenchError } from './bench-error.js';
import { env, file, run } from './estimate-fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-est-'));
const emptyRefs = join(dir, 'no-refs');

const CPUINFO = [0, 1]
  .map(
    (i) =>
      `processor\t: ${i}\nmodel name\t: Test CPU 9000\nphysical id\t: 0\ncore id\t\t: ${i}\ncpu MHz\t\t: 2500.000\nflags\t\t: fpu sse2 avx fma avx2 avx512f avx512_vnni\n`,
  )
  .join('\n');
const cpu = parseCpuinfo(CPUINFO);

describe('spec method (both Epoch rules)', () => {
  it('divides dense 16-bit by 989.4 TFLOP/s and dense 8-bit by 1,979 TOPS', () => {
    const a100 = specH100e(peaksFromCatalog(lookupDevice('A100 SXM 80GB')!));
    expect(a100.rule16).toBeCloseTo(0.3153426, 6); // 312 / 989.4
    expect(a100.rule8).toBeCloseTo(0.3153108, 6); // 624 / 1979
    const rtx = specH100e(peaksFromCatalog(lookupDevice('RTX 4090')!));
    expect(rtx.rule16).toBeCloseTo(0.1667677, 6); // 165 / 989.4
    expect(rtx.rule8).toBeCloseTo(0.3340071, 6); // 661 / 1979: int8 is twice as generous on a GeForce
    const hw3 = specH100e(peaksFromCatalog(lookupDevice('HW3')!));
    expect(hw3).toEqual({ rule16: null, rule8: 144 / 1979 }); // 0.0727640
    expect(specH100e(peaksFromCatalog(lookupDevice('H100 SXM')!))).toEqual({ rule16: 1, rule8: 1 });
  });
});

describe('roofline method', () => {
  const work = { flopsPerImage: 2e9, weightBytes: 50e6, activationBytesPerImage: 10e6, batch: 4 };
  it('is memory-bound when bytes/bandwidth exceeds FLOPs/peak', () => {
    // compute 4 x 2e9 / 100e12 = 8e-5 s; memory (50e6 + 4 x 10e6) / 1000e9 = 9e-5 s -> 4 / 9e-5 = 44,444.4 img/s
    const b = rooflineBound(work, 100, 1000);
    expect(b.bound).toBe('memory');
    expect(b.timePerBatchS).toBeCloseTo(9e-5, 12);
    expect(b.samplesPerS).toBeCloseTo(44444.444, 2);
  });
  it('is compute-bound at a large batch', () => {
    // batch 64: compute 1.28e-3 s; memory (50e6 + 640e6) / 1e12 = 6.9e-4 s -> 64 / 1.28e-3 = 50,000 img/s
    const b = rooflineBound({ ...work, batch: 64 }, 100, 1000);
    expect(b.bound).toBe('compute');
    expect(b.samplesPerS).toBeCloseTo(50000, 6);
  });
});

describe('CPU peak from /proc/cpuinfo', () => {
  it('multiplies cores x clock x FLOP/cycle and names the derivation', () => {
    expect(cpu).toMatchObject({ model: 'Test CPU 9000', cores: 2, ghz: 2.5 });
    const p = deriveCpuPeak(cpu);
    expect(p.fp32Tflops).toBeCloseTo(0.32, 12); // 2 x 2.5e9 x 64 = 320 GFLOP/s
    expect(p.dense16Tflops).toBeCloseTo(0.32, 12); // no avx512_bf16 flag: fp32 stands in
    expect(p.int8Tops).toBeCloseTo(1.28, 12); // 2 x 2.5e9 x 256
    expect(p.method).toBe(
      "derived from /proc/cpuinfo: 2 cores x 2.500 GHz ('cpu MHz' of processor 0, the clock when read; no cpuinfo_max_freq to read) x 64 FLOP/cycle (AVX-512 FMA: 16 lanes x 2 x 2 units (assumed))",
    );
    expect(p.bandwidthMethod).toMatch(/^assumption: 20 GB\/s/);
  });
});

describe('bench estimate on a CPU result', () => {
  const f = file(env('Test CPU 9000'), [
    run({
      device: 'cpu',
      samplesPerS: 100,
      flopsPerImage: 1e9,
      weightBytes: 20e6,
      activationBytesPerImage: 4e6,
    }),
  ]);
  it('gives spec and roofline H100e with the methods named and says there is no H100 reference', () => {
    const r = estimateFile(f, 'cpu.json', { referenceDir: emptyRefs, cpuInfo: cpu });
    const e = r.runs[0]!;
    expect(e.measured.h100e).toBeNull();
    expect(methodText(e.measured)).toBe(
      'no matching H100 reference: no H100 or H200 reference run exists to divide by (results/reference/README.md says what is missing, --reference FILE names one); looked for net@abc|fp32|b1|offline|c1 (model@sha256|precision|batch|scenario|concurrency)',
    );
    expect(e.spec16.h100e).toBeCloseTo(3.2342834e-4, 10); // 0.32 / 989.4
    expect(e.spec8.h100e).toBeCloseTo(6.467913e-4, 9); // 1.28 / 1979
    expect(methodText(e.spec16)).toMatch(/Epoch 16-bit rule.*derived from \/proc\/cpuinfo/);
    // CPU: compute 1e9 / 0.32e12 = 3.125e-3 s > memory 24e6 / 20e9 = 1.2e-3 s -> 320 img/s.
    // H100 fp32 (TF32 494.7): compute 2.02e-6 s < memory 24e6 / 3.35e12 = 7.164e-6 s -> 139,583.3 img/s.
    expect(e.roofline.local?.samplesPerS).toBeCloseTo(320, 9);
    expect(e.roofline.h100?.samplesPerS).toBeCloseTo(139583.333, 2);
    expect(e.roofline.h100e).toBeCloseTo(0.0022925373, 9); // 320 / 139,583.3
    expect(e.roofline.efficiency).toBeCloseTo(0.3125, 12); // 100 / 320
    expect(e.spread).toBeCloseTo(0.0022925373 / 3.2342834e-4, 4); // roofline / spec16 = 7.088
    const text = formatEstimateExplain(r);
    expect(text).toMatch(/spec 16-bit/);
    expect(text).toMatch(/roofline: bound 320 img\/s/);
  });

  it('prints a derivation that recurs on every row once, as a numbered note', () => {
    const two = file(env('Test CPU 9000'), [
      ...f.runs,
      { ...(f.runs[0] as RunResult), config: { ...(f.runs[0] as RunResult).config, batch: 8 } },
    ]);
    const text = formatEstimateExplain(
      estimateFile(two, 'cpu.json', { referenceDir: emptyRefs, cpuInfo: cpu }),
    );
    const derivation =
      "derived from /proc/cpuinfo: 2 cores x 2.500 GHz ('cpu MHz' of processor 0, the clock when read; no cpuinfo_max_freq to read) x 64 FLOP/cycle (AVX-512 FMA: 16 lanes x 2 x 2 units (assumed))";
    expect(text.split(derivation).length - 1).toBe(1);
    const note = /^ {2}\[(\d)\] derived from \/proc\/cpuinfo: .*AVX-512 FMA.*$/m.exec(text);
    expect(note).not.toBeNull();
    // Both roofline lines point at it.
    expect(text.split(`compute: see note [${note?.[1]}]`).length - 1).toBe(2);
    // The bandwidth assumption is one of the notes the figure carries, so it is hoisted as well.
    expect(text.split('bandwidth: see note [').length - 1).toBe(2);
    expect(text).toContain(
      '\n  [5] assumption: 20 GB/s (about one DDR4-2666 channel); set --cpu-bandwidth\n',
    );
  });

  it('carries the derivations it embeds as notes, and the formatter replaces exactly those', () => {
    const e = estimateFile(f, 'cpu.json', { referenceDir: emptyRefs, cpuInfo: cpu }).runs[0]!;
    const derivation = deriveCpuPeak(cpu);
    expect(e.measured.notes).toEqual([
      'no matching H100 reference: no H100 or H200 reference run exists to divide by (results/reference/README.md says what is missing, --reference FILE names one)',
    ]);
    expect(e.spec16.notes).toEqual([derivation.dense16Method]);
    expect(e.spec8.notes).toEqual([derivation.int8Method]);
    expect(e.roofline.notes).toEqual([derivation.method, derivation.bandwidthMethod]);
    for (const fig of [e.measured, e.spec16, e.spec8, e.roofline]) {
      for (const n of fig.notes) expect(methodText(fig)).toContain(n);
    }
    // A note that does not recur (one row) stays inline.
    const text = formatEstimateExplain(
      estimateFile(f, 'cpu.json', { referenceDir: emptyRefs, cpuInfo: cpu }),
    );
    expect(text).not.toContain('see note');
    expect(text).not.toContain('notes:');
  });

  it('says "no catalog entry" for a CPU that is not this machine and suggests a way out', () => {
    const other = file(env('Some Other CPU'), f.runs);
    const e = estimateFile(other, 'x.json', { referenceDir: emptyRefs, cpuInfo: cpu }).runs[0]!;
    expect(e.spec16.h100e).toBeNull();
    expect(methodText(e.spec16)).toMatch(/no catalog entry for CPU 'Some Other CPU'/);
  });

  it('refuses --method measured when no run has a reference, and says which workload it looked for', () => {
    try {
      estimateFile(f, 'cpu.json', { referenceDir: emptyRefs, cpuInfo: cpu, measuredOnly: true });
      throw new Error('expected a BenchError');
    } catch (e) {
      expect((e as BenchError).code).toBe('E_BAD_INPUT');
      expect((e as BenchError).message).toMatch(
        /^cpu\.json: no run has a matching H100 reference, .*net@abc\|fp32\|b1\|offline\|c1/,
      );
    }
  });

  it('names a missing --reference file before anything else, even on a CPU-only result', () => {
    expect(() =>
      estimateFile(f, 'cpu.json', {
        reference: '/nonexistent/h100.json',
        referenceDir: emptyRefs,
        cpuInfo: cpu,
      }),
    ).toThrow(/^\/nonexistent\/h100\.json: no such file$/);
  });
});

describe('bench estimate on a GPU result with an H100 reference', () => {
  const gpuRun = run({
    device: 'cuda',
    precision: 'fp16',
    batch: 8,
    samplesPerS: 1000,
    flopsPerImage: 4e9,
    weightBytes: 50e6,
    activationBytesPerImage: 20e6,
  });
  const local = file(env('Host CPU', ['Tesla T4']), [gpuRun]);
  const refPath = join(dir, 'h100-ref.json');
  writeFileSync(
    refPath,
    JSON.stringify(
      file(
        env('Host CPU', ['NVIDIA H100 80GB HBM3']),
        [{ ...gpuRun, throughput: { ...gpuRun.throughput!, samplesPerS: 10000 } }],
        'bench run --model net --device cuda --precision fp16 --batch 8',
      ),
    ),
  );

  it('computes measured, spec and roofline H100e and the spread between them', () => {
    const e = estimateFile(local, 't4.json', { reference: refPath, referenceDir: emptyRefs }).runs[0]!;
    expect(e.measured.h100e).toBeCloseTo(0.1, 12); // 1000 / 10000
    expect(methodText(e.measured)).toMatch(/made by: bench run --model net --device cuda/);
    expect(e.spec16.h100e).toBeCloseTo(0.0656964, 6); // 65 / 989.4
    expect(e.spec8.h100e).toBeCloseTo(0.0656897, 6); // 130 / 1979
    // Both memory-bound: (50e6 + 8 x 20e6) bytes -> T4 8 / 6.5625e-4 s = 12,190.5 img/s; H100 8 / 6.2687e-5 s = 127,619 img/s.
    expect(e.roofline.h100e).toBeCloseTo(320 / 3350, 9); // 0.0955224: the bandwidth ratio
    expect(e.roofline.efficiency).toBeCloseTo(0.08203125, 9); // 1000 / 12,190.476
    expect(e.spread).toBeCloseTo(0.1 / (130 / 1979), 6); // 1.52231
  });

  it('says so when no reference matches, and uses --as for a GPU the catalog does not know', () => {
    const unknown = file(env('Host CPU', ['NVIDIA GeForce GTX 1080']), [gpuRun]);
    const e = estimateFile(unknown, 'gtx.json', { referenceDir: emptyRefs }).runs[0]!;
    expect(methodText(e.measured)).toMatch(
      /no H100 or H200 reference run exists .*; looked for net@abc\|fp16\|b8\|offline\|c1 /,
    );
    expect(methodText(e.spec16)).toMatch(/unknown GPU 'NVIDIA GeForce GTX 1080'/);
    const as = estimateFile(unknown, 'gtx.json', { referenceDir: emptyRefs, as: 'T4' }).runs[0]!;
    expect(as.spec16.h100e).toBeCloseTo(65 / 989.4, 12);
  });

  it('applies --as to the GPU runs of a mixed file only; the CPU runs say so', () => {
    const cpuRun = run({
      device: 'cpu',
      samplesPerS: 100,
      flopsPerImage: 1e9,
      weightBytes: 20e6,
      activationBytesPerImage: 4e6,
    });
    const mixed = file(env('Test CPU 9000', ['NVIDIA GeForce GTX 1080']), [gpuRun, cpuRun]);
    const [gpu, onCpu] = estimateFile(mixed, 'mixed.json', {
      referenceDir: emptyRefs,
      cpuInfo: cpu,
      as: 'T4',
    }).runs;
    expect(gpu!.estimatedAs).toBe('T4');
    expect(gpu!.spec16.h100e).toBeCloseTo(65 / 989.4, 12);
    expect(methodText(gpu!.spec16)).not.toContain('--as');
    expect(onCpu!.estimatedAs).toBe('Test CPU 9000 (CPU)');
    expect(onCpu!.spec16.h100e).toBeCloseTo(0.32 / 989.4, 12);
    expect(onCpu!.roofline.efficiency).toBeCloseTo(0.3125, 12); // 100 / 320: its own bound, not a T4's
    for (const fig of [onCpu!.spec16, onCpu!.spec8, onCpu!.roofline]) {
      expect(methodText(fig).endsWith('; --as applies to GPU runs only')).toBe(true);
    }
    expect(methodText(onCpu!.measured)).not.toContain('--as');
  });

  it('refuses --as for a file with no GPU run', () => {
    const cpuOnly = file(env('Test CPU 9000'), [
      run({ device: 'cpu', samplesPerS: 100, flopsPerImage: 1e9 }),
    ]);
    const e = thrownBenchError(() =>
      estimateFile(cpuOnly, 'cpu.json', { referenceDir: emptyRefs, cpuInfo: cpu, as: 'T4' }),
    );
    expect([e.code, e.message]).toEqual([
      'E_USAGE',
      '--as T4: cpu.json has no GPU run (its run measured on the CPU); --as applies to GPU runs only',
    ]);
  });

  it('labels the published anchor as not like-for-like and keeps it out of the spread', () => {
    // A user's file named resnet50: the anchor matches by name, the committed H200 references do not
    // (other bytes, and not the zoo's torchvision network), so the spread is the catalog methods'.
    const r50 = file(env('Host CPU', ['Tesla T4']), [
      {
        ...gpuRun,
        model: { ...gpuRun.model, name: 'resnet50', source: 'file' },
        throughput: { ...gpuRun.throughput!, samplesPerS: 887.14 },
      },
    ]);
    const e = estimateFile(r50, 'r50.json', { referenceDir: join(process.cwd(), 'results', 'reference') })
      .runs[0]!;
    expect(e.anchor?.h100e).toBeCloseTo(0.01, 12); // 887.14 / 88,714
    expect(e.anchor && methodText(e.anchor)).toMatch(/published anchor, not like-for-like.*TensorRT 9\.3/);
    expect(e.spread).toBeCloseTo(320 / 3350 / (130 / 1979), 6);
  });

  it('gives bench run a cheap H100e cell', () => {
    expect(h100eCellText(h100eCells(file(local.environment, [gpuRun])).get(gpuRun))).toBe('0.0657 (spec)');
  });

  it('refuses a reference file without H100 runs', () => {
    const notH100 = join(dir, 'a100.json');
    writeFileSync(notH100, JSON.stringify(file(env('Host CPU', ['NVIDIA A100-SXM4-80GB']), [gpuRun])));
    expect(() => estimateFile(local, 't4.json', { reference: notH100 })).toThrow(
      /--reference .*a100\.json: no successful H100 SXM or H200 SXM runs/,
    );
  });
});

describe('measured method: which reference a run is paired with', () => {
  const work = { model: 'r50', precision: 'fp16' as const, batch: 8, flopsPerImage: 8e9 };
  const cudaRef = run({ ...work, device: 'cuda', samplesPerS: 10000 });
  const webgpuRef = run({ ...work, device: 'cuda', provider: 'webgpu', samplesPerS: 4000 });
  const serverRef: RunResult = {
    ...run({ ...work, device: 'cuda', samplesPerS: 100 }),
    config: { ...cudaRef.config, scenario: 'server' },
  };
  const refDir = mkdtempSync(join(tmpdir(), 'h100e-refs-'));
  writeFileSync(
    join(refDir, 'h100.json'),
    JSON.stringify(
      file(env('Host', ['NVIDIA H100 80GB HBM3']), [webgpuRef, cudaRef, serverRef], 'bench run --h100'),
    ),
  );
  const estimate = (r: RunResult, gpus: string[] = []) =>
    estimateFile(file(env('Test CPU 9000', gpus), [r]), 'x.json', { referenceDir: refDir, cpuInfo: cpu })
      .runs[0]!;

  it('pairs a CPU run with the fastest H100 configuration of the same workload, and says so', () => {
    const e = estimate(run({ ...work, device: 'cpu', samplesPerS: 50 }));
    expect(e.measured.h100e).toBe(0.005); // 50 / 10,000 (cuda beats webgpu's 4,000)
    expect(methodText(e.measured)).toBe(
      `measured: 50 / 10,000 img/s of the fastest H100 SXM reference of this workload (ort/cuda, transfer include; none ran ort/cpu there) ${join(refDir, 'h100.json')} (made by: bench run --h100)`,
    );
  });

  it('--csv: a row per run with every method unrounded and its text, read back by a CSV parser', () => {
    const report = estimateFile(
      file(env('Test CPU 9000'), [run({ ...work, device: 'cpu', samplesPerS: 50 })]),
      'x.json',
      { referenceDir: refDir, cpuInfo: cpu },
    );
    const rows = parse(formatEstimateCsv(report), { columns: true }) as Record<string, string>[];
    expect(Object.keys(rows[0]!)).toEqual(ESTIMATE_CSV_HEADER);
    const e = report.runs[0]!;
    expect(rows).toEqual([
      expect.objectContaining({
        model: 'r50',
        precision: 'fp16',
        batch: '8',
        samplesPerS: '50',
        'measured.h100e': '0.005', // 50 / 10,000, as above
        'spec16.h100e': String(e.spec16.h100e),
        'spec8.h100e': String(e.spec8.h100e),
        'roofline.h100e': String(e.roofline.h100e),
        'anchor.h100e': '',
        'measured.method': methodText(e.measured),
        'anchor.method': '',
      }),
    ]);
  });

  it('prefers the same provider for a GPU run, even when another provider was faster there', () => {
    const e = estimate(run({ ...work, device: 'cuda', provider: 'webgpu', samplesPerS: 1000 }), ['Tesla T4']);
    expect(e.measured.h100e).toBe(0.25); // 1,000 / 4,000
    expect(methodText(e.measured)).toMatch(/^measured: 1,000 \/ 4,000 img\/s of the H100 SXM reference /);
  });

  it('never divides by a reference of another scenario, batch or concurrency', () => {
    const single = estimate({
      ...run({ ...work, device: 'cpu', samplesPerS: 50 }),
      config: { ...cudaRef.config, scenario: 'single-stream' },
    });
    expect(single.measured.h100e).toBeNull();
    expect(methodText(single.measured)).toMatch(
      /none of the 3 reference runs measured this workload; looked for r50@abc\|fp16\|b8\|single-stream\|c1 /,
    );
    const c2 = estimate({
      ...run({ ...work, device: 'cpu', samplesPerS: 50 }),
      config: { ...cudaRef.config, concurrency: 2 },
    });
    expect(c2.measured.h100e).toBeNull();
    expect(estimate(run({ ...work, batch: 4, device: 'cpu', samplesPerS: 50 })).measured.h100e).toBeNull();
  });

  it('gives a server run no measured figure and no efficiency: its throughput is the offered load', () => {
    const e = estimate({
      ...run({ ...work, device: 'cpu', samplesPerS: 50, weightBytes: 1e6, activationBytesPerImage: 1e6 }),
      config: { ...cudaRef.config, scenario: 'server' },
    });
    expect(e.measured.h100e).toBeNull();
    expect(methodText(e.measured)).toMatch(
      /^no matching H100 reference: a server run measures latency at an offered load/,
    );
    expect(e.roofline.h100e).not.toBeNull();
    expect(e.roofline.efficiency).toBeNull();
  });

  it('takes an H200 SXM run as a reference, labelled as one, and refuses an H100 PCIe file', () => {
    const h200 = join(dir, 'h200.json');
    writeFileSync(h200, JSON.stringify(file(env('Host', ['NVIDIA H200']), [cudaRef], 'bench run --h200')));
    const e = estimateFile(
      file(env('Test CPU 9000'), [run({ ...work, device: 'cpu', samplesPerS: 50 })]),
      'x.json',
      {
        reference: h200,
        cpuInfo: cpu,
        measuredOnly: true,
      },
    ).runs[0]!;
    expect(e.measured.h100e).toBe(0.005);
    expect(methodText(e.measured)).toMatch(
      /of the fastest H200 SXM reference .*; an H200 counts as 1 H100e \(same dense compute\)/,
    );
    // A MIG slice of an H100 is no reference (a fraction of the GPU), and estimates of it say so.
    const migEnv = env('Host', ['NVIDIA H100 80GB HBM3']);
    migEnv.gpus[0]!.migEnabled = true;
    const mig = join(dir, 'h100-mig.json');
    writeFileSync(mig, JSON.stringify(file(migEnv, [cudaRef])));
    expect(() => estimateFile(file(env('Test CPU 9000'), [cudaRef]), 'x.json', { reference: mig })).toThrow(
      /no successful H100 SXM or H200 SXM runs \(whole GPUs, MIG off\)/,
    );
    expect(estimateFile(file(migEnv, [cudaRef]), 'x.json', { reference: h200 }).runs[0]!.ranOn).toBe(
      'NVIDIA H100 80GB HBM3 (a MIG slice: the figures below describe the whole GPU)',
    );
    const pcie = join(dir, 'h100-pcie.json');
    writeFileSync(pcie, JSON.stringify(file(env('Host', ['NVIDIA H100 PCIe']), [cudaRef])));
    expect(() => estimateFile(file(env('Test CPU 9000'), [cudaRef]), 'x.json', { reference: pcie })).toThrow(
      /no successful H100 SXM or H200 SXM runs/,
    );
  });
});

describe('PyTorch divisor (results/reference/pytorch/, synthetic figures)', () => {
  const work = { model: 'r50', precision: 'fp16' as const, batch: 8, flopsPerImage: 8e9 };
  const refDir = mkdtempSync(join(tmpdir(), 'h100e-pt-refs-'));
  writeFileSync(
    join(refDir, 'h100.json'),
    JSON.stringify(
      file(env('Host', ['NVIDIA H100 80GB HBM3']), [run({ ...work, device: 'cuda', samplesPerS: 10000 })]),
    ),
  );
  mkdirSync(join(refDir, 'pytorch'));
  const anchor = (gpu: string | null, runs: object[], device: 'cuda' | 'cpu' = 'cuda') => ({
    format: 'h100e-pytorch-anchor',
    formatVersion: 1,
    command: ['python3', 'bench/anchors/pytorch_anchor.py', '--synthetic'],
    environment: { gpu, torch: '0.0-synthetic', cuda: gpu ? '13.0' : null },
    settings: { device },
    runs,
  });
  const ok = (mode: 'eager' | 'compile', imagesPerS: number, batch = 8) => ({
    model: 'r50',
    precision: 'fp16',
    batch,
    mode,
    status: 'ok',
    imagesPerS,
  });
  const h200File = join(refDir, 'pytorch', 'h200.json');
  writeFileSync(
    h200File,
    JSON.stringify(
      anchor('NVIDIA H200', [
        ok('eager', 16000),
        ok('compile', 20000),
        { ...ok('compile', 99999), status: 'failed', error: 'synthetic' },
        ok('eager', 500, 1),
      ]),
    ),
  );
  // Neither a CPU anchor nor another GPU may divide: their figures would win every comparison.
  writeFileSync(join(refDir, 'pytorch', 'cpu.json'), JSON.stringify(anchor(null, [ok('eager', 1e6)], 'cpu')));
  writeFileSync(
    join(refDir, 'pytorch', 'a100.json'),
    JSON.stringify(anchor('NVIDIA A100-SXM4-80GB', [ok('eager', 1e6)])),
  );
  const estimate = (r: RunResult, opts: { reference?: string } = {}) =>
    estimateFile(file(env('Test CPU 9000'), [r]), 'x.json', { referenceDir: refDir, cpuInfo: cpu, ...opts });

  it("divides by PyTorch's fastest mode of the same model, precision and batch on an H100/H200, and says what it timed", () => {
    const report = estimate(run({ ...work, device: 'cpu', samplesPerS: 50 }));
    const e = report.runs[0]!;
    expect(e.measured.h100e).toBe(0.005); // 50 / 10,000 (the onnxruntime reference)
    expect(e.pytorch?.h100e).toBe(0.0025); // 50 / 20,000 (compile beats eager's 16,000; the failed 99,999 is ignored)
    expect(e.pytorch && methodText(e.pytorch)).toBe(
      `PyTorch: 50 / 20,000 img/s of PyTorch 0.0-synthetic torch.compile on the H200 SXM (its fastest mode for this model, precision and batch) ${h200File} (made by: python3 bench/anchors/pytorch_anchor.py --synthetic); ` +
        "PyTorch's input stays on the GPU (no host copies timed) and its models are torchvision's with random weights; " +
        'an H200 counts as 1 H100e (same dense compute), its faster memory makes this figure low for memory-bound models',
    );
    const values = [
      e.capacity?.h100e,
      e.measured.h100e,
      e.pytorch?.h100e,
      e.spec16.h100e,
      e.spec8.h100e,
      e.roofline.h100e,
    ].filter((v): v is number => typeof v === 'number' && v > 0);
    expect(e.spread).toBeCloseTo(Math.max(...values) / Math.min(...values), 12);
    const text = formatEstimateExplain(report);
    expect(text).toMatch(/\n {2}PyTorch {10}0\.0025 {2}PyTorch: 50 \/ 20,000 img\/s/);
    expect(text).toContain('max / min of capacity, measured, PyTorch, spec and roofline (anchor excluded)');
    const rows = parse(formatEstimateCsv(report), { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({
      'pytorch.h100e': '0.0025',
      'pytorch.method': e.pytorch && methodText(e.pytorch),
    });
  });

  it('gives no PyTorch figure where PyTorch did not run the same network and workload', () => {
    const cpuRun = run({ ...work, device: 'cpu', samplesPerS: 50 });
    // A user's ONNX file named like a zoo model is not torchvision's network.
    expect(estimate({ ...cpuRun, model: { ...cpuRun.model, source: 'file' } }).runs[0]!.pytorch).toBeNull();
    expect(estimate(run({ ...work, batch: 32, device: 'cpu', samplesPerS: 50 })).runs[0]!.pytorch).toBeNull();
    const server: RunResult = { ...cpuRun, config: { ...cpuRun.config, scenario: 'server' } };
    expect(estimate(server).runs[0]!.pytorch).toBeNull();
    // --reference names the one file to divide by: the folder's PyTorch files stay out.
    expect(estimate(cpuRun, { reference: join(refDir, 'h100.json') }).runs[0]!.pytorch).toBeNull();
    // Batch 1 matches the eager-only figure: 50 / 500.
    expect(estimate(run({ ...work, batch: 1, device: 'cpu', samplesPerS: 50 })).runs[0]!.pytorch?.h100e).toBe(
      0.1,
    );
  });
});

describe('capacity: the reference at its best batch, engine and mode (synthetic figures)', () => {
  const work = { model: 'r50', precision: 'fp16' as const, batch: 1, flopsPerImage: 8e9 };
  const refDir = mkdtempSync(join(tmpdir(), 'h100e-cap-refs-'));
  const h100File = join(refDir, 'h100.json');
  // onnxruntime on the H100: 400 img/s at batch 1, 12,000 at batch 64 (same model bytes, sha 'abc');
  // other bytes and another precision must not count, however fast.
  writeFileSync(
    h100File,
    JSON.stringify(
      file(
        env('Host', ['NVIDIA H100 80GB HBM3']),
        [
          run({ ...work, device: 'cuda', samplesPerS: 400 }),
          run({ ...work, batch: 64, device: 'cuda', samplesPerS: 12000 }),
          run({ ...work, batch: 64, sha: 'other-bytes', device: 'cuda', samplesPerS: 1e6 }),
          run({ ...work, batch: 64, precision: 'fp32', device: 'cuda', samplesPerS: 2e6 }),
        ],
        'bench run --h100',
      ),
    ),
  );
  const estimateIn = (dir: string, r: RunResult) =>
    estimateFile(file(env('Test CPU 9000'), [r]), 'x.json', { referenceDir: dir, cpuInfo: cpu });
  const cpuRun = run({ ...work, device: 'cpu', samplesPerS: 60 });

  it("divides by the H100's best figure for the model and precision, whatever batch this run used", () => {
    const report = estimateIn(refDir, cpuRun);
    const e = report.runs[0]!;
    expect(e.measured.h100e).toBe(0.15); // 60 / 400: the same batch, latency-bound on the H100
    expect(e.capacity?.h100e).toBe(0.005); // 60 / 12,000: the H100 at batch 64
    expect(e.capacity && methodText(e.capacity)).toBe(
      `capacity: 60 / 12,000 img/s, the H100 SXM's best for r50 fp16 (ort/cuda at batch 64) ${h100File} (made by: bench run --h100); ` +
        'this run as measured, over the reference at its best batch, engine and mode for this model and precision',
    );
    expect(formatEstimateExplain(report)).toMatch(
      /\n {2}capacity {10}0\.005 {2}capacity: 60 \/ 12,000 img\/s/,
    );
    const rows = parse(formatEstimateCsv(report), { columns: true }) as Record<string, string>[];
    expect(rows[0]).toMatchObject({
      'capacity.h100e': '0.005',
      'capacity.method': e.capacity && methodText(e.capacity),
    });
    // A server run's throughput is its offered load: no capacity figure.
    const server: RunResult = { ...cpuRun, config: { ...cpuRun.config, scenario: 'server' } };
    expect(estimateIn(refDir, server).runs[0]!.capacity).toBeNull();
  });

  it('takes PyTorch when it ran the zoo model faster, and only for zoo models', () => {
    const dir = mkdtempSync(join(tmpdir(), 'h100e-cap-pt-'));
    writeFileSync(join(dir, 'h100.json'), readFileSync(h100File, 'utf8'));
    mkdirSync(join(dir, 'pytorch'));
    writeFileSync(
      join(dir, 'pytorch', 'h100.json'),
      JSON.stringify({
        format: 'h100e-pytorch-anchor',
        formatVersion: 1,
        command: ['python3', 'pytorch_anchor.py'],
        environment: { gpu: 'NVIDIA H100 80GB HBM3', torch: '0.0-synthetic', cuda: '13.0' },
        settings: { device: 'cuda' },
        runs: [
          { model: 'r50', precision: 'fp16', batch: 256, mode: 'compile', status: 'ok', imagesPerS: 30000 },
        ],
      }),
    );
    const e = estimateIn(dir, cpuRun).runs[0]!;
    expect(e.capacity?.h100e).toBe(0.002); // 60 / 30,000
    expect(e.capacity && methodText(e.capacity)).toContain(
      "the H100 SXM's best for r50 fp16 (PyTorch 0.0-synthetic torch.compile at batch 256)",
    );
    // The same bytes from a user's file: the onnxruntime reference still matches by sha256, PyTorch does not.
    const userFile: RunResult = { ...cpuRun, model: { ...cpuRun.model, source: 'file' } };
    expect(estimateIn(dir, userFile).runs[0]!.capacity?.h100e).toBe(0.005);
  });

  it("gives bench run's H100e column the capacity figure from the committed references", () => {
    // results/reference/pytorch/ holds PyTorch on an H200; the divisor is read from it, not typed here.
    const dir = join(process.cwd(), 'results', 'reference', 'pytorch');
    const best = readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .flatMap((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as PytorchAnchor).runs)
      .filter((r) => r.model === 'squeezenet1_1' && r.precision === 'fp32' && r.status === 'ok')
      .reduce((m, r) => Math.max(m, r.imagesPerS ?? 0), 0);
    expect(best).toBeGreaterThan(0);
    const sq = run({
      model: 'squeezenet1_1',
      precision: 'fp32',
      device: 'cpu',
      samplesPerS: 100,
      flopsPerImage: 7e8,
    });
    expect(h100eCellText(h100eCells(file(env('Test CPU 9000'), [sq])).get(sq))).toBe(
      `${formatH100e(100 / best)} (capacity)`,
    );
  });
});
