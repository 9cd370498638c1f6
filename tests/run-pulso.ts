// Runs the `pulso` command in a child process, as a user runs it, for tests.
//
// Never with spawnSync: a test file's process talks to vitest over an RPC channel whose calls time
// out after 60 s, and Node runs expired timers before it reads the answers that arrived meanwhile.
// A test that blocked its event loop for a minute (a few `pulso models test` in a row on a busy
// machine) failed a green run with `[vitest-worker]: Timeout calling "onTaskUpdate"`.
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

export const PULSO_BIN = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../bin/pulso.js')

export type PulsoRun = { code: number | null; stdout: string; stderr: string }

/** `node bin/pulso.js ...args` with exactly `env` (nothing inherited), answering its exit code and output; `input` is its standard input. */
export function runPulso(
  args: string[],
  options: { env: Record<string, string | undefined>; cwd?: string; timeoutMs?: number; input?: string },
): Promise<PulsoRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [PULSO_BIN, ...args], { cwd: options.cwd, env: options.env, stdio: ['pipe', 'pipe', 'pipe'] })
    // without `input`, standard input is closed at once, as an empty one
    child.stdin.end(options.input ?? '')
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`pulso ${args.join(' ')} ran longer than ${options.timeoutMs} ms; stderr: ${stderr}`))
    }, options.timeoutMs ?? 240_000)
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('close', (code) => {
      clearTimeout(timer)
      resolve({ code, stdout, stderr })
    })
  })
}
