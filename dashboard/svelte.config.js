// TypeScript in <script lang="ts"> is handled by Svelte itself (no preprocessor needed since Svelte 5).
export default {}
