export declare const SYSTEM_CHROMIUM: string;
export declare const SYSTEM_CHROMIUM_ARGS: string[];
export declare function findChromium(): { kind: 'system' | 'playwright'; path: string } | null;
