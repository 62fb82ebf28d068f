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

/** What a flat select's columns need to decode a driver value (drizzle's Column). */
interface ColumnDecoder {
  mapFromDriverValue(value: unknown): unknown;
}

/**
 * drizzle's session.prepareQuery as both drivers (node-postgres, PGlite) implement it in the pinned
 * drizzle-orm 0.45.4: positional, with a custom result mapper that replaces its row mapper. Not a
 * public API: a drizzle upgrade must re-check it (the cells decode test on both databases fails if
 * it changes).
 */
interface FlatSelectInternals {
  dialect: { sqlToQuery(sql: SQL): Query };
  session: {
    prepareQuery(query: Query, fields: { path: string[]; field: unknown }[], name: string | undefined, isResponseInArrayMode: boolean, customResultMapper: (rows: unknown[][]) => unknown): PreparedStatement<Record<string, unknown>, unknown>;
  };
}

/** Decodes array-mode rows of a flat select of `fields` (result key → column, in the select's order) with each column's own mapFromDriverValue. */
function flatDecoder<R>(fields: Record<string, ColumnDecoder>): { ordered: { path: string[]; field: unknown }[]; decode: (rows: unknown[][]) => R[] } {
  const keys = Object.keys(fields);
  const decoders = keys.map((key) => fields[key]!);
  const decode = (rows: unknown[][]): R[] =>
    rows.map((row) => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        const value = row[i];
        out[keys[i]!] = value === null || value === undefined ? null : decoders[i]!.mapFromDriverValue(value);
      }
      return out as R;
    });
  return { ordered: keys.map((key) => ({ path: [key], field: fields[key] })), decode };
}

/**
 * preparedRead for a flat select (`fields`: result key → column, the select's own selection, in
 * its order) whose rows are decoded by a plain loop instead of drizzle's per-row mapper. Drizzle
 * maps every field of every row through type checks and a path walk: 26 columns × 220 cells was
 * 4.7 ms of a 600-app board view's CPU; this loop decodes the same values with the same columns'
 * own mapFromDriverValue (timestamps, JSON), so results are identical on both drivers.
 *
 * @param build the select (already narrowed, ordered); its varying values `sql.placeholder(key)`s
 */
export function preparedFlatRead<V extends Record<string, unknown>, R>(name: string, fields: Record<string, ColumnDecoder>, build: (db: Db) => { getSQL(): SQL }): (db: Db, values: V) => Promise<R[]> {
  const { ordered, decode } = flatDecoder<R>(fields);
  return preparedRead<V, R[]>(name, (db, statementName) => {
    const { dialect, session } = db as unknown as FlatSelectInternals;
    return session.prepareQuery(dialect.sqlToQuery(build(db).getSQL()), ordered, statementName, true, decode as (rows: unknown[][]) => unknown) as PreparedStatement<V, R[]>;
  });
}

/**
 * Runs a flat select built per request (its values inline, not placeholders) and decodes its rows
 * as preparedFlatRead does: for reads whose shape varies (filters), so they cannot be prepared,
 * and that return many rows (an environment's cells: up to 2,000 on a page of the environments API).
 */
export async function flatRead<R>(db: Db, fields: Record<string, ColumnDecoder>, query: { getSQL(): SQL }): Promise<R[]> {
  const { ordered, decode } = flatDecoder<R>(fields);
  const { dialect, session } = db as unknown as FlatSelectInternals;
  return (await session.prepareQuery(dialect.sqlToQuery(query.getSQL()), ordered, undefined, true, decode as (rows: unknown[][]) => unknown).execute({})) as R[];
}
