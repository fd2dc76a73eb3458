// Types of vsix-targets.mjs (plain node runs it in scripts/package.mjs; the tests import it).
export declare const VSIX_TARGETS: Record<string, string>;
export declare function targetIgnoreLines(target: string): string[];
export declare function ignoreFileFor(target: string, base?: string): string;
