// The embedded data folder after a crash: files a killed insert left in scratch/ are removed at
// the next start, and a status file left behind by a killed engine does not count as a holder.
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { openWarehouse } from './client.ts'
import { dataFolderHolder, removeStaleScratchFiles } from './data-folder.ts'

const work = mkdtempSync(path.join(tmpdir(), 'pulso-data-folder-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** The pid of a process that has exited (a child, awaited). */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await new Promise((resolve) => child.once('exit', resolve))
  return child.pid!
}

describe('scratch files left by a killed process', () => {
  it('are removed; files of live processes, and this one’s since it started, are kept', async () => {
    const dir = path.join(work, 'scratch-unit')
    mkdirSync(dir)
    const dead = await deadPid()
    const write = (name: string, ageSeconds = 0) => {
      writeFileSync(path.join(dir, name), 'rows')
      const at = Date.now() / 1000 - ageSeconds
      utimesSync(path.join(dir, name), at, at)
    }
    write(`events-${dead}-1.tsv`) // killed mid-insert
    write(`events-${process.pid}-2.tsv`, process.uptime() + 60) // same pid before a restart (a container's pid 1)
    write(`events-${process.pid}-3.tsv`) // this process's insert in flight
    write(`events-${process.ppid}-4.tsv`) // another live process's insert in flight
    expect(removeStaleScratchFiles(dir)).toBe(2)
    expect(readdirSync(dir).sort()).toEqual([`events-${process.pid}-3.tsv`, `events-${process.ppid}-4.tsv`].sort())
  })

  it('are removed when the warehouse opens its data folder', async () => {
    const dataDir = path.join(work, 'data')
    mkdirSync(path.join(dataDir, 'scratch'), { recursive: true })
    const stale = path.join(dataDir, 'scratch', `events-${await deadPid()}-17.tsv`)
    writeFileSync(stale, 'a block of rows the insert never finished')
    const warehouse = await openWarehouse({ dataDir, database: 'pulso' })
    try {
      expect(existsSync(stale)).toBe(false)
    } finally {
      await warehouse.close()
    }
  })
})

describe('the engine status file', () => {
  it('left by a killed engine (a dead pid, or a live one that does not hold it) names no holder', async () => {
    const chdbPath = path.join(work, 'status-only')
    mkdirSync(chdbPath)
    const status = (pid: number) => writeFileSync(path.join(chdbPath, 'status'), `PID: ${pid}\nStarted at: 2026-11-30 03:27:25\nRevision: 54513\n`)
    expect(dataFolderHolder(chdbPath)).toBeUndefined() // no status file
    status(await deadPid())
    expect(dataFolderHolder(chdbPath)).toBeUndefined()
    status(process.pid)
    expect(dataFolderHolder(chdbPath)).toBeUndefined()
    // a pid reused by a process that does not have the file open (Linux can tell through /proc)
    if (existsSync(`/proc/${process.ppid}/fd`)) {
      status(process.ppid)
      expect(dataFolderHolder(chdbPath)).toBeUndefined()
    }
  })
})
