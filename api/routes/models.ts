// GET /v1/models — the model catalog: descriptions, columns with types and docs, tests, lineage.
// GET /v1/models/:name — one model of it.
import { Hono } from 'hono'
import type { ApiKey, PulsoConfig } from '../../config/config.ts'
import { buildCatalog } from '../../dbt-like-models/runner/catalog.ts'
import { BUILTIN_MODELS_DIR, loadProject } from '../../dbt-like-models/runner/project.ts'
import type { Catalog, CatalogModel } from '../../definitions/api.ts'
import type { Warehouse } from '../../warehouse/client.ts'
import { ApiError } from '../errors.ts'
import { type AuthVariables, requireRole } from '../middleware/auth.ts'

export function modelsRoutes(options: { apiKeys: ApiKey[]; warehouse: Warehouse; config: Pick<PulsoConfig, 'extraModelsDir'> }) {
  // The same folders `pulso models run` builds from; read per request so edits show up.
  const catalog = () =>
    buildCatalog(loadProject([BUILTIN_MODELS_DIR, ...(options.config.extraModelsDir ? [options.config.extraModelsDir] : [])]), options.warehouse)
  return new Hono<{ Variables: AuthVariables }>()
    .get('/', requireRole(options.apiKeys, 'read'), async (c) => c.json((await catalog()) satisfies Catalog))
    .get('/:name', requireRole(options.apiKeys, 'read'), async (c) => {
      const name = c.req.param('name')
      const model = (await catalog()).models.find((m) => m.name === name)
      if (!model) throw new ApiError(404, 'not_found', `no model named ${name}; GET /v1/models lists them`)
      return c.json(model satisfies CatalogModel)
    })
}
