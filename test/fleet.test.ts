import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { evaluateScenario, parseScenario, runFleet } from '../src/fleet/fleet.js';
import { formatFleetReport } from '../src/report/fleet-text.js';
import { buildProgram } from '../src/cli/program.js';
import { expectBenchError as expectError } from './bench-error.js';

const dir = mkdtempSync(join(tmpdir(), 'h100e-fleet-'));
const TESLA = 'bench/scenarios/tesla-2024.yaml';

function scenario(items: unknown[]): unknown {
  return { scenarioVersion: 1, name: 't', items };
}

describe('tesla-2024 scenario', () => {
  const r = runFleet(TESLA);
  const claim = (id: string) => r.claims.find((c) => c.id === id)!;

  it('derives the growth figures and marks the articles', () => {
    expect(r.snapshots.map((s) => s.totals.h100e.central)).toEqual([15000, 35000, 40000, 85000]);
    expect(claim('q1-growth-130').derived).toBeCloseTo(133.333, 3); // 35,000 / 15,000 - 1
    expect(claim('q1-growth-130').mark).toBe('consistent'); // 2.6 % from 130
    expect(claim('q1-growth-40k').derived).toBeCloseTo(166.667, 3); // 40,000 / 15,000 - 1
    expect(claim('q1-growth-40k').mark).toBe('inconsistent'); // 28 % from 130
    expect(claim('y2024-growth-467').derived).toBeCloseTo(466.667, 3); // 85,000 / 15,000 - 1
    expect(claim('y2024-growth-467').mark).toBe('consistent');
    expect(claim('y2024-growth-500').mark).toBe('consistent'); // 6.7 % under 500, tolerance 10 %
    // the variant is compared with end-2023 and is never the base of end-2024's growth (85k / 35k - 1)
    expect(r.snapshots[3]!.growthPct).toBeCloseTo(142.857, 3);
  });

  it('compares a variant with the snapshot before its base, not with its base', () => {
    // q1-2024-deck (40k) is a variant of q1-2024 (35k, a day earlier): 40k / 15k - 1, not 40k / 35k - 1
    expect(r.snapshots.map((s) => [s.id, s.growthFrom, s.growthPct])).toEqual([
      ['end-2023', null, null],
      ['q1-2024', 'end-2023', (35000 / 15000 - 1) * 100],
      ['q1-2024-deck', 'end-2023', (40000 / 15000 - 1) * 100],
      ['end-2024', 'q1-2024', (85000 / 35000 - 1) * 100],
    ]);
    const text = formatFleetReport(r);
    expect(text).toMatch(
      /\n {2}2024-04-01 +Q1 2024 variant \("nearly 40,000", deck\) +40,000 +28 MW +\+167 %\n/,
    );
    expect(text).toContain(
      '\n  Q1 2024 variant ("nearly 40,000", deck): an alternative figure, its growth is over end of 2023 (implied)\n',
    );
  });

  it('derives the dollar figures at the implied price', () => {
    expect(claim('price-per-h100').derived).toBe(50000); // $500M / 10,000
    expect(claim('price-per-h100').mark).toBe('info');
    expect(claim('q1-capex-covers-q1-growth').derived).toBe(20000); // $1.0B / $50k
    expect(claim('ten-billion-covers-2024').derived).toBe(200000); // $10B / $50k >= 70,000
    expect(claim('nvidia-3-4b-matches-2024').derived).toBe(70000); // $3.5B / $50k
    expect(r.claims.filter((c) => c.mark === 'inconsistent').map((c) => c.id)).toEqual(['q1-growth-40k']);
  });

  it('derives the fleet figures', () => {
    expect(claim('fleet-100gw').derived).toBeCloseTo(100, 9); // 1e8 cars x 1 kW = 1e11 W
    expect(claim('fleet-idle-hours').derived).toBeCloseTo(119, 9); // 168 - 7 x 7
    expect(claim('fleet-idle-hours').source.verified).toBe(false);
    // 1e8 x (144 / 1979) x 119 / 168 = 5,154,118.2
    expect(claim('fleet-h100e-hw3').derived).toBeCloseTo(5154118.24, 1);
    // 100 GW / 700 W = 142,857,142.9 H100s x 119 / 168 = 101,190,476.2
    expect(claim('fleet-h100e-at-h100-efficiency').derived).toBeCloseTo(101190476.19, 1);
  });

  it('prints the claims table with marks and sources', () => {
    const text = formatFleetReport(r);
    expect(text).toMatch(/OK consistent +Q1 2024 training compute \+130 %/);
    expect(text).toMatch(/XX inconsistent +"nearly 40,000"/);
    expect(text).toMatch(/\[electrek-dojo-500m\] Tesla announces new \$500 million Dojo supercomputer/);
    expect(text).toMatch(/\(unverified\)/);
  });
});

