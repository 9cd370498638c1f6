// Types of build/bundle.js, for the TypeScript modules that start a bundle (ingest/kafka/block-preparer.ts).
export declare const BUNDLES: Record<'cli' | 'prepare-thread', { entry: string; format: 'esm' | 'cjs' }>
export declare function freshBundle(repoRoot: string, name: keyof typeof BUNDLES): Promise<string>
