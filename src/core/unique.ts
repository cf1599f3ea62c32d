/**
 * `values` without repeats, first occurrence kept: `--batch 1,1` measures batch 1 once, not twice.
 * Shared so every list a command takes (run options, --ignore-key) drops repeats the same way.
 */
export function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}