describe('lab-example scenario', () => {
  it('totals H100e (low / central / high), power and cost', () => {
    const r = runFleet('bench/scenarios/lab-example.yaml');
    // A100: (312/989.4 + 624/1979) / 2 = 0.3153267 per GPU x 8 x 0.6 = 1.5135681
    // 4090: (165/989.4 + 661/1979) / 2 = 0.2503874 per GPU x 4 x 40/168 = 0.2384642
    expect(r.total!.h100e.central).toBeCloseTo(1.7520323, 6);
    // low: 8 x 0.6 x 624/1979 + 4 x 40/168 x 165/989.4 = 1.5134917 + 0.1588264
    expect(r.total!.h100e.low).toBeCloseTo(1.5134917 + 0.1588264, 6);
    expect(r.total!.powerW).toBe(5000); // 8 x 400 W + 4 x 450 W
    expect(r.total!.costUsd).toBe(126396); // 8 x $15,000 + 4 x $1,599 (catalog MSRP)
    // 2024: 4 A100s; 2025: 8 A100s + 4 4090s -> growth = 1.7520323 / 0.7567841 - 1 = 131.5 %
    expect(r.snapshots[1]!.growthPct).toBeCloseTo((1.7520323 / (0.3153267 * 4 * 0.6) - 1) * 100, 3);
  });

  it('labels power as TDP (count x rated power at full load), not measured draw', () => {
    const text = formatFleetReport(runFleet('bench/scenarios/lab-example.yaml'));
    // the A100s are available 60 % of the time, yet their power is 8 x 400 W: a rating
    expect(text).toMatch(
      /\n {2}line +device +count +H100e\/device +util +H100e \(low \/ central \/ high\) +TDP power +cost\n/,
    );
    expect(text).toMatch(/\n {2}2 x DGX-style nodes +A100 SXM 80GB +8 +.* +3\.2 kW +\$120,000\n/);
    expect(text).toContain('\nTotal: H100e 1.67 / 1.75 / 1.83 | TDP power 5 kW | cost $126,396\n');
    expect(text).toMatch(
      /\n {2}date +snapshot +H100e \(low \/ central \/ high\) +TDP power +growth vs previous\n/,
    );
    expect(text).toMatch(
      /TDP power = count x the catalog TDP \(or powerPerDevice where the line gives one\), at full load whatever the utilisation: a rating, not measured draw\n$/,
    );
  });
});

describe('variant snapshots', () => {
  const snap = (id: string, date: string, count: number, variantOf?: string) => ({
    id,
    date,
    label: id,
    items: [{ id: `${id}-h100`, device: 'H100 SXM', count }],
    ...(variantOf ? { variantOf } : {}),
  });
  const evaluate = (snapshots: unknown[]) =>
    evaluateScenario(parseScenario({ scenarioVersion: 1, name: 't', snapshots }, 's.yaml'), 's.yaml');

  it('compares a variant dated before its base with the snapshot before the base', () => {
    const r = evaluate([
      snap('a', '2024-01-01', 10),
      snap('b', '2024-06-30', 20),
      snap('b-early', '2024-03-01', 30, 'b'), // an alternative figure for b, written under an earlier date
      snap('c', '2024-12-31', 40),
    ]);
    expect(r.snapshots.map((s) => [s.id, s.growthFrom, s.growthPct])).toEqual([
      ['a', null, null],
      ['b-early', 'a', 200], // 30 / 10 - 1
      ['b', 'a', 100], // 20 / 10 - 1
      ['c', 'b', 100], // 40 / 20 - 1: the variant is never a base
    ]);
  });

  it('gives a variant of the first snapshot no growth', () => {
    const r = evaluate([snap('a', '2024-01-01', 10), snap('a-alt', '2024-01-02', 12, 'a')]);
    expect(r.snapshots.map((s) => [s.id, s.growthFrom, s.growthPct])).toEqual([
      ['a', null, null],
      ['a-alt', null, null],
    ]);
  });

  it('refuses a variant of a missing snapshot or of another variant', () => {
    expectError(
      () => evaluate([snap('a', '2024-01-01', 10), snap('x', '2024-02-01', 12, 'nope')]),
      'E_BAD_INPUT',
      /^s\.yaml: snapshots\[1\]\.variantOf: no snapshot with id "nope"; name the snapshot this one is an alternative figure for$/,
    );
    expectError(
      () =>
        evaluate([
          snap('a', '2024-01-01', 10),
          snap('x', '2024-02-01', 12, 'a'),
          snap('y', '2024-02-02', 13, 'x'),
        ]),
      'E_BAD_INPUT',
      /^s\.yaml: snapshots\[2\]\.variantOf: "x" is itself a variant; name the snapshot this one is an alternative figure for$/,
    );
  });
});

