// A static docs site for the model catalog: one self-contained index.html (no scripts, no
// network) that a data team can open from disk or publish anywhere, plus catalog.json.
import { mkdirSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Catalog, CatalogModel } from '../../definitions/api.ts'

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
const link = (name: string) => `<a href="#${escapeHtml(name)}">${escapeHtml(name)}</a>`
const list = (names: string[]) => (names.length ? names.map(link).join(', ') : '<span class="none">none</span>')

function modelSection(model: CatalogModel): string {
  const columns = model.columns
    .map(
      (c) =>
        `<tr><td><code>${escapeHtml(c.name)}</code></td><td><code>${escapeHtml(c.type ?? '?')}</code></td><td>${escapeHtml(c.description) || (c.documented ? '' : '<span class="none">not documented</span>')}</td><td>${c.tests.map(escapeHtml).join(', ')}</td></tr>`,
    )
    .join('\n')
  const params = model.params.length
    ? `<h4>Parameters</h4><table><tr><th>name</th><th>type</th><th>description</th></tr>${model.params.map((p) => `<tr><td><code>${escapeHtml(p.name)}</code></td><td><code>${escapeHtml(p.type)}</code></td><td>${escapeHtml(p.description)}</td></tr>`).join('')}</table>`
    : ''
  const tests = model.tests.length
    ? `<ul>${model.tests.map((t) => `<li>${t.kind} <code>${escapeHtml(t.name)}</code>${t.column ? ` on <code>${escapeHtml(t.column)}</code>` : ''}${t.description ? ` — ${escapeHtml(t.description)}` : ''}</li>`).join('')}</ul>`
    : '<p class="none">no tests</p>'
  return `<section id="${escapeHtml(model.name)}">
<h2>${escapeHtml(model.name)} <small>${escapeHtml(model.layer)} · ${escapeHtml(model.materialized)} · ${model.origin === 'team' ? 'your team' : 'Pulso'}${model.queryable ? ' · POST /v1/sql' : ''}</small></h2>
<p>${escapeHtml(model.description)}</p>
<p class="lineage">Depends on: ${list(model.depends_on.models)}${model.depends_on.sources.length ? ` · sources: ${model.depends_on.sources.map((s) => `<code>${escapeHtml(s)}</code>`).join(', ')}` : ''}<br>Used by: ${list(model.referenced_by)}</p>
${params}
<h4>Columns</h4>
<table><tr><th>name</th><th>type</th><th>description</th><th>tests</th></tr>
${columns}
</table>
<h4>Tests</h4>
${tests}
<details><summary>SQL (<code>${escapeHtml(model.file)}</code>)</summary><pre>${escapeHtml(model.sql)}</pre></details>
</section>`
}

export function renderDocsSite(catalog: Catalog): string {
  const byLayer = new Map<string, CatalogModel[]>()
  for (const model of catalog.models) byLayer.set(model.layer, [...(byLayer.get(model.layer) ?? []), model])
  const nav = [...byLayer.entries()]
    .map(([layer, models]) => `<h3>${escapeHtml(layer)}</h3><ul>${models.map((m) => `<li>${link(m.name)}</li>`).join('')}</ul>`)
    .join('\n')
  const sources = catalog.sources
    .map((s) => `<li><code>${escapeHtml(s.table)}</code> — ${escapeHtml(s.description)} (used by ${list(s.referenced_by)})</li>`)
    .join('')
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Pulso models</title>
<style>
body{font:15px/1.5 system-ui,sans-serif;margin:0;display:flex;color:#1d2330}
nav{width:16rem;padding:1rem;border-right:1px solid #ddd;height:100vh;overflow:auto;position:sticky;top:0}
main{flex:1;padding:1rem 2rem;max-width:70rem}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:.25rem .5rem;text-align:left;vertical-align:top}
small{color:#667;font-weight:normal;font-size:.7em}.none{color:#999}pre{background:#f6f7f9;padding:.75rem;overflow:auto}
section{border-top:2px solid #eee;padding-top:.5rem;margin-top:2rem}
</style></head>
<body><nav><h2>Pulso models</h2>${nav}<h3>sources</h3><ul>${catalog.sources.map((s) => `<li><code>${escapeHtml(s.table)}</code></li>`).join('')}</ul></nav>
<main><h1>Model catalog <small>database ${escapeHtml(catalog.database)}</small></h1>
<p>Every model below is a view or table in ClickHouse. Models marked <em>POST /v1/sql</em> can be queried by name through the SQL API, scoped to your tenant.</p>
<h2>Sources</h2><ul>${sources}</ul>
${catalog.models.map(modelSection).join('\n')}
</main></body></html>
`
}

/** Writes index.html and catalog.json into `outDir`; returns the files written. */
export function writeDocsSite(catalog: Catalog, outDir: string): string[] {
  mkdirSync(outDir, { recursive: true })
  const files = [path.join(outDir, 'index.html'), path.join(outDir, 'catalog.json')]
  writeFileSync(files[0]!, renderDocsSite(catalog))
  writeFileSync(files[1]!, `${JSON.stringify(catalog, null, 2)}\n`)
  return files
}
