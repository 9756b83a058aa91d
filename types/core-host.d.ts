/**
 * The few host globals src/core may use: both of its hosts (the browser's worker and Node)
 * provide them. tsconfig.core.json type-checks core with these and without the DOM library, so
 * core cannot reach for anything only a browser has.
 */
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare const performance: { now(): number };
declare const console: { log(...args: unknown[]): void; info(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
