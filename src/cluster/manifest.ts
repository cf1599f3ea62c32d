/**
 * The census manifest, DIR/cluster.json: what was asked of Slurm, the exact command every node runs,
 * the tool and engine versions, and each submitted job. `collect` checks node files against it, and
 * `--resume` refuses a DIR whose manifest describes another census.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { fieldIssue, parseJsonText, readTextFile, writeFileAtomic } from '../results/io.js';

/** The manifest version this tool writes and reads. */
const MANIFEST_VERSION = 1;
/** The manifest's file name inside a census folder. */
const MANIFEST_FILE = 'cluster.json';
/** Node result files live here, one per Slurm node name. */
export const NODES_DIR = 'nodes';

/** One sbatch submission of the census (the first, then one per --resume). */
const JobRecordSchema = z.object({
  jobId: z.string(),
  submittedAt: z.string(),
  /** Node names asked for (--nodelist or --node-state); empty when only a count was asked (--nodes N). */
  nodes: z.array(z.string()),
  /** Node count asked for. */
  nodeCount: z.number().int().positive(),
  /** The batch script submitted, relative to DIR. */
  script: z.string(),
  resume: z.boolean(),
});

/** What `bench cluster slurm` asked Slurm for. */
const SlurmRequestSchema = z.object({
  partition: z.string().optional(),
  nodes: z.number().int().positive().optional(),
  nodelist: z.string().optional(),
  nodeState: z.enum(['idle', 'all']),
  gpusPerNode: z.number().int().positive().optional(),
  account: z.string().optional(),
  time: z.string().optional(),
  exclusive: z.boolean(),
  sbatchArgs: z.array(z.string()),
});

/** DIR/cluster.json. */
const ManifestSchema = z.object({
  manifestVersion: z.literal(MANIFEST_VERSION),
  kind: z.literal('h100e-cluster-census'),
  /** Random id: tells two censuses apart even when their commands are equal. */
  censusId: z.string(),
  createdAt: z.string(),
  /** The `bench cluster slurm ...` command line. */
  command: z.string(),
  /** The `bench run` options every node runs (without --out, --gpus, --resume, --force). */
  runArgs: z.array(z.string()),
  /** The command each node runs, as the script holds it (`$SLURMD_NODENAME` unexpanded). */
  runCommand: z.string(),
  tool: z.object({ name: z.string(), version: z.string(), gitCommit: z.string().optional() }),
  /** Engine package versions of the installation the nodes share. */
  packages: z.record(z.string(), z.string()),
  request: SlurmRequestSchema,
  jobs: z.array(JobRecordSchema),
});

/** The manifest's TypeScript type. */
export type Manifest = z.infer<typeof ManifestSchema>;
/** What was asked of Slurm. */
export type SlurmRequest = z.infer<typeof SlurmRequestSchema>;

/** The manifest path of census folder `dir`. */
export function manifestPath(dir: string): string {
  return join(dir, MANIFEST_FILE);
}

/** True when `dir` holds a manifest file (valid or not). */
export function hasManifest(dir: string): boolean {
  return existsSync(manifestPath(dir));
}

/** Reads and validates DIR/cluster.json; every failure is a one-line BenchError naming the file. */
export function readManifest(dir: string): Manifest {
  const path = manifestPath(dir);
  const hint = 'pass the folder given to `bench cluster slurm --out`';
  if (!existsSync(dir)) throw new BenchError('E_FILE_NOT_FOUND', `${dir}: no such folder`, { hint });
  if (!existsSync(path)) {
    throw new BenchError('E_FILE_NOT_FOUND', `${dir}: no census here (${MANIFEST_FILE} is missing)`, {
      hint,
    });
  }
  const raw = parseJsonText(readTextFile(path, { hint }), path, { hint });
  const parsed = ManifestSchema.safeParse(raw);
  if (!parsed.success) {
    throw new BenchError(
      'E_SCHEMA',
      `${path}: not a census manifest of this tool (${fieldIssue(parsed.error)})`,
      {
        hint: 'use a fresh --out folder for a new census',
      },
    );
  }
  return parsed.data;
}

/** Validates and writes DIR/cluster.json atomically. */
export function writeManifest(dir: string, manifest: Manifest): void {
  const data = ManifestSchema.parse(manifest);
  writeFileAtomic(manifestPath(dir), JSON.stringify(data, null, 2) + '\n');
}
