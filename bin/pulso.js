#!/usr/bin/env node
// The `pulso` command. Pulso is written in TypeScript and runs through tsx's loader,
// so there is no build step between a checkout and a running CLI.
import { register } from 'tsx/esm/api'
register()
await import('../cli/main.ts')
