#!/usr/bin/env node
// The `pulso` command. Pulso is written in TypeScript with no build step: at launch, esbuild (the
// compiler tsx runs on) bundles the CLI's own modules into one JavaScript file, packages left as
// imports, and that file runs. Node 20 runs a module loader such as tsx's on a thread of its own
// with its own V8 heap: ~42–47 MB of RSS in every Pulso process, a Kafka worker's included (its
// budget is 400 MB; BENCHMARKS.md). Bundling costs less than tsx's loader did at start-up (~1.0
// against ~1.3 s for `pulso --help`).
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { build } from 'esbuild'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

/**
 * A bundle has one module URL, but Pulso's modules find files next to them (the dashboard, the
 * models, the preparing thread's code) through import.meta.url: each keeps its own.
 */
const ownModuleUrls = {
  name: 'own-module-urls',
  setup(pluginBuild) {
    pluginBuild.onLoad({ filter: /\.ts$/ }, (args) => ({
      contents: readFileSync(args.path, 'utf8')
        .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        .replaceAll('import.meta.dirname', JSON.stringify(path.dirname(args.path)))
        .replaceAll('import.meta.filename', JSON.stringify(args.path)),
      loader: 'ts',
    }))
  },
}

const { outputFiles } = await build({
  entryPoints: [path.join(repoRoot, 'cli/main.ts')],
  bundle: true,
  packages: 'external',
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // stack traces name the TypeScript files and lines (with source maps enabled below)
  sourcemap: 'inline',
  sourcesContent: false,
  write: false,
  logLevel: 'error',
  plugins: [ownModuleUrls],
})
const code = outputFiles[0].contents
// Inside the repository, so that the bundle's imports resolve from its node_modules. Named by
// content and written by rename: processes starting together never read a half-written file.
const bundleDir = path.join(repoRoot, '.cache/cli')
const bundle = path.join(bundleDir, `pulso-${createHash('sha256').update(code).digest('hex').slice(0, 16)}.mjs`)
const partial = `${bundle}.${process.pid}.partial`
try {
  mkdirSync(bundleDir, { recursive: true })
  writeFileSync(partial, code)
  renameSync(partial, bundle)
} catch (error) {
  console.error(`pulso: cannot write its bundled code to ${bundleDir} (${error.message}); the folder must be writable`)
  process.exit(1)
}
// Bundles of code that has changed since are removed once they are an hour old (a process
// started from one may still be loading it).
for (const name of readdirSync(bundleDir)) {
  const file = path.join(bundleDir, name)
  if (file !== bundle && Date.now() - statSync(file, { throwIfNoEntry: false })?.mtimeMs > 3_600_000) rmSync(file, { force: true })
}
process.setSourceMapsEnabled(true)
await import(pathToFileURL(bundle).href)
