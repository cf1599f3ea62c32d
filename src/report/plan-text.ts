/** The terminal text of `bench run --dry-run` (src/run/plan.ts makes the plan). */
import { alignColumns } from './columns.js';
import type { RunPlan } from '../run/plan.js';

/** Seconds as the plan prints them: to a tenth of a second, in minutes from 120 s. */
function duration(s: number): string {
  return s >= 120 ? `${(s / 60).toFixed(1)} min` : `${Math.round(s * 10) / 10} s`;
}

const OUT_ACTION: Record<RunPlan['out']['action'], string> = {
  create: 'new',
  replace: 'replaced, --force',
  continue: 'continued, --resume',
};

/** The plan as lines of text: the run's setting, each configuration, and the measuring time. */
export function formatRunPlan(plan: RunPlan): string {
  const d = plan.device;
  const device = d.requested === d.actual ? d.actual : `${d.actual} (asked for ${d.requested})`;
  const caveat = d.software
    ? '; a CPU Vulkan driver: CPU figures'
    : d.fallbackReason && d.requested !== 'auto'
      ? `; fallback: ${d.fallbackReason}`
      : '';
  // As in the run table: a threads column only when the plan sweeps thread counts.
  const threads = new Set(plan.configurations.map((c) => c.threads)).size > 1;
  const rows = [
    ['model', 'sha', 'prec', ...(threads ? ['threads'] : []), 'batch', 'scenario', 'action'],
    ...plan.configurations.map((c) => [
      c.model,
      c.sha,
      c.precision,
      ...(threads ? [String(c.threads)] : []),
      String(c.batch),
      c.scenario,
      c.action,
    ]),
  ];
  const { min, max } = plan.measuringS;
  const time =
    plan.toMeasure === 0
      ? 'nothing left to measure'
      : `${duration(min)} to ${duration(max)} of measuring, plus warm-up, session creation and first inferences`;
  return [
    'dry run: nothing is measured and no file is written',
    `engine  ${plan.engine.name} ${plan.engine.version}`,
    `device  ${device}${caveat}`,
    `file    ${plan.out.path} (${OUT_ACTION[plan.out.action]})`,
    `${plan.configurations.length} configurations: ${plan.toMeasure} to measure, ${plan.kept} kept`,
    ...alignColumns(rows, { rule: true }).map((line) => `  ${line}`),
    `time    ${time}`,
    '',
  ].join('\n');
}
