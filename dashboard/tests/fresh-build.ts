// The browser tests test the dashboard as built in dashboard/dist, so that build must be of today's
// sources: a dist/ older than a source edit would test old code. Vitest runs `setup` once per run,
// before the browser project's files (vitest.config.ts), so two files never build at once;
// `npm run bench:dashboard` calls ensureFreshBuild itself.
import { spawn } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { DASHBOARD_DIST } from '../../api/app.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')
const BUILT_PAGE = path.join(DASHBOARD_DIST, 'index.html')

/** What the build reads: the dashboard's own files, the definitions it imports, its build config and the locked dependencies. */
const BUILD_INPUT_FOLDERS = ['dashboard/src', 'definitions']
const BUILD_INPUT_FILES = ['dashboard/index.html', 'dashboard/vite.config.ts', 'dashboard/svelte.config.js', 'package-lock.json']

function buildInputs(): string[] {
  // folders too: a deleted file changes only its folder's modification time
  const inFolders = BUILD_INPUT_FOLDERS.flatMap((folder) => [
    folder,
    ...readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' }).map((entry) => path.join(folder, entry)),
  ])
  return [...BUILD_INPUT_FILES, ...inFolders]
}

/** The newest build input and its modification time. */
function newestInput(): { file: string; mtimeMs: number } {
  let newest = { file: '', mtimeMs: 0 }
  for (const file of buildInputs()) {
    // an editor's temporary file may be gone between the listing and this look
    const mtimeMs = statSync(path.join(ROOT, file), { throwIfNoEntry: false })?.mtimeMs ?? 0
    if (mtimeMs > newest.mtimeMs) newest = { file, mtimeMs }
  }
  return newest
}

/** Why dashboard/dist must be built again, or null when it is at least as new as every build input. */
export function staleReason(): string | null {
  if (!existsSync(BUILT_PAGE)) return 'dashboard/dist/index.html is missing'
  const newest = newestInput()
  const builtAt = statSync(BUILT_PAGE).mtimeMs
  return newest.mtimeMs > builtAt ? `${newest.file} changed after dashboard/dist was built` : null
}

/** Runs `npm run build:dashboard` when dashboard/dist is missing or older than its sources. */
export async function ensureFreshBuild(): Promise<void> {
  const reason = staleReason()
  if (reason === null) return
  console.log(`Building the dashboard: ${reason}`)
  // not spawnSync: a blocked event loop times out vitest's RPC (tests/run-pulso.ts says why)
  const build = spawn('npm', ['run', 'build:dashboard'], { cwd: ROOT, stdio: 'inherit' })
  const code = await new Promise((resolve) => build.once('close', resolve))
  if (code !== 0) throw new Error(`npm run build:dashboard exited with ${code}`)
}

/** Vitest's global setup of the browser project. */
export async function setup(): Promise<void> {
  await ensureFreshBuild()
}
