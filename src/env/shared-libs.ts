/**
 * Can the dynamic loader find a shared library the way onnxruntime (or Dawn) will ask for it? The
 * answer comes from really calling dlopen, in a child process so nothing is loaded into the harness:
 * `process.dlopen` on a plain (non-addon) library throws "Module did not self-register" only AFTER the
 * library and all its dependencies loaded, and "cannot open shared object file" when it could not.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { delimiter, join } from 'node:path';

/** Outcome of trying to load one library. */
export interface LibraryLoad {
  name: string;
  loadable: boolean;
  /** The loader's error when not loadable (first line). */
  error?: string;
}

const CHILD = `
const out = {};
for (const name of JSON.parse(process.argv[1])) {
  try { process.dlopen({ exports: {} }, name); out[name] = null; }
  catch (e) { const m = String(e && e.message || e); out[name] = /did not self-register/.test(m) ? null : m.split('\\n')[0]; }
}
process.stdout.write(JSON.stringify(out));
`;

/**
 * Tries to dlopen each name (bare sonames use the normal search: LD_LIBRARY_PATH, ld.so.cache,
 * default dirs; absolute paths load that file). One child process for all names.
 */
export function probeLibraries(
  names: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): LibraryLoad[] {
  if (names.length === 0) return [];
  const res = spawnSync(process.execPath, ['-e', CHILD, JSON.stringify(names)], {
    env,
    encoding: 'utf8',
    timeout: 20_000,
  });
  let parsed: Record<string, string | null> = {};
  try {
    parsed = JSON.parse(res.stdout) as Record<string, string | null>;
  } catch {
    // A crash while loading (a broken library can take the child down) counts against every name.
    const why = res.error?.message ?? `loader child exited with ${res.signal ?? res.status}`;
    return names.map((name) => ({ name, loadable: false, error: why }));
  }
  return names.map((name) => {
    const error = parsed[name];
    return error === null ? { name, loadable: true } : { name, loadable: false, error: error ?? 'not tried' };
  });
}

/** Directories where CUDA, cuDNN and TensorRT libraries usually live, when not on the loader path. */
export function commonLibraryDirs(env: NodeJS.ProcessEnv = process.env): string[] {
  const dirs = [
    '/usr/local/cuda/lib64',
    '/usr/local/cuda/targets/x86_64-linux/lib',
    '/usr/lib/x86_64-linux-gnu',
    '/usr/lib64',
    '/usr/local/lib',
    '/usr/lib/wsl/lib',
  ];
  // Versioned toolkits side by side, e.g. /usr/local/cuda-12.4/lib64.
  try {
    for (const entry of readdirSync('/usr/local')) {
      if (/^cuda-\d/.test(entry)) dirs.push(`/usr/local/${entry}/lib64`, `/usr/local/${entry}/lib`);
    }
  } catch {
    // no /usr/local
  }
  if (env.CUDA_HOME) dirs.push(join(env.CUDA_HOME, 'lib64'), join(env.CUDA_HOME, 'lib'));
  if (env.CUDA_PATH) dirs.push(join(env.CUDA_PATH, 'lib64'), join(env.CUDA_PATH, 'lib'));
  return dirs;
}

/** Entries of `ldconfig -p` as soname -> paths (empty where ldconfig is unavailable). */
export function ldconfigCache(): Map<string, string[]> {
  const cache = new Map<string, string[]>();
  let text = '';
  for (const bin of ['ldconfig', '/sbin/ldconfig', '/usr/sbin/ldconfig']) {
    try {
      text = execFileSync(bin, ['-p'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 5_000,
      });
      break;
    } catch {
      // try the next location
    }
  }
  for (const line of text.split('\n')) {
    const m = /^\s*(\S+)\s+\(.*\)\s+=>\s+(\S+)/.exec(line);
    if (!m) continue;
    const [, soname, path] = m as unknown as [string, string, string];
    cache.set(soname, [...(cache.get(soname) ?? []), path]);
  }
  return cache;
}

/** Where a library file exists on disk: LD_LIBRARY_PATH, the ldconfig cache and `extraDirs`. */
export function locateLibrary(
  name: string,
  options: { env?: NodeJS.ProcessEnv; extraDirs?: readonly string[]; ldcache?: Map<string, string[]> } = {},
): string[] {
  const env = options.env ?? process.env;
  const found = new Set<string>(options.ldcache?.get(name) ?? []);
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean),
    ...(options.extraDirs ?? []),
  ];
  for (const dir of dirs) {
    const p = join(dir, name);
    if (existsSync(p)) found.add(p);
  }
  return [...found];
}

/**
 * Other major versions of a library that are present, e.g. libcudart.so.13 when libcudart.so.12 is
 * wanted: the usual reason a CUDA provider "cannot find" a library on a machine that has CUDA.
 */
export function otherVersions(
  name: string,
  options: { env?: NodeJS.ProcessEnv; extraDirs?: readonly string[]; ldcache?: Map<string, string[]> } = {},
): string[] {
  const stem = /^(.*\.so)\.[\d.]+$/.exec(name)?.[1];
  if (!stem) return [];
  const out = new Set<string>();
  for (const soname of options.ldcache?.keys() ?? []) {
    if (soname.startsWith(`${stem}.`) && soname !== name) out.add(soname);
  }
  const env = options.env ?? process.env;
  const dirs = [
    ...(env.LD_LIBRARY_PATH ?? '').split(delimiter).filter(Boolean),
    ...(options.extraDirs ?? []),
  ];
  const base = stem.slice(stem.lastIndexOf('/') + 1);
  for (const dir of dirs) {
    try {
      for (const f of readdirSync(dir)) {
        if (f.startsWith(`${base}.`) && f !== name && /\.so\.\d+$/.test(f)) out.add(f);
      }
    } catch {
      // unreadable or absent dir
    }
  }
  return [...out].sort();
}
