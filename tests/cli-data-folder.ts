// A fresh data folder for a test of the `pulso` command, and the environment the command runs with
// there: only PATH and HOME inherited, quiet logs and a fixed hash key, so an API the test opens
// on the same folder (openTestPulso(env, folder.dataDir)) reads what the command wrote.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { type PulsoRun, runPulso } from './run-pulso.ts'

export type CliDataFolder = {
  dataDir: string
  env: Record<string, string | undefined>
  /** `pulso ...args` on this folder, whatever its exit code; `input` is its standard input. */
  run(args: string[], input?: string): Promise<PulsoRun>
  /** `pulso ...args` on this folder, answering its standard output; an error naming the command and its stderr if it fails. */
  pulso(...args: string[]): Promise<string>
  remove(): void
}

/** A new data folder named pulso-<name>-…; `env` adds to (or overrides) the command's environment. */
export function cliDataFolder(name: string, env: Record<string, string> = {}): CliDataFolder {
  const dataDir = mkdtempSync(path.join(tmpdir(), `pulso-${name}-`))
  const fullEnv = { PATH: process.env.PATH, HOME: process.env.HOME, PULSO_DATA_DIR: dataDir, PULSO_LOG_LEVEL: 'silent', PULSO_HASH_KEY: 'k', ...env }
  const run = (args: string[], input?: string) => runPulso(args, { env: fullEnv, input })
  return {
    dataDir,
    env: fullEnv,
    run,
    async pulso(...args) {
      const done = await run(args)
      if (done.code !== 0) throw new Error(`pulso ${args.join(' ')} exited ${done.code}: ${done.stderr}`)
      return done.stdout
    },
    remove: () => rmSync(dataDir, { recursive: true, force: true }),
  }
}

/**
 * Fills the folder's demo tenant with `pulso demo` (10 days of 30 conversations a day, up to today)
 * and answers a range of dates a little wider than those days, so every period of the data is in it.
 */
export async function fillDemo(folder: CliDataFolder): Promise<{ from: string; to: string }> {
  const said = await folder.pulso('demo', '--days', '10', '--per-day', '30')
  if (!/demo tenant filled/.test(said)) throw new Error(`pulso demo did not fill the demo tenant: ${said}`)
  return { from: utcDayFromToday(-12), to: utcDayFromToday(1) }
}

/** The UTC date `offset` days from today, YYYY-MM-DD. */
export function utcDayFromToday(offset: number): string {
  return new Date(Date.now() + offset * 86400_000).toISOString().slice(0, 10)
}
