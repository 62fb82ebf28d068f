import path from "node:path";
import fs from "node:fs";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import * as schema from "./schema";
import { lockDataDir } from "./data-dir-lock";

/** One type for both drivers (and for transactions, which extend it). STACK.md trap 8. */
export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;

export type Driver = "pglite" | "pg";

/** A raw connection: an embedded PGlite instance or a node-postgres pool. */
export interface Connection {
  driver: Driver;
  client: unknown;
  db: Db;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** A postgres:// URL: use node-postgres against that server. */
  url?: string | undefined;
  /** A directory for embedded PGlite data (locked against a second process). */
  dataDir?: string | undefined;
  /** In-memory PGlite, for tests. */
  memory?: boolean;
  /** With `memory`: start from this dump of a data directory (PGlite's dumpDataDir) instead of running initdb. */
  loadDataDir?: Blob | undefined;
}

export async function openConnection(options: OpenOptions): Promise<Connection> {
  if (options.url) {
    const [{ Pool }, { drizzle }] = await Promise.all([import("pg"), import("drizzle-orm/node-postgres")]);
    // jit=off: Slipway's reads are short OLTP statements; PostgreSQL's JIT (on by default) compiled
    // the board's and portfolio's summaries for seconds per request at 2,000 apps (issue 13).
    const pool = new Pool({ connectionString: options.url, max: 10, options: "-c jit=off" });
    // Idle clients can error when the server restarts; without a listener that would crash the process.
    pool.on("error", (error) => console.error("[db] idle connection error:", error.message));
    if (process.env.SLIPWAY_BENCH_COUNT_SQL === "1") countStatements(pool);
    const db = drizzle(pool, { schema }) as unknown as Db;
    return { driver: "pg", client: pool, db, close: () => pool.end() };
  }
  const [{ PGlite }, { drizzle }] = await Promise.all([import("@electric-sql/pglite"), import("drizzle-orm/pglite")]);
  let release = () => {};
  let pglite;
  if (options.memory) {
    pglite = await PGlite.create(options.loadDataDir ? { loadDataDir: options.loadDataDir } : {});
  } else {
    if (!options.dataDir) throw new Error("openConnection needs a url, a dataDir or memory: true");
    release = lockDataDir(options.dataDir);
    const dir = path.join(options.dataDir, "pglite");
    fs.mkdirSync(dir, { recursive: true }); // PGlite does not create parent directories.
    try {
      pglite = await PGlite.create(dir);
    } catch (error) {
      release();
      throw error;
    }
  }
  const db = drizzle(pglite, { schema }) as unknown as Db;
  return {
    driver: "pglite",
    client: pglite,
    db,
    close: async () => {
      await pglite.close();
      release();
    },
  };
}

const counter = globalThis as unknown as { __slipwaySqlStatements?: number };

/**
 * Benchmarks only (SLIPWAY_BENCH_COUNT_SQL=1, PostgreSQL): counts every statement any pooled
 * client sends, process-wide. Off by default; scripts/bench/measure.ts reads the count through the
 * server's /__bench/sql-count around one request at a time.
 */
function countStatements(pool: import("pg").Pool): void {
  counter.__slipwaySqlStatements ??= 0;
  pool.on("connect", (client) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
      counter.__slipwaySqlStatements! += 1;
      // SLIPWAY_BENCH_LOG_SQL=1 also prints each statement's start: which part of a page sends what.
      if (process.env.SLIPWAY_BENCH_LOG_SQL === "1") console.error(`[sql] ${statementText(args[0]).replace(/\s+/g, " ").slice(0, 160)}`);
      return query(...args);
    };
  });
}

function statementText(query: unknown): string {
  if (typeof query === "string") return query;
  return typeof query === "object" && query !== null && "text" in query ? String((query as { text: unknown }).text) : "";
}

/** Statements sent since start when SLIPWAY_BENCH_COUNT_SQL=1, else null. */
export function sqlStatementCount(): number | null {
  return counter.__slipwaySqlStatements ?? null;
}

/**
 * The process-wide connection, created lazily (never at module load: `next build` would open the
 * database, STACK.md trap 5) and kept on globalThis so the custom server, Next's bundled route code
 * and hot reloads all share one PGlite instance.
 */
const holder = globalThis as unknown as { __slipwayConnection?: Promise<Connection> };

export function setProcessConnection(connection: Promise<Connection>): void {
  holder.__slipwayConnection = connection;
}

export async function getConnection(): Promise<Connection> {
  if (!holder.__slipwayConnection) {
    const { env } = await import("@/lib/env");
    const e = env();
    holder.__slipwayConnection = openConnection({ url: e.DATABASE_URL, dataDir: e.dataDir });
    holder.__slipwayConnection.catch(() => {
      holder.__slipwayConnection = undefined;
    });
  }
  return holder.__slipwayConnection;
}

export async function getDb(): Promise<Db> {
  return (await getConnection()).db;
}
