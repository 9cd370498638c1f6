#!/usr/bin/env node
// The `pulso` command: runs the CLI's bundle (build/bundle.js), built first if its sources changed.
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { freshBundle } from '../build/bundle.js'

let bundle
try {
  bundle = await freshBundle(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'), 'cli')
} catch (error) {
  console.error(error.message)
  process.exit(1)
}
process.setSourceMapsEnabled(true)
await import(pathToFileURL(bundle).href)
