// Starts `pulso ingest kafka` as a process of its own, as an operator would: the crash test kills
// one mid-stream and bench:ingest measures one. Only PATH and HOME are inherited; the caller
// gives every Pulso variable, so nothing from the developer's shell leaks into the worker.
import { type ChildProcess, type StdioOptions, spawn } from 'node:child_process'
import path from 'node:path'
import { REPO_ROOT } from './broker.ts'

export type WorkerProcess = { child: ChildProcess; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }

export function spawnWorkerProcess(env: Record<string, string>, options: { nodeArgs?: string[]; stdio?: StdioOptions } = {}): WorkerProcess {
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), path.join(REPO_ROOT, 'bin/pulso.js'), 'ingest', 'kafka'], {
    cwd: REPO_ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: options.stdio ?? ['ignore', 'inherit', 'inherit'],
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  )
  return { child, exited }
}
