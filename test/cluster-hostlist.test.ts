import { describe, expect, it } from 'vitest';
import { compressHostlist, expandHostlist } from '../src/cluster/hostlist.js';
import { expectBenchError } from './bench-error.js';

describe('expandHostlist', () => {
  it('expands zero-padded ranges and lists as Slurm does', () => {
    expect(expandHostlist('gpu[01-03],a[1,3-5]')).toEqual([
      'gpu01',
      'gpu02',
      'gpu03',
      'a1',
      'a3',
      'a4',
      'a5',
    ]);
    expect(expandHostlist('gpu[01-16]')).toHaveLength(16);
    expect(expandHostlist('gpu[01-16]').at(-1)).toBe('gpu16');
  });
  it('takes plain names, several bracket groups and drops duplicates', () => {
    expect(expandHostlist('login,node1')).toEqual(['login', 'node1']);
    expect(expandHostlist('r[1-2]-n[08-09]')).toEqual(['r1-n08', 'r1-n09', 'r2-n08', 'r2-n09']);
    expect(expandHostlist('n1,n[1-2]')).toEqual(['n1', 'n2']);
    expect(expandHostlist('n[9-11]')).toEqual(['n9', 'n10', 'n11']);
  });
  it('refuses malformed lists with a usage error naming --nodelist', () => {
    for (const [expr, why] of [
      ['', 'empty list'],
      ['gpu[01-03', "'[' without ']'"],
      ['gpu01]', "']' without '['"],
      ['gpu[3-1]', 'runs backwards'],
      ['gpu[a-b]', 'bad range'],
      ['a,,b', 'empty name'],
      ['n[1-[2]]', 'nested'],
      ['n[1-9999999]', 'more than'],
    ] as const) {
      expectBenchError(() => expandHostlist(expr), 'E_USAGE', new RegExp(why.replace(/[[\]()]/g, '\\$&')));
    }
  });
});

describe('compressHostlist', () => {
  it('is the inverse of expand for ranges', () => {
    expect(compressHostlist(['node1', 'node2', 'node5'])).toBe('node[1-2,5]');
    expect(compressHostlist(['gpu01', 'gpu02', 'gpu03', 'login'])).toBe('gpu[01-03],login');
    expect(compressHostlist(['node1'])).toBe('node1');
    const names = expandHostlist('gpu[01-16],a[1,3-5]');
    expect(expandHostlist(compressHostlist(names))).toEqual(names);
  });
});
