// Structured logs (JSON lines on stderr), one logger per process.
import { type Logger, pino } from 'pino'

export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'pulso' } }, pino.destination(2))
}
