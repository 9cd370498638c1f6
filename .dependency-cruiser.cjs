// The layers of Pulso and the folders each may import (docs/DESIGN.md, "Layers"), checked by
// `npm run check:layers` in `npm test`. Data flows one way: a folder imports only folders below it.
// Imports of types count (tsPreCompilationDeps), because a type import ties the layers as much.

/** Each top-level folder of the product, and the folders of ours it may import besides itself. */
const LAYERS = {
  build: [],
  definitions: [],
  config: ['definitions'],
  warehouse: ['config', 'definitions'],
  'dbt-like-models': ['warehouse', 'config', 'definitions'],
  ingest: ['dbt-like-models', 'warehouse', 'config', 'definitions', 'build'],
  domain: ['warehouse', 'config', 'definitions'],
  runtime: ['ingest', 'dbt-like-models', 'warehouse', 'config', 'definitions'],
  api: ['runtime', 'domain', 'ingest', 'dbt-like-models', 'warehouse', 'config', 'definitions'],
  cli: ['api', 'runtime', 'domain', 'ingest', 'dbt-like-models', 'warehouse', 'config', 'definitions'],
  bin: ['cli', 'build'],
  dashboard: ['definitions'],
}

/** Folders outside the product: test helpers and tools (benchmarks, the test Kafka broker). They may import any layer. */
const OUTSIDE = ['tests', 'scripts']

/** Test code beside the product's files: test files, their oracles and helpers, the browser tests. */
const TEST_CODE = '\\.test\\.ts$|\\.test-oracle\\.ts$|/testing\\.ts$|^dashboard/tests/'

const FOLDERS = [...Object.keys(LAYERS), ...OUTSIDE]

/** The folders git ignores (dependencies, data folders, build output, notes): not code of ours to check. */
const IGNORED_FOLDERS = require('node:fs')
  .readFileSync(require('node:path').join(__dirname, '.gitignore'), 'utf8')
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.endsWith('/') && !line.startsWith('#') && !line.startsWith('!'))
  .map((line) => {
    const folder = line.replace(/^\/|\/$/g, '').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    // as git reads it: a name without a slash inside matches at any depth, a path from the top
    return folder.includes('/') ? `^${folder}/` : `(^|/)${folder}/`
  })

const anyOf = (folders) => `^(${folders.join('|')})/`

const layerRules = Object.entries(LAYERS).map(([layer, allowed]) => ({
  name: `layer-${layer}`,
  severity: 'error',
  comment: `${layer}/ may import ${allowed.length ? allowed.join(', ') : 'no folder of ours'} (docs/DESIGN.md, "Layers")`,
  from: { path: anyOf([layer]), pathNot: TEST_CODE },
  to: { path: anyOf(FOLDERS.filter((folder) => folder !== layer && !allowed.includes(folder))) },
}))

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-test-code-in-product',
      severity: 'error',
      comment: 'The product never imports a test file or a test helper',
      from: { path: anyOf(Object.keys(LAYERS)), pathNot: TEST_CODE },
      to: { path: TEST_CODE },
    },
    {
      name: 'no-route-to-route',
      severity: 'error',
      comment: 'A route imports no other route: what two routes share lives in api/validation.ts or below the API',
      from: { path: '^api/routes/', pathNot: TEST_CODE },
      to: { path: '^api/routes/' },
    },
    {
      name: 'layer-unknown',
      severity: 'error',
      comment: 'Every top-level folder with code has its place in LAYERS (or OUTSIDE) and in docs/DESIGN.md',
      from: { path: '^[^/]+/', pathNot: anyOf(FOLDERS) },
      to: {},
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle between files, tests included',
      from: {},
      to: { circular: true },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'An import the check cannot resolve could hide a broken layer',
      from: { path: '\\.(ts|svelte)$' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    exclude: { path: IGNORED_FOLDERS },
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    // Packages' `exports` (hono/factory, chdb/connection…) resolved as Node and TypeScript do.
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default', 'types'] },
  },
}
