// Builds the dashboard into dashboard/dist, which the API serves at `/`.
// `npm run dev:dashboard` serves it with hot reload and proxies the API to PULSO_API_URL.
import { fileURLToPath } from 'node:url'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))
const api = process.env.PULSO_API_URL ?? 'http://localhost:8080'

export default defineConfig({
  root,
  base: '/',
  plugins: [svelte()],
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 400 },
  server: { proxy: { '/v1': api, '/healthz': api } },
})
