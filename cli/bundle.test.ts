// `pulso` runs from a bundle (build/bundle.js) that is built once and rebuilt only when a file it was
// built from changes: an unchanged checkout starts without esbuild, and an edit is never run stale.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { freshBundle } from '../build/bundle.js'

const root = mkdtempSync(path.join(tmpdir(), 'pulso-bundle-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function write(file: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, file)), { recursive: true })
  writeFileSync(path.join(root, file), text)
}

/** What the bundle's entry exports, loaded as `pulso` loads it. */
async function load(bundle: string): Promise<{ greeting: string; here: string }> {
  return (await import(`${pathToFileURL(bundle).href}?${Date.now()}`)) as { greeting: string; here: string }
}

describe('the bundle pulso runs from', () => {
  it('is built once, kept while its files are unchanged, and built again when one of them changes', async () => {
    write('cli/main.ts', "export { greeting } from './greeting.ts'\nexport const here: string = import.meta.url\n")
    write('cli/greeting.ts', "export const greeting: string = 'hola'\n")
    const first = await freshBundle(root, 'cli')
    expect((await load(first)).greeting).toBe('hola')
    // each module keeps its own URL, so files beside it are found from the bundle too
    expect((await load(first)).here).toBe(pathToFileURL(path.join(root, 'cli/main.ts')).href)

    const builtAt = statSync(first).mtimeMs
    const files = readdirSync(path.join(root, '.cache/build')).sort()
    expect(await freshBundle(root, 'cli')).toBe(first)
    expect(statSync(first).mtimeMs).toBe(builtAt)
    expect(readdirSync(path.join(root, '.cache/build')).sort()).toEqual(files)

    // an imported file, not the entry, edited to a text of another length
    write('cli/greeting.ts', "export const greeting: string = 'buenas'\n")
    const second = await freshBundle(root, 'cli')
    expect(second).not.toBe(first)
    expect((await load(second)).greeting).toBe('buenas')

    // the same length, so only its modification time tells
    write('cli/greeting.ts', "export const greeting: string = 'chauuu'\n")
    utimesSync(path.join(root, 'cli/greeting.ts'), new Date(), new Date(Date.now() - 60_000))
    expect((await load(await freshBundle(root, 'cli'))).greeting).toBe('chauuu')
  })
})
