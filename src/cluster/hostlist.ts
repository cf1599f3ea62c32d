/**
 * Slurm's hostlist syntax (`gpu[01-16],a[1,3-5]`, `rack[1-2]-n[01-04]`): expanded to node names and
 * compressed back, so `--nodelist` is checked before anything is submitted and messages can name
 * nodes the way Slurm prints them.
 */
import { BenchError } from '../core/errors.js';

/** Above this many names one expression is refused: a typo like `n[1-999999]` should not fill memory. */
const MAX_HOSTS = 100_000;

function bad(expr: string, why: string): BenchError {
  return new BenchError('E_USAGE', `--nodelist ${expr}: ${why}`, {
    hint: "use Slurm's hostlist syntax, e.g. gpu[01-16] or a1,a[3-5]",
  });
}

/** Splits at commas outside brackets. */
function topLevelParts(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === '[') {
      if (depth > 0) throw bad(expr, 'nested brackets');
      depth++;
    } else if (c === ']') {
      if (depth === 0) throw bad(expr, `']' without '[' at character ${i + 1}`);
      depth--;
    } else if (c === ',' && depth === 0) {
      parts.push(expr.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0) throw bad(expr, "'[' without ']'");
  parts.push(expr.slice(start));
  return parts;
}

/** The names one bracket body stands for: `01-03,7` gives 01, 02, 03, 7 (zero padding kept per range). */
function expandRange(body: string, expr: string): string[] {
  const out: string[] = [];
  for (const item of body.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(item);
    if (!m) throw bad(expr, `bad range "${item}" in [${body}]`);
    const lo = m[1]!;
    const hi = m[2] ?? lo;
    const a = Number(lo);
    const b = Number(hi);
    if (b < a) throw bad(expr, `range ${item} runs backwards`);
    if (b - a + 1 > MAX_HOSTS) throw bad(expr, `range ${item} names more than ${MAX_HOSTS} nodes`);
    // Slurm pads to the width of the lower bound when it has a leading zero (gpu[01-16]).
    const width = lo.length > 1 && lo.startsWith('0') ? lo.length : 0;
    for (let n = a; n <= b; n++) out.push(String(n).padStart(width, '0'));
  }
  return out;
}

/**
 * Expands a hostlist expression to node names, in order, without duplicates. Throws E_USAGE (naming
 * --nodelist) for an empty list, unbalanced or nested brackets, a bad range or an empty name.
 */
export function expandHostlist(expr: string): string[] {
  const trimmed = expr.trim();
  if (trimmed === '') throw bad(JSON.stringify(expr), 'empty list');
  const names: string[] = [];
  for (const part of topLevelParts(trimmed)) {
    if (part === '') throw bad(trimmed, 'empty name between commas');
    if (/\s/.test(part)) throw bad(trimmed, `space in "${part}"`);
    // Split into literal text and bracket bodies, then take the cartesian product in order.
    let partial = [''];
    const re = /\[([^\]]*)\]|([^[]+)/g;
    for (let m = re.exec(part); m; m = re.exec(part)) {
      const options = m[1] !== undefined ? expandRange(m[1], trimmed) : [m[2]!];
      const next: string[] = [];
      for (const p of partial) for (const o of options) next.push(p + o);
      if (next.length > MAX_HOSTS) throw bad(trimmed, `names more than ${MAX_HOSTS} nodes`);
      partial = next;
    }
    names.push(...partial);
  }
  return [...new Set(names)];
}

/**
 * Compresses node names to a hostlist expression: consecutive numbers with the same prefix and width
 * become `prefix[a-b,...]`, in first-seen prefix order (`node1,node2,node5` → `node[1-2,5]`).
 */
export function compressHostlist(names: readonly string[]): string {
  const groups = new Map<string, { width: number; nums: number[] }[]>();
  const order: string[] = [];
  const plain: Array<string | { prefix: string }> = [];
  for (const name of names) {
    const m = /^(.*?)(\d+)$/.exec(name);
    if (!m) {
      plain.push(name);
      continue;
    }
    const prefix = m[1]!;
    const digits = m[2]!;
    const width = digits.startsWith('0') && digits.length > 1 ? digits.length : 0;
    const key = `${prefix}\u0000${width}`;
    if (!groups.has(key)) {
      groups.set(key, []);
      order.push(key);
      plain.push({ prefix: key });
    }
    const list = groups.get(key)!;
    if (list.length === 0) list.push({ width, nums: [] });
    list[0]!.nums.push(Number(digits));
  }
  return plain
    .map((p) => {
      if (typeof p === 'string') return p;
      const [prefix] = p.prefix.split('\u0000');
      const { width, nums } = groups.get(p.prefix)![0]!;
      const sorted = [...new Set(nums)].sort((a, b) => a - b);
      const pad = (n: number) => String(n).padStart(width, '0');
      if (sorted.length === 1) return `${prefix}${pad(sorted[0]!)}`;
      const ranges: string[] = [];
      for (let i = 0; i < sorted.length;) {
        let j = i;
        while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
        ranges.push(i === j ? pad(sorted[i]!) : `${pad(sorted[i]!)}-${pad(sorted[j]!)}`);
        i = j + 1;
      }
      return `${prefix}[${ranges.join(',')}]`;
    })
    .join(',');
}
