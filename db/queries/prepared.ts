import type { Query, SQL } from "drizzle-orm";
import type { Db } from "@/db/client";

/** What drizzle's `.prepare(name)` gives: the built statement, executed with its placeholders' values. */
export interface PreparedStatement<V, R> {
  execute(values: V): Promise<R>;
}

/**
 * A read built once per database handle and sent as a named prepared statement. Building a query
 * is CPU on every request: about 1.3 ms for the board's chain (a relational query four levels deep)
 * and 0.7 ms for the header every page reads, measured with warm code — a tenth of a demo-scale
 * page. Prepared, it is built once, and PostgreSQL parses and plans it once per connection.
 *
 * `build` must give the same statement whatever the values: each varying value is a
 * `sql.placeholder(key)` filled from `values` at execution. One entry per handle (the process's
 * pool, a test's database, a transaction), dropped with the handle.
 *
 * @param name the statement's name on each PostgreSQL connection; unique per read
 */
export function preparedRead<V extends Record<string, unknown>, R>(name: string, build: (db: Db, name: string) => PreparedStatement<V, R>): (db: Db, values: V) => Promise<R> {
  const perHandle = new WeakMap<Db, PreparedStatement<V, R>>();
  return (db, values) => {
    let statement = perHandle.get(db);
    if (!statement) {
      // In development a reloaded module may build other SQL under the same name on a pooled
      // connection that prepared the old text, which PostgreSQL refuses: unnamed there.
      statement = build(db, process.env.NODE_ENV === "development" ? "" : name);
      perHandle.set(db, statement);
    }
    return statement.execute(values);
  };
}

/** The parts of a drizzle database handle (node-postgres and PGlite alike) a raw prepared statement needs; drizzle marks them internal. */
interface DrizzleInternals {
  dialect: { sqlToQuery(sql: SQL): Query };
  session: { prepareQuery(query: Query, fields: undefined, name: string | undefined, isResponseInArrayMode: boolean): PreparedStatement<Record<string, unknown>, unknown> };
}

/**
 * preparedRead for a raw SQL read (a `sql` template with `sql.placeholder(key)` for every varying
 * value), for statements drizzle's builder cannot express. Besides the build, PostgreSQL then
 * plans it once per connection instead of on every request: the board's column facts, a
 * nine-CTE statement, took 8 ms to plan and 2.5 ms to run. Resolves to the driver's raw result
 * (rowsOf() reads it on both drivers).
 */
export function preparedSql<V extends Record<string, unknown>>(name: string, build: () => SQL): (db: Db, values: V) => Promise<unknown> {
  return preparedRead<V, unknown>(name, (db, statementName) => {
    const { dialect, session } = db as unknown as DrizzleInternals;
    return session.prepareQuery(dialect.sqlToQuery(build()), undefined, statementName, false) as PreparedStatement<V, unknown>;
  });
}
