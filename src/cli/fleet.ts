/** `bench fleet SCENARIO`: fleet capacity in H100-equivalents and the scenario's claims checked. */
import { readFileSync, statSync } from 'node:fs';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { BenchError } from '../core/errors.js';
import { runFleet } from '../fleet/fleet.js';
import { formatFleetReport } from '../report/fleet-text.js';
import { parseOptions } from './parse.js';

const OptionsSchema = z.object({ json: z.boolean().optional() });

/**
 * An empty scenario file (or one with only comments) gets its own message: the schema would report a
 * nameless field. Anything else, missing and unparsable files included, is left to runFleet's checks.
 */
function rejectEmptyFile(path: string): void {
  let text: string;
  try {
    if (!statSync(path).isFile()) return;
    text = readFileSync(path, 'utf8');
  } catch {
    return;
  }
  let empty = text.trim() === '';
  if (!empty) {
    try {
      empty = parseYaml(text, { logLevel: 'silent' }) == null; // YAML parses JSON too; comments-only YAML is null
    } catch {
      return;
    }
  }
  if (empty) {
    throw new BenchError('E_BAD_INPUT', `${path}: the file is empty`, {
      hint: 'a scenario needs scenarioVersion: 1, name and items; see bench/scenarios/lab-example.yaml',
    });
  }
}

/** Registers `bench fleet`. */
export function register(program: Command): void {
  program
    .command('fleet')
    .description(
      'Total H100e (low / central / high), power, cost and growth of a fleet scenario, with claims checked',
    )
    .argument('<scenario>', 'scenario file (YAML or JSON), e.g. bench/scenarios/tesla-2024.yaml')
    .option('--json', 'print JSON instead of text')
    .action((scenario: string, raw: Record<string, unknown>) => {
      const opts = parseOptions(OptionsSchema, raw, 'see bench fleet --help');
      rejectEmptyFile(scenario);
      const report = runFleet(scenario);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatFleetReport(report));
    });
}
