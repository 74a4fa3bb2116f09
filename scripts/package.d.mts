// Types for scripts/package.mjs (imported by test/unit/manifest.test.ts).
export declare function extractL10nStrings(dirs?: string[]): Record<string, string>;
