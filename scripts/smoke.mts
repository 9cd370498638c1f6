import { loadConfig } from '../config/config.ts'
import { openRuntime } from '../cli/runtime.ts'
import { runAllTests } from '../dbt-like-models/runner/test.ts'
const config = loadConfig({ PULSO_DATA_DIR: '/tmp/smoke-data', PULSO_DEMO: '1' })
const rt = await openRuntime(config)
const results = await runAllTests(rt.warehouse, rt.project)
for (const r of results) console.log(r.passed ? 'PASS' : 'FAIL', r.name, r.detail ?? '')
await rt.close()
