/** `bench fleet SCENARIO`: fleet capacity in H100-equivalents and the scenario's claims checked. */
import type { Command } from 'commander';
import { z } from 'zod';
import { runFleet } from '../h100e/fleet.js';
import { formatFleetReport } from '../h100e/fleet-format.js';
import { parseOptions } from './parse.js';

const OptionsSchema = z.object({ json: z.boolean().optional() });

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
      const report = runFleet(scenario);
      process.stdout.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatFleetReport(report));
    });
}
