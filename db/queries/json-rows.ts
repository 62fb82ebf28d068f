import { Column, is, sql, type SQL, type SQLWrapper } from "drizzle-orm";

/**
 * Lists nested in another statement's select list, as JSON: a page that needs an environment and
 * its latest deployments, job runs… reads them in one statement instead of one each. The rows come
 * back as drizzle would return them from a select of the same fields (timestamps as Date, jsonb
 * parsed), so the mapping functions of the plain reads apply unchanged.
 */

/**
 * A read nested in another statement: `sql` is a JSON value for that statement's select list
 * (usually correlated to its row), `read` turns the value back into what the plain read returns.
 */
export interface NestedRead<T> {
  sql: SQL<unknown>;
  read(value: unknown): T;
}

/** The fields of one nested row: columns (decoded as drizzle decodes them) or SQL (kept as the JSON has it). */
export type JsonFields = Record<string, Column | SQL>;

/** What a row of `fields` reads back as: each column's data type; SQL fields as their declared type. */
export type JsonRow<F extends JsonFields> = { [K in keyof F]: F[K] extends Column ? (F[K]["_"]["notNull"] extends true ? F[K]["_"]["data"] : F[K]["_"]["data"] | null) : F[K] extends SQL<infer T> ? T : never };

/** json_build_object('key', field, …): one row of `fields` as a JSON object keyed like the fields. */
export function jsonObject(fields: JsonFields): SQL {
  return sql`json_build_object(${sql.join(
    Object.entries(fields).map(([key, field]) => sql`${sql.raw(`'${key.replace(/'/g, "''")}'`)}, ${field}`),
    sql`, `,
  )})`;
}

/**
 * The rows of `query` — a select of one field, a jsonObject(), with its own order and limit — as a
 * JSON array in that order (ARRAY(subquery) keeps the subquery's order; an empty result is `[]`).
 * `query` may refer to columns of the outer statement (a correlated subquery).
 */
export function jsonArray(query: SQLWrapper): SQL<unknown> {
  return sql`array_to_json(array(${query}))`;
}

/** A JSON value as the driver returned it: node-postgres and PGlite parse json, a text cast would not. */
const parsed = (value: unknown): unknown => (typeof value === "string" ? JSON.parse(value) : value);

/** One object built by jsonObject(fields), decoded: columns through drizzle's own mapping (timestamps → Date), nulls kept. */
export function fromJsonObject<F extends JsonFields>(fields: F, value: unknown): JsonRow<F> {
  const object = parsed(value) as Record<string, unknown>;
  const row: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(fields)) {
    const raw = object[key] ?? null;
    row[key] = raw !== null && is(field, Column) ? field.mapFromDriverValue(raw) : raw;
  }
  return row as JsonRow<F>;
}

/** The array built by jsonArray() over jsonObject(fields), decoded row by row. */
export function fromJsonArray<F extends JsonFields>(fields: F, value: unknown): JsonRow<F>[] {
  const array = (parsed(value) ?? []) as unknown[];
  return array.map((item) => fromJsonObject(fields, item));
}
