import pg from "pg";
import { afterAll } from "vitest";

/**
 * Fails a test file in which a query was sent on a node-postgres connection while another was still
 * running there: concurrent queries on one client, typically `Promise.all` over a transaction's
 * `tx`. pg 8 queues them (and warns once per process, only from the third); pg 9 removes that
 * queue, so such code would break on upgrade. Run a transaction's queries one after another.
 * Watches this process's pg clients (TEST_DATABASE_URL runs; PGlite has no such queue).
 */
type ClientInternals = { pipeline?: boolean; _activeQuery?: unknown; _queryQueue?: unknown[] };
// This file runs before every test file, but files share the pg module when vitest does not isolate
// them: query is wrapped once per process, and each file gets its own list of findings.
const WATCH = Symbol.for("slipway.tests.queuedQueries");
const prototype = pg.Client.prototype as typeof pg.Client.prototype & { [WATCH]?: string[] };
const queuedAt: string[] = [];
if (!prototype[WATCH]) {
  const query = prototype.query as (...args: unknown[]) => unknown;
  prototype.query = function (this: ClientInternals, ...args: unknown[]) {
    if (!this.pipeline && (this._activeQuery || (this._queryQueue?.length ?? 0) > 0)) {
      const text = typeof args[0] === "string" ? args[0] : (args[0] as { text?: string } | undefined)?.text;
      prototype[WATCH]?.push(`${String(text).slice(0, 120)}\n${new Error().stack?.split("\n").slice(2, 8).join("\n")}`);
    }
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
}
prototype[WATCH] = queuedAt;

afterAll(() => {
  if (queuedAt.length) throw new Error(`A query was sent on a connection still running another (concurrent queries on a transaction?), ${queuedAt.length} time(s); the first:\n${queuedAt[0]}`);
});
