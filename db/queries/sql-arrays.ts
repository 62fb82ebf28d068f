import { sql } from "drizzle-orm";

/**
 * A text[] parameter, passed as one array literal (NULL, or double-quoted with \ and " escaped) so
 * both drivers (node-postgres and PGlite) take it alike. For set-based statements over many rows
 * (`unnest(a, b, …)`): one parameter per column instead of one per value.
 */
export function textArray(values: readonly (string | null)[]) {
  return sql`${textArrayLiteral(values)}::text[]`;
}

/** The array literal textArray() sends, for a prepared statement's `${sql.placeholder(…)}::text[]`. */
export function textArrayLiteral(values: readonly (string | null)[]): string {
  return `{${values.map((v) => (v === null ? "NULL" : `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`)).join(",")}}`;
}

/** Rows a statement run through `db.execute` returned, from either driver's result (both carry `rows`). */
export function rowsOf<T>(result: unknown): T[] {
  return ((result as { rows?: T[] }).rows ?? []) as T[];
}
