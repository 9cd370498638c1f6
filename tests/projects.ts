// Which vitest project each test file belongs to (vitest.config.ts), by what it needs to run.
// A new file lands in `engine` unless it is listed here: the safe default, one process per file.
// tests/projects.test.ts checks that the lists still say what the files do.

/** Pure functions: no engine, no child process, no network. They run in threads, beside the engine files. */
export const UNIT_TESTS = [
  'config/after-handoff.test.ts',
  'config/config.test.ts',
  'config/operating-loop.test.ts',
  'config/twilio.test.ts',
  'config/whatsapp.test.ts',
  'dashboard/src/lib/csv.test.ts',
  'dashboard/src/lib/durations.test.ts',
  'dashboard/src/lib/goals.test.ts',
  'dashboard/src/lib/period.test.ts',
  'definitions/kpis.test.ts',
  'domain/accounts/passwords.test.ts',
  'domain/accounts/sign-in-throttle.test.ts',
  'domain/goal-status.test.ts',
  'domain/provisional.test.ts',
  'domain/questions.test.ts',
  'domain/review-export.test.ts',
  'domain/sla/business-time.test.ts',
  'domain/statistics.test.ts',
  'ingest/chatwoot/map-webhook.test.ts',
  'ingest/contract/timestamp.test.ts',
  'ingest/contract/validate.test.ts',
  'ingest/event-row.test.ts',
  'ingest/kafka/block.test.ts',
  'ingest/rasa/map-event.test.ts',
  'ingest/twilio/map-webhook.test.ts',
  'ingest/twilio/signature.test.ts',
  'ingest/whatsapp/map-notification.test.ts',
  'ingest/whatsapp/signature.test.ts',
  'scripts/kafka/broker.test.ts',
  'tests/projects.test.ts',
  'tests/queries-through-helpers.test.ts',
  'warehouse/repositories/kpis.golden.test.ts',
  'warehouse/sql-sandbox/statement-slots.test.ts',
  'warehouse/touched-conversations.test.ts',
]

/** Files that need a real Kafka broker (the shared one, or a private one they start and restart). */
export const KAFKA_TESTS = [
  'cli/commands/kafka.test.ts',
  'ingest/kafka/broker-restart.test.ts',
  'ingest/kafka/crash.test.ts',
  'ingest/kafka/group.test.ts',
  'ingest/kafka/server-mode.test.ts',
  'ingest/kafka/sink.test.ts',
  'ingest/kafka/worker.test.ts',
  'ingest/rasa/rasa-stream.test.ts',
]

/** Chromium against a Pulso server with the demo tenant. */
export const BROWSER_TESTS = ['dashboard/tests/**/*.browser.test.ts']

/** Never part of the suite: dependencies, caches, and .scratch/ (git-ignored notes and experiments). */
export const NOT_TESTS = ['**/node_modules/**', '.cache/**', '.scratch/**', 'dashboard/dist/**']
