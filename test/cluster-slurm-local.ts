/**
 * Where the tests find the local Slurm cluster of bench/cluster/slurm-local.sh: SLURM_CONF, else the
 * repository's .slurm/slurm.conf. Tests that need it skip when it is not up, unless
 * H100E_REQUIRE_SLURM=1 (.ci/run sets it after starting the cluster): then they fail.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../src/core/version.js';

/** The slurm.conf the tests use. */
const SLURM_CONF = process.env.SLURM_CONF ?? join(PACKAGE_ROOT, '.slurm', 'slurm.conf');
/** This process's environment with SLURM_CONF set. */
export const slurmEnv: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF };
/** True when a missing cluster must fail the tests rather than skip them. */
export const SLURM_REQUIRED = process.env.H100E_REQUIRE_SLURM === '1';

/** True when the controller answers and both nodes are usable. */
function clusterUp(): boolean {
  if (!existsSync(SLURM_CONF)) return false;
  const ping = spawnSync('scontrol', ['ping'], { env: slurmEnv, encoding: 'utf8' });
  if (ping.status !== 0 || !/is UP/.test(ping.stdout)) return false;
  const nodes = spawnSync('sinfo', ['-h', '-N', '-o', '%N %T'], { env: slurmEnv, encoding: 'utf8' });
  const states = nodes.stdout
    .trim()
    .split('\n')
    .filter((l) => l !== '');
  return states.length >= 2 && states.every((l) => /\s(idle|mixed|allocated|completing)$/.test(l));
}

/** True when the local cluster is up. */
export const SLURM_UP = clusterUp();
