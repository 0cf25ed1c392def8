/**
 * The few Bun APIs hookgate uses, declared here so the project typechecks without Bun's global
 * types (which would change `fetch`, `Response` and friends for every other runtime's code).
 */
declare module 'bun:sqlite' {
  type BindValue = string | number | bigint | boolean | null | Uint8Array;
  export interface Statement {
    readonly columnNames: string[];
    all(...parameters: BindValue[]): unknown[];
    run(...parameters: BindValue[]): { changes: number; lastInsertRowid: number | bigint };
    iterate(...parameters: BindValue[]): IterableIterator<unknown>;
  }
  export class Database {
    constructor(path: string, options?: { create?: boolean; readonly?: boolean; strict?: boolean });
    exec(sql: string): void;
    prepare(sql: string): Statement;
    transaction<T>(run: () => T): () => T;
    close(): void;
  }
}

interface BunServer {
  readonly port: number;
  stop(closeActiveConnections?: boolean): Promise<void>;
}

declare const Bun: {
  readonly version: string;
  file(path: string): { bytes(): Promise<Uint8Array> };
  serve(options: { port: number; hostname: string; idleTimeout?: number; fetch: (request: Request) => Response | Promise<Response> }): BunServer;
};
