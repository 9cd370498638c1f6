// The embedded data folder: who holds it, and what a process finds left in it after a crash.
//
// One process at a time uses an embedded data folder. chDB, like a ClickHouse server, writes its
// pid into `clickhouse/status` and holds a lock on that file while it runs; a second process
// fails in the native library, which prints "Cannot lock file …/status. Another server instance
// in same directory is already running" straight to stderr. Pulso looks first, so that the user
// reads one line saying which process holds the folder, and what to do instead.
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync, rmSync, statSync } from 'node:fs'
import path from 'node:path'

export class DataFolderInUseError extends Error {
  override name = 'DataFolderInUseError'
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(`the data folder ${dataDir} is in use by another Pulso process (pid ${pid}): embedded ClickHouse lets one process at a time use a data folder`)
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists, but belongs to another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Whether `pid` has `file` open. Where /proc cannot say (not Linux, another user's process), a
 * live pid counts as the holder: refusing is better than chDB's raw error.
 */
function holdsOpen(pid: number, file: string): boolean {
  const fdDir = `/proc/${pid}/fd`
  let fds: string[]
  try {
    fds = readdirSync(fdDir)
  } catch {
    return true
  }
  const target = realpathSync(file)
  return fds.some((fd) => {
    try {
      return readlinkSync(path.join(fdDir, fd)) === target
    } catch {
      return false
    }
  })
}

/**
 * The pid of another live process that holds the chDB folder, if any. A status file left by a
 * process that was killed (kill -9 leaves it behind) names a dead pid, or a pid since reused by a
 * process that does not have the file open: neither holds the folder.
 */
export function dataFolderHolder(chdbPath: string): number | undefined {
  const statusFile = path.join(chdbPath, 'status')
  if (!existsSync(statusFile)) return undefined
  let pid: number
  try {
    pid = Number(/^PID:\s*(\d+)/m.exec(readFileSync(statusFile, 'utf8'))?.[1])
  } catch {
    return undefined
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined
  return alive(pid) && holdsOpen(pid, statusFile) ? pid : undefined
}

/**
 * Removes what inserts left in `scratch/` when their process was killed (each insert removes its
 * own file when it ends). Files are named `…-PID-N…`: a file of a live process other than this
 * one is kept, and so is one this process wrote since it started; a pid reused by an unrelated
 * process keeps its file until a later start. Answers how many files were removed.
 */
export function removeStaleScratchFiles(scratchDir: string): number {
  let removed = 0
  let names: string[]
  try {
    names = readdirSync(scratchDir)
  } catch {
    return 0
  }
  const startedAt = Date.now() - process.uptime() * 1000
  for (const name of names) {
    const file = path.join(scratchDir, name)
    const pid = Number(/-(\d+)-/.exec(name)?.[1])
    const owner = Number.isInteger(pid) && pid > 0 ? pid : undefined
    if (owner !== undefined && owner !== process.pid && alive(owner)) continue
    if (owner === process.pid && (statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) >= startedAt) continue
    rmSync(file, { force: true, recursive: true })
    removed++
  }
  return removed
}
