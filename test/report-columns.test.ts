import { describe, expect, it } from 'vitest';
import { alignColumns } from '../src/report/columns.js';

describe('alignColumns', () => {
  it('pads to the widest cell, two spaces apart, without trailing blanks', () => {
    // Column widths: max(1, 3) = 3 and max(2, 1) = 2; the last cell is never padded.
    expect(
      alignColumns([
        ['a', 'bb'],
        ['ccc', 'd'],
      ]),
    ).toEqual(['a    bb', 'ccc  d']);
  });

  it('puts a dashed rule under the header and right-aligns the columns asked for', () => {
    expect(
      alignColumns(
        [
          ['op', 'n'],
          ['Conv', '12'],
        ],
        { rule: true, rightAligned: new Set([1]) },
      ),
    ).toEqual(['op     n', '----  --', 'Conv  12']);
  });

  it('counts ×, Δ and − as one column each', () => {
    // '1.2×' is 4 code points, so 'ratio' (5) sets the width: one space of padding after it.
    expect(
      alignColumns([
        ['1.2×', 'x'],
        ['ratio', 'y'],
      ]),
    ).toEqual(['1.2×   x', 'ratio  y']);
  });
});
