// What Linux's /proc says of a process, for the benchmarks: CPU time (all threads, or by thread
// name) and memory. Per event, CPU time is a steadier measure than events/s on a shared 2-core
// machine, where the wall-clock rate varies by ±25 %.
import { readdirSync, readFileSync } from 'node:fs'

/** User + system CPU time, in ms, from the text of a stat file (fields 14 and 15; USER_HZ is 100 on Linux). */
function statCpuMs(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ')
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100
}

/** CPU time (user + system, all threads) a process has used. */
export function processCpuMs(pid: number): number {
  return statCpuMs(readFileSync(`/proc/${pid}/stat`, 'utf8'))
}

/** A process's memory from /proc/PID/status, in MB: resident now (VmRSS), at its peak (VmHWM), anonymous (RssAnon), mapped files (RssFile). */
export function processMemoryMb(pid: number): (field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile') => number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  return (field) => Math.round(Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? 0) / 1024)
}

/**
 * CPU time by thread: the main thread; Node's other threads, all called 'node' (preparing
 * threads, V8's helpers, libuv's pool), one by one as `node:TID`; and chDB's, by ClickHouse's
 * thread names (MergeMutate, ThreadPool…). Threads that have ended are counted in the process total only.
 */
export function cpuMsByThread(pid: number): Map<string, number> {
  const byName = new Map<string, number>()
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${task}/stat`, 'utf8')
      const threadName = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[:\d]+$/, '')
      const name = task === String(pid) ? 'main thread' : threadName === 'node' ? `node:${task}` : threadName
      byName.set(name, (byName.get(name) ?? 0) + statCpuMs(stat))
    } catch {
      // the thread ended between listing and reading
    }
  }
  return byName
}
