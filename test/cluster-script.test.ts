/** The batch script a census submits: what each node runs, and what Slurm is asked for. */
import { describe, expect, it } from 'vitest';
import { batchScript, nodeCommand, shellQuote } from '../src/cluster/script.js';
import type { SlurmRequest } from '../src/cluster/manifest.js';

const base = {
  dir: '/shared/census',
  censusId: 'id-1',
  nodes: [] as string[],
  nodeCount: 4,
  exclude: [] as string[],
  nodeBinary: '/usr/bin/node',
  cliScript: '/opt/h100e/dist/src/cli.js',
  runArgs: ['--model', 'resnet50', '--precision', 'fp16', '--label', "it's"],
  resume: false,
};
const gpuRequest: SlurmRequest = {
  nodeState: 'idle',
  exclusive: true,
  sbatchArgs: ['--qos=high'],
  gpusPerNode: 8,
  partition: 'gpu',
  account: 'lab',
  time: '00:30:00',
};

describe('the census batch script', () => {
  it('asks for GPU nodes exclusively and runs every GPU of each node with --gpus all', () => {
    const script = batchScript({ ...base, request: gpuRequest });
    for (const line of [
      '--nodes=4',
      '--ntasks-per-node=1',
      '--partition=gpu',
      '--account=lab',
      '--time=00:30:00',
      '--gpus-per-node=8',
      '--exclusive',
      '--qos=high',
    ])
      expect(script).toContain(`#SBATCH ${line}\n`);
    expect(script).not.toContain('#SBATCH --nodelist');
    const command = nodeCommand({ ...base, request: gpuRequest });
    expect(command).toBe(
      `/usr/bin/node /opt/h100e/dist/src/cli.js run --model resnet50 --precision fp16 --label 'it'\\''s' --gpus all --out "/shared/census/nodes/$SLURMD_NODENAME.json"`,
    );
    // The script runs it through bash -c, quoted once more.
    expect(script).toContain(`bash -c ${shellQuote(`exec ${command}`)}\n`);
    // One step per node, so one node can be cancelled alone.
    expect(script).toMatch(/srun --nodes=1 --ntasks=1 --ntasks-per-node=1 --nodelist="\$node"/);
  });

  it('resumes a CPU node with --resume and restarts a GPU node with --force (a --gpus file cannot be continued)', () => {
    const cpu: SlurmRequest = { nodeState: 'idle', exclusive: false, sbatchArgs: [] };
    expect(nodeCommand({ ...base, request: cpu, resume: true })).toMatch(/ --resume --out /);
    expect(nodeCommand({ ...base, request: gpuRequest, resume: true })).toMatch(/ --gpus all --force --out /);
    const script = batchScript({
      ...base,
      request: cpu,
      nodes: ['n2', 'n5'],
      nodeCount: 2,
      exclude: ['n1'],
      resume: true,
    });
    expect(script).toContain('#SBATCH --nodelist=n2,n5\n');
    expect(script).toContain('#SBATCH --exclude=n1\n');
    expect(script).not.toContain('--exclusive');
  });

  it('quotes only what the shell would split or expand', () => {
    expect(shellQuote('/a/b-c_d.json')).toBe('/a/b-c_d.json');
    expect(shellQuote('a b')).toBe("'a b'");
    expect(shellQuote('$HOME')).toBe("'$HOME'");
  });
});
