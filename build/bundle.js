// Pulso is written in TypeScript and runs as JavaScript bundles that esbuild builds from it: one for
// the `pulso` command (cli/main.ts) and one for the thread that prepares ingest blocks. A bundle is
// built once and kept in .cache/build/ with the list of files it was built from; it is built again
// only when one of them has changed since, so a checkout, an edit or an `npm install` never runs
// stale code. `npm run build` builds both ahead (scripts/setup.sh and the Dockerfile run it).
//
// Packages are bundled too (chDB's native addon and esbuild aside): Node then reads one file
// instead of hundreds of small ones, and no Pulso process carries a module loader's thread.
import { createHash } from 'node:crypto'
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { pathToFileURL } from 'node:url'

/** What Pulso runs from bundles: the entry file, relative to the repository, and the bundle's module format. */
export const BUNDLES = {
  cli: { entry: 'cli/main.ts', format: 'esm' },
  'prepare-thread': { entry: 'ingest/kafka/prepare-thread.ts', format: 'cjs' },
}

/**
 * The path of the named bundle (a key of BUNDLES) of the repository at `repoRoot`, built first if
 * it is missing or one of the files it was built from has changed (size or modification time).
 * The root is given, not found from this file's URL: the CLI's bundle holds this file too.
 */
export async function freshBundle(repoRoot, name) {
  const buildDir = path.join(repoRoot, '.cache/build')
  return keptBundle(buildDir, name) ?? (await buildBundle(repoRoot, buildDir, name))
}

/** The bundle kept for `name` when every file it was built from is unchanged, else undefined. */
function keptBundle(buildDir, name) {
  let manifest
  try {
    manifest = JSON.parse(readFileSync(manifestPath(buildDir, name), 'utf8'))
  } catch {
    return undefined
  }
  for (const [file, [size, mtimeMs]] of Object.entries(manifest.inputs)) {
    const stat = statSync(file, { throwIfNoEntry: false })
    if (stat?.size !== size || stat.mtimeMs !== mtimeMs) return undefined
  }
  const bundle = path.join(buildDir, manifest.bundle)
  return statSync(bundle, { throwIfNoEntry: false }) ? bundle : undefined
}

const manifestPath = (buildDir, name) => path.join(buildDir, `${name}.json`)

/**
 * Each Pulso module finds files beside it (the dashboard, the models) through import.meta.url: a
 * bundle has one URL, so each module's own is written into its code.
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

async function buildBundle(repoRoot, buildDir, name) {
  const { entry, format } = BUNDLES[name]
  // loaded only to build: a kept bundle starts without esbuild
  const { build } = await import('esbuild')
  const startedMs = Date.now()
  const result = await build({
    entryPoints: [path.join(repoRoot, entry)],
    // the metafile names its inputs relative to this folder (else the process's, wherever pulso was started from)
    absWorkingDir: repoRoot,
    bundle: true,
    // chDB is a native addon, and esbuild runs a binary of its own: both stay packages.
    external: ['chdb', 'esbuild'],
    platform: 'node',
    format,
    target: 'node20',
    // Packages written as CommonJS call require(): an ES module bundle needs one of its own.
    banner:
      format === 'esm'
        ? { js: "import { createRequire as __pulsoCreateRequire } from 'node:module'; const require = __pulsoCreateRequire(import.meta.url);" }
        : undefined,
    // stack traces name the TypeScript files and lines (Node reads the map once an error asks for it)
    sourcemap: 'linked',
    sourcesContent: false,
    metafile: true,
    write: false,
    outdir: buildDir,
    logLevel: 'error',
    plugins: [ownModuleUrls],
  })
  const code = result.outputFiles.find((file) => !file.path.endsWith('.map'))
  const map = result.outputFiles.find((file) => file.path.endsWith('.map'))
  const extension = format === 'esm' ? 'mjs' : 'cjs'
  const bundleName = `${name}-${createHash('sha256').update(code.contents).digest('hex').slice(0, 16)}.${extension}`
  const bundle = path.join(buildDir, bundleName)
  const inputs = Object.fromEntries(
    Object.keys(result.metafile.inputs).map((input) => {
      const file = path.resolve(repoRoot, input)
      const stat = statSync(file)
      return [file, [stat.size, stat.mtimeMs]]
    }),
  )
  try {
    mkdirSync(buildDir, { recursive: true })
    // Written under a name of their own and renamed: processes starting together never read a half-written file.
    writeAtomically(`${bundle}.map`, map.contents)
    const source = Buffer.from(code.text.replace(/\/\/# sourceMappingURL=\S+\s*$/, `//# sourceMappingURL=${bundleName}.map\n`))
    writeAtomically(bundle, source)
    // A file edited while esbuild read the files may be bundled as it was before: no manifest then,
    // so the next start builds again.
    const editedMeanwhile = Object.values(inputs).some(([, mtimeMs]) => mtimeMs >= startedMs)
    if (editedMeanwhile) rmSync(manifestPath(buildDir, name), { force: true })
    else writeAtomically(manifestPath(buildDir, name), JSON.stringify({ entry, bundle: bundleName, inputs }))
  } catch (error) {
    throw new Error(`pulso: cannot write its bundled code to ${buildDir} (${error.message}); the folder must be writable, or built ahead with npm run build`)
  }
  removeOldBundles(buildDir, name, bundleName)
  return bundle
}

function writeAtomically(file, contents) {
  const partial = `${file}.${process.pid}.partial`
  writeFileSync(partial, contents)
  renameSync(partial, file)
}

/** Bundles of code that has changed since are removed once they are an hour old (a process started from one may still be loading it). */
function removeOldBundles(buildDir, name, kept) {
  for (const file of readdirSync(buildDir)) {
    if (!file.startsWith(`${name}-`) || file === kept || file === `${kept}.map`) continue
    const stat = statSync(path.join(buildDir, file), { throwIfNoEntry: false })
    if (stat && Date.now() - stat.mtimeMs > 3_600_000) rmSync(path.join(buildDir, file), { force: true })
  }
}
