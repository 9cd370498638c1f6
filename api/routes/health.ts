// GET /healthz — the warehouse answers, and what start-up found (model tests, demo data).
import { Hono } from 'hono'
import { queryRows, type Warehouse } from '../../warehouse/client.ts'

export function healthRoutes(options: { warehouse: Warehouse; status: Record<string, unknown> }) {
  return new Hono().get('/', async (c) => {
    try {
      await queryRows(options.warehouse, 'SELECT 1')
      return c.json({ status: 'ok', engine: options.warehouse.engine, ...options.status })
    } catch (error) {
      return c.json({ status: 'unavailable', engine: options.warehouse.engine, message: (error as Error).message }, 503)
    }
  })
}
