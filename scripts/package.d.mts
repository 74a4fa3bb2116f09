// Types for scripts/package.mjs (imported by test/unit/commands-logic.test.ts).
export declare const TARGETS: string[];
export declare function extractL10nStrings(dirs?: string[]): Record<string, string>;
export declare function writeL10nBundle(dir?: string): number;
export declare function main(argv?: string[]): Promise<string[]>;
