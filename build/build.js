// `npm run build`: builds the bundles Pulso runs from (build/bundle.js) ahead of their first use.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { BUNDLES, freshBundle } from './bundle.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
for (const name of Object.keys(BUNDLES)) console.log(`${name}: ${path.relative(repoRoot, await freshBundle(repoRoot, name))}`)
