/**
 * `bench cluster` against the real two-node Slurm cluster of bench/cluster/slurm-local.sh: a census
 * submitted, waited for and collected; one node cancelled with scancel mid-run, then --resume. The
 * tests share the cluster (exclusive jobs), so they run in order in this one file.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PACKAGE_ROOT } from '../src/core/version.js';
import { runCommand } from './run-command.js';
import { SLURM_REQUIRED, SLURM_UP, slurmEnv } from './cluster-slurm-local.js';

const CLI = join(PACKAGE_ROOT, 'dist', 'src', 'cli.js');
/** A small zoo model, three short configurations: enough for one node to be cut mid-sweep. */
const RUN = [
  '--model',
  'squeezenet1_1',
  '--device',
  'cpu',
  '--batch',
  '1,2,4',
  '--duration',
  '0.5',
  '--max-duration',
  '1',
  '--warmup',
  '2',
  '--min-iterations',
  '5',
  '--quiet',
];

function bench(args: string[], timeoutMs = 240_000) {
  return runCommand(process.execPath, [CLI, ...args], {
    env: { ...slurmEnv, H100E_CLUSTER_POLL_MS: '500' },
    timeoutMs,
  });
}

function slurmCmd(file: string, args: string[]) {
  return runCommand(file, args, { env: slurmEnv, timeoutMs: 30_000 });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('bench cluster on the local Slurm cluster', () => {
  it.runIf(SLURM_REQUIRED)('has the local cluster up (H100E_REQUIRE_SLURM=1)', () => {
    expect(SLURM_UP).toBe(true);
  });

  it.skipIf(!SLURM_UP)(
    'runs a two-node census: submitted, waited for and collected',
    async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'h100e-cluster-')), 'census');
      const sub = await bench([
        'cluster',
        'slurm',
        ...RUN,
        '--nodelist',
        'node[1-2]',
        '--out',
        dir,
        '--wait',
      ]);
      expect(sub.stderr).toMatch(/submitted job \d+ \(node1,node2\)/);
      expect(sub.stderr).toMatch(/2 nodes: 2 done/);
      expect(sub.code).toBe(0);
      const jobId = sub.stdout.trim();
      for (const node of ['node1', 'node2']) {
        const file = JSON.parse(readFileSync(join(dir, 'nodes', `${node}.json`), 'utf8'));
        // Both nodes share this host: only the Slurm node name tells them apart.
        expect(file.environment.slurm).toMatchObject({ nodeName: node, jobId });
        expect(file.environment.slurm.stepId).toMatch(/^\d+$/);
        expect(file.runs).toHaveLength(3);
      }
      const out = join(dir, '..', 'census.json');
      const col = await bench(['cluster', 'collect', dir, '--out', out]);
      expect(col.code).toBe(0);
      expect(col.stdout).toMatch(/complete: every node finished its sweep/);
      expect(col.stdout).toMatch(/H100e capacity\s+H100e measured\s+H100e spec \(16-bit rule\)/);
      const census = JSON.parse(readFileSync(out, 'utf8'));
      expect(census.partial).toBe(false);
      expect(census.nodes.map((n: { node: string; state: string }) => `${n.node}:${n.state}`)).toEqual([
        'node1:done',
        'node2:done',
      ]);
      expect(census.configurations).toHaveLength(3);
      for (const c of census.configurations) {
        expect(c.devices.map((d: { node: string }) => d.node)).toEqual(['node1', 'node2']);
        const sum = c.devices.reduce((a: number, d: { samplesPerS: number }) => a + d.samplesPerS, 0);
        expect(c.totalSamplesPerS).toBeCloseTo(sum, 6);
        // squeezenet1_1 fp32 has an H200 capacity reference (results/reference/pytorch).
        expect(c.capacity.h100e).toBeGreaterThan(0);
        expect(c.capacity.devices).toBe(2);
        expect(c.groups).toHaveLength(1);
        expect(c.groups[0].count).toBe(2);
      }
      expect(census.inventory).toHaveLength(1);
      expect(census.inventory[0].count).toBe(2);
      expect(census.spec16H100e).toBeCloseTo(2 * census.inventory[0].spec16PerDevice, 12);
    },
    300_000,
  );

  it.skipIf(!SLURM_UP)(
    'keeps the finished configurations of a node cancelled with scancel, and --resume completes it',
    async () => {
      const dir = join(mkdtempSync(join(tmpdir(), 'h100e-cluster-')), 'census');
      const sub = await bench(['cluster', 'slurm', ...RUN, '--nodelist', 'node[1-2]', '--out', dir]);
      expect(sub.code).toBe(0);
      const jobId = sub.stdout.trim();
      // Wait for node2's first configuration, then cancel node2's step only.
      let step = '';
      for (let i = 0; i < 240 && step === ''; i++) {
        await sleep(250);
        try {
          if (JSON.parse(readFileSync(join(dir, 'nodes', 'node2.json'), 'utf8')).runs.length < 1) continue;
        } catch {
          continue;
        }
        const q = await slurmCmd('squeue', ['-h', '-s', '-j', jobId, '-o', '%i %N']);
        step = /^(\d+\.\d+) node2$/m.exec(q.stdout)?.[1] ?? '';
      }
      expect(step).not.toBe('');
      // Slurm 22.05's scancel signals the step and then exits 225 ("Kill job error on job step id"):
      // its exit status says nothing here, the node's file and state below do.
      await slurmCmd('scancel', ['--signal=TERM', step]);
      // Until the job ends.
      for (let i = 0; i < 240; i++) {
        const q = await slurmCmd('squeue', ['-h', '-j', jobId]);
        if (q.stdout.trim() === '') break;
        await sleep(250);
      }
      const status = await bench(['cluster', 'status', dir, '--json']);
      expect(status.code).toBe(0);
      const nodes = JSON.parse(status.stdout).nodes as {
        node: string;
        state: string;
        finished: number;
        planned: number;
        signal?: string;
      }[];
      const node2 = nodes.find((n) => n.node === 'node2')!;
      expect(node2.state).toBe('interrupted');
      expect(node2.signal).toBe('SIGTERM');
      expect(node2.finished).toBeGreaterThanOrEqual(1);
      expect(node2.finished).toBeLessThan(3);
      expect(node2.planned).toBe(3);
      const kept = JSON.parse(readFileSync(join(dir, 'nodes', 'node2.json'), 'utf8')).runs.map(
        (r: { key: string }) => r.key,
      );

      // A census with an interrupted node is partial: collect says so and exits 1, with what finished.
      const partial = await bench(['cluster', 'collect', dir]);
      expect(partial.code).toBe(1);
      expect(partial.stdout).toMatch(/PARTIAL: not every node completed its sweep/);
      expect(partial.stdout).toMatch(/node2\s+interrupted \(SIGTERM\)\s+\d of 3/);

      const node1Mtime = statSync(join(dir, 'nodes', 'node1.json')).mtimeMs;
      const resume = await bench(['cluster', 'slurm', '--resume', '--out', dir, '--wait']);
      expect(resume.stderr).toMatch(/submitted job \d+ \(node2\); kept complete: node1/);
      expect(resume.code).toBe(0);
      const after = JSON.parse(readFileSync(join(dir, 'nodes', 'node2.json'), 'utf8'));
      expect(after.interrupted).toBeUndefined();
      expect(after.runs).toHaveLength(3);
      // The configurations measured before the cancel are kept as they were, not measured again.
      for (const key of kept) expect(after.runs.map((r: { key: string }) => r.key)).toContain(key);
      expect(after.resumed).toHaveLength(1);
      expect(statSync(join(dir, 'nodes', 'node1.json')).mtimeMs).toBe(node1Mtime);
      const done = await bench(['cluster', 'collect', dir]);
      expect(done.code).toBe(0);
      expect(done.stdout).toMatch(/complete: every node finished its sweep/);
      const again = await bench(['cluster', 'slurm', '--resume', '--out', dir]);
      expect(again.stdout).toMatch(/nothing to resume/);
    },
    360_000,
  );
});
