// npm run bench:crash — kill -9 of the server under streaming ingest, again and again: no event the
// server acknowledged is lost, and none is stored twice.
//
//   npm run bench:crash -- [--kills 20] [--clients 4] [--batch 1000] [--seed 7]
//
// It starts `pulso start` (embedded chDB, a temporary data folder), streams simulated events over
// HTTP from several clients, and kills the server with SIGKILL at a random moment of the stream;
// then starts it again on the same folder, and so on. A batch whose answer did not come (in flight
// at the kill) is sent again after the restart, as a client would: it may have been stored, and
// must then be answered as duplicates. After the last kill the server is started once more, every
// batch not yet acknowledged is sent, and the server stopped. The bench then opens the data folder
// and checks: every acknowledged event is stored; no event has two rows; the staging model counts
// each event once; the stored conversation facts hold every conversation.
// Exit code 1 when a check fails.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { parseArgs } from 'node:util'
import { loadConfig } from '../config/config.ts'
import { Random } from '../ingest/simulator/random.ts'
import { simulate } from '../ingest/simulator/simulator.ts'
import { openWarehouse, queryRows } from '../warehouse/client.ts'
import { children, freePort, type RunningPulso, startPulso } from './bench-scale/pulso.ts'

const { values: args } = parseArgs({
  options: {
    kills: { type: 'string', default: '20' },
    clients: { type: 'string', default: '4' },
    batch: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '7' },
  },
})
const KILLS = Number(args.kills)
const CLIENTS = Number(args.clients)
const BATCH = Number(args.batch)
const TENANT = 'bench'
const INGEST_KEY = 'bench-crash-ingest-key'
const rnd = new Random(Number(args.seed))

const dataDir = mkdtempSync(path.join(tmpdir(), 'pulso-bench-crash-'))
const env = {
  PULSO_DATA_DIR: dataDir,
  PULSO_DEMO: '0',
  PULSO_API_KEYS: `${TENANT}:ingest:${INGEST_KEY}`,
  PULSO_HASH_KEY: 'bench-crash-hash-key',
  PULSO_LOG_LEVEL: 'warn',
}
const cleanUp = () => {
  for (const child of children) child.kill('SIGKILL')
  rmSync(dataDir, { recursive: true, force: true })
}
process.on('SIGINT', () => {
  cleanUp()
  process.exit(130)
})

// Simulated events (2 % of them delivered twice), made 30 days at a time as the stream needs them;
// each 30 days' ids are prefixed so that they are events of their own.
const batches: string[][] = []
const conversationsSent = new Set<string>()
let nextBatch = 0
let chunks = 0
function newBatch(): number {
  if (nextBatch === batches.length) {
    const chunk = chunks++
    const events = simulate({
      tenantId: TENANT,
      endDate: new Date(Date.UTC(2026, 2, 31) - chunk * 30 * 86_400_000),
      days: 30,
      conversationsPerDay: 400,
      seed: Number(args.seed) + chunk,
    })
    const lines = events.map((e) => JSON.stringify({ ...e, event_id: `${chunk}-${e.event_id}`, conversation_id: `${chunk}-${e.conversation_id as string}` }))
    for (let i = 0; i < lines.length; i += BATCH) batches.push(lines.slice(i, i + BATCH))
  }
  for (const line of batches[nextBatch]!) conversationsSent.add((JSON.parse(line) as { conversation_id: string }).conversation_id)
  return nextBatch++
}
/** Batches sent whose answer never came: sent again first. */
const unanswered: number[] = []
const acknowledged = new Set<string>()
const counts = { requests: 0, acknowledged: 0, unanswered: 0, errors5xx: 0, accepted: 0, duplicates: 0, resentAnsweredDuplicates: 0 }

/**
 * Sends batches (the unanswered ones first, then new ones unless `onlyUnanswered`) until `running()`
 * turns false or the server stops answering; returns when its last request has settled.
 */