describe('bad scenario input', () => {
  it('names the field of a negative count', () => {
    expectError(
      () => parseScenario(scenario([{ id: 'a', device: 'T4', count: -3 }]), 's.yaml'),
      'E_SCHEMA',
      /s\.yaml: field "items\.0\.count"/,
    );
  });
  it('names the missing count', () => {
    expectError(
      () => evaluateScenario(parseScenario(scenario([{ id: 'a', device: 'T4' }]), 's.yaml'), 's.yaml'),
      'E_BAD_INPUT',
      /items\[0\]\.count: missing; give count, budgetUsd with a price, or powerBudget/,
    );
  });
  it('suggests close names for an unknown device', () => {
    expectError(
      () =>
        evaluateScenario(
          parseScenario(scenario([{ id: 'a', device: 'A100 SXM 80G', count: 1 }]), 's.yaml'),
          's.yaml',
        ),
      'E_UNKNOWN_DEVICE',
      /did you mean "A100 SXM 80GB"/,
    );
  });
  it('refuses power without a unit and mixed-up units', () => {
    expectError(
      () => parseScenario(scenario([{ id: 'a', device: 'T4', count: 1, powerPerDevice: 70 }]), 's.yaml'),
      'E_SCHEMA',
      /field "items\.0\.powerPerDevice"/,
    );
    expectError(
      () =>
        evaluateScenario(
          parseScenario(
            scenario([{ id: 'a', device: 'H100 SXM', count: 1, powerPerDevice: { value: 700, unit: 'kW' } }]),
            's.yaml',
          ),
          's.yaml',
        ),
      'E_BAD_INPUT',
      /powerPerDevice: 700 kW per device is implausible.*did you mean W\?/,
    );
  });
  it('refuses a budget without a price', () => {
    expectError(
      () =>
        evaluateScenario(
          parseScenario(scenario([{ id: 'a', device: 'T4', budgetUsd: 1000 }]), 's.yaml'),
          's.yaml',
        ),
      'E_BAD_INPUT',
      /budgetUsd: needs priceUsd or priceFrom/,
    );
  });
});

describe('bench fleet / bench estimate commands', () => {
  afterEach(() => vi.restoreAllMocks());

  async function cli(args: string[]): Promise<string> {
    let out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => {
      out += String(s);
      return true;
    });
    await buildProgram().parseAsync(['node', 'bench', ...args]);
    return out;
  }

  it('--json gives the same figures as the text table', async () => {
    const json = JSON.parse(await cli(['fleet', TESLA, '--json'])) as ReturnType<typeof runFleet>;
    expect(json.claims.map((c) => c.mark)).toEqual(runFleet(TESLA).claims.map((c) => c.mark));
    expect(json.claims).toHaveLength(13);
    const text = await cli(['fleet', TESLA]);
    expect(text).toContain('Claims');
  });

  it('fails with a one-line error for a missing scenario file', async () => {
    await expect(cli(['fleet', join(dir, 'nope.yaml')])).rejects.toThrow(/nope\.yaml: no such file/);
  });

  it('estimate --reference on a CPU-only result is a usage error', async () => {
    const { env, file, run } = await import('./estimate-fixtures.js');
    const p = join(dir, 'cpu.json');
    writeFileSync(
      p,
      JSON.stringify(file(env('X'), [run({ device: 'cpu', samplesPerS: 1, flopsPerImage: 1e9 })])),
    );
    await expect(cli(['estimate', p, '--reference', p])).rejects.toMatchObject({
      code: 'E_BAD_INPUT',
      exitCode: 2,
    });
  });
});
