// `node --import tsx scripts/kafka/broker-cli.ts start DIR` starts a broker that outlives this
// command and prints its address (host:port); `… stop DIR` stops it. scripts/test.sh uses both.
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { startBroker, stopPid } from './broker.ts'

const [command, dir] = process.argv.slice(2)
if (!dir || (command !== 'start' && command !== 'stop')) {
  console.error('usage: broker-cli.ts start|stop DIR')
  process.exit(2)
}
if (command === 'start') {
  const broker = await startBroker({ dir, detached: true })
  console.log(broker.brokers.join(','))
} else {
  const pid = Number(readFileSync(path.join(dir, 'broker.pid'), 'utf8'))
  await stopPid(pid)
}