async function client(url: string, running: () => boolean, onlyUnanswered = false): Promise<void> {
  while (running()) {
    const resent = unanswered.length > 0
    const index = unanswered.shift() ?? (onlyUnanswered ? undefined : newBatch())
    if (index === undefined) return
    const lines = batches[index]!
    counts.requests++
    try {
      const response = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${INGEST_KEY}`, 'content-type': 'application/x-ndjson' },
        body: lines.join('\n'),
      })
      const answer = (await response.json()) as { accepted: number; duplicates: number; rejected: unknown[] }
      if (response.status !== 200) {
        if (response.status >= 500) counts.errors5xx++
        throw new Error(`answered ${response.status}: ${JSON.stringify(answer)}`)
      }
      if (answer.rejected.length) throw new Error(`simulated events rejected: ${JSON.stringify(answer.rejected.slice(0, 3))}`)
      counts.acknowledged++
      counts.accepted += answer.accepted
      counts.duplicates += answer.duplicates
      // a batch stored before the kill but never answered comes back as duplicates
      if (resent) counts.resentAnsweredDuplicates += answer.duplicates
      for (const line of lines) acknowledged.add((JSON.parse(line) as { event_id: string }).event_id)
    } catch (error) {
      // the server died under the request (or refused it): the batch is sent again after the restart
      counts.unanswered++
      unanswered.push(index)
      if (!running()) return
      if (!/fetch failed|ECONNRESET|socket|other side closed|terminated/.test(String((error as Error).message) + String((error as { cause?: unknown }).cause)))
        throw error
      return
    }
  }
}

async function startServer(round: string): Promise<{ pulso: RunningPulso; startMs: number }> {
  const pulso = await startPulso(await freePort(), env, path.join(dataDir, `server-${round}.log`), (m) => console.log(m))
  return { pulso, startMs: pulso.startMs }
}

const started = performance.now()
const rounds: { round: number; startMs: number; streamedMs: number; acknowledgedSoFar: number; unanswered: number }[] = []
try {
  for (let round = 1; round <= KILLS; round++) {
    const { pulso, startMs } = await startServer(String(round))
    let streaming = true
    const clients = Array.from({ length: CLIENTS }, () => client(pulso.url, () => streaming))
    // Killed at a random moment between 1 and 5 s into the stream: mid-batch, mid-insert or mid-refresh.
    const streamedMs = 1_000 + Math.floor(rnd.next() * 4_000)
    await new Promise((r) => setTimeout(r, streamedMs))
    if (pulso.ended()) throw new Error(`the server ended before the kill: ${pulso.ended()}`)
    process.kill(pulso.pid, 'SIGKILL')
    streaming = false
    await Promise.all(clients)
    await pulso.stop() // waits for the exit of the killed process
    rounds.push({ round, startMs, streamedMs, acknowledgedSoFar: acknowledged.size, unanswered: unanswered.length })
    console.log(
      `kill ${round}/${KILLS}: up in ${(startMs / 1000).toFixed(1)} s, killed after ${(streamedMs / 1000).toFixed(1)} s of streaming; ${acknowledged.size.toLocaleString('en')} events acknowledged so far, ${unanswered.length} batches unanswered`,
    )
  }
  // The last start: what was never answered is sent now, then the server stops as an operator stops it.
  const { pulso } = await startServer('final')
  await client(pulso.url, () => true, true)
  if (unanswered.length) throw new Error(`${unanswered.length} batches still unanswered by a running server: ${pulso.ended() ?? 'it is running'}`)
  await pulso.stop()
} catch (error) {
  console.error(error)
  cleanUp()
  process.exit(1)
}

// The checks read the data folder itself, with the server stopped.
const warehouse = await openWarehouse(loadConfig(env))
const db = warehouse.database
const stored = await queryRows<{ event_id: string; copies: number }>(
  warehouse,
  `SELECT event_id, count() AS copies FROM ${db}.events WHERE tenant_id = {t:String} GROUP BY event_id`,
  { t: TENANT },
)
const copies = new Map(stored.map((r) => [r.event_id, Number(r.copies)]))
const lost = [...acknowledged].filter((id) => !copies.has(id))
const doubled = stored.filter((r) => Number(r.copies) > 1).map((r) => r.event_id)
const [staging] = await queryRows<{ rows: number; events: number }>(
  warehouse,
  `SELECT count() AS rows, uniqExact(event_id) AS events FROM ${db}.stg_events WHERE tenant_id = {t:String}`,
  { t: TENANT },
)
const sentConversations = conversationsSent.size
const [facts] = await queryRows<{ conversations: number }>(
  warehouse,
  `SELECT count() AS conversations FROM ${db}.fct_conversations WHERE tenant_id = {t:String}`,
  { t: TENANT },
)
await warehouse.close()

const result = {
  kills: KILLS,
  minutes: Number(((performance.now() - started) / 60_000).toFixed(1)),
  requests: counts.requests,
  answered200: counts.acknowledged,
  unansweredAtKills: counts.unanswered,
  resentEventsAnsweredAsDuplicates: counts.resentAnsweredDuplicates,
  errors5xx: counts.errors5xx,
  eventsAcknowledged: acknowledged.size,
  eventsStored: copies.size,
  lost: lost.length,
  doubledRows: doubled.length,
  stagingRows: Number(staging!.rows),
  stagingEvents: Number(staging!.events),
  conversationsSent: sentConversations,
  conversationFacts: Number(facts!.conversations),
  startSeconds: { min: Math.min(...rounds.map((r) => r.startMs)) / 1000, max: Math.max(...rounds.map((r) => r.startMs)) / 1000 },
}
console.log(JSON.stringify(result, null, 2))
const failures = [
  lost.length && `${lost.length} acknowledged events are not stored (e.g. ${lost.slice(0, 3).join(', ')})`,
  doubled.length && `${doubled.length} events have more than one row (e.g. ${doubled.slice(0, 3).join(', ')})`,
  result.stagingRows !== result.stagingEvents && `stg_events has ${result.stagingRows} rows for ${result.stagingEvents} events`,
  result.eventsStored !== acknowledged.size && `${result.eventsStored} events stored, ${acknowledged.size} acknowledged`,
  result.conversationFacts !== sentConversations && `fct_conversations has ${result.conversationFacts} conversations, ${sentConversations} were sent`,
  counts.errors5xx && `${counts.errors5xx} answers were 5xx`,
].filter(Boolean)
rmSync(dataDir, { recursive: true, force: true })
if (failures.length) {
  console.error(`FAILED:\n  ${failures.join('\n  ')}`)
  process.exit(1)
}
console.log(`OK: ${KILLS} kills, ${acknowledged.size.toLocaleString('en')} events acknowledged, 0 lost, 0 doubled`)
