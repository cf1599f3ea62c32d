/**
 * The house's layering, checked in CI (`npm run lint:deps`). Folders are ordered along the data path,
 * lowest first; a module may import its own folder and any folder below it, never one above. So the
 * result model (results/) knows nothing of compare or report, engines know nothing of the zoo, and
 * only cli/ and the library entry see everything. docs/architecture.md explains each layer.
 */
const LAYERS = [
  'src/core', // errors, version, seeded random, name suggestions
  'src/results', // the result model: schema, read/write, keys, loaded files, environments, merge
  'src/stats', // pure statistics and significance tests
  'src/env', // what the machine is: nvidia-smi, Vulkan, shared libraries, power, CPU peak
  'src/catalog', // devices, their peaks and the spec rules
  'src/graph', // graph IR, builder, ONNX emitter
  'models', // the zoo: architectures, registry, cache
  'src/analyze', // static cost of ONNX graphs
  'src/engines', // the Engine contract and its implementations
  'src/measure', // timing loop, scenarios, warnings
  'src/doctor', // what can run here
  'src/run', // sweeps, plans, resume, --gpus workers, signals
  'src/compare', // comparison and the CI gate (data)
  'src/ab', // bench ab: paired, interleaved A/B runs in side workers
  'src/estimate', // H100e methods and their references (data)
  'src/cluster', // Slurm and the census (data)
  'src/fleet', // fleet scenarios (data), whose measured lines read a census
  'src/report', // every formatter, and the report files
  'src/cli', // one thin file per command
];

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const layerPath = (l) => `^${escape(l)}/`;

/** One rule per layer: nothing in it imports a layer above it. */
const upward = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer:${layer}`,
  comment: `${layer} is below ${LAYERS.slice(i + 1).join(', ')}: it must not import them`,
  severity: 'error',
  from: { path: layerPath(layer) },
  to: { path: `(${LAYERS.slice(i + 1).map(layerPath).join('|')})|^src/(index|cli)\\.ts$` },
}));

// eslint-disable-next-line no-undef -- a CommonJS config file, as dependency-cruiser reads it
module.exports = {
  forbidden: [
    ...upward,
    {
      name: 'no-circular',
      comment: 'modules must not import each other in a cycle',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'src-not-to-tests-or-scripts',
      comment: 'the shipped code must not depend on tests or on bench/ scripts',
      severity: 'error',
      from: { path: '^(src|models)/' },
      to: { path: '^(test|bench)/' },
    },
    {
      name: 'not-to-dev-dep',
      comment: 'the shipped code must not import a devDependency (it is absent after npm install -g)',
      severity: 'error',
      from: { path: '^(src|models)/' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'no-unresolvable',
      comment: 'every import resolves',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules|models/\\.cache)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.test.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.json'] },
  },
};
