import { sql, type AnyColumn, type SQL } from "drizzle-orm";
import { z } from "zod";
import { ValidationError } from "./errors";

/** Lists are newest first and paged by an opaque cursor: the (created_at, id) of the last item. */
export const DEFAULT_LIMIT = 50;
export const MAX_LIMIT = 200;

export const pageInput = z.object({
  cursor: z.string().max(200).optional(),
  limit: z.coerce
    .number({ error: `expected a whole number from 1 to ${MAX_LIMIT}` })
    .int({ error: `expected a whole number from 1 to ${MAX_LIMIT}` })
    .min(1, { error: `expected a whole number from 1 to ${MAX_LIMIT}` })
    .max(MAX_LIMIT, { error: `at most ${MAX_LIMIT}` })
    .default(DEFAULT_LIMIT),
});

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

interface CursorPosition {
  at: Date;
  id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.at.toISOString(), position.id])).toString("base64url");
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as [string, string];
    const date = new Date(at);
    if (typeof id !== "string" || !id || Number.isNaN(date.getTime())) throw new Error("bad cursor");
    return { at: date, id };
  } catch {
    throw new ValidationError("Invalid cursor: use the nextCursor of a previous page.", { cursor: "expected a nextCursor from a previous page" });
  }
}

/** The keyset condition "strictly after the cursor" for a newest-first (created_at, id) order. */
export function afterCursor(cursor: string | undefined, createdAt: AnyColumn, id: AnyColumn): SQL | undefined {
  if (!cursor) return undefined;
  const position = decodeCursor(cursor);
  return sql`(${createdAt}, ${id}) < (${position.at.toISOString()}::timestamptz, ${position.id})`;
}

/** Builds a page from `limit + 1` fetched rows: the extra row only says whether there is more. */
export function toPage<Row, Item>(rows: Row[], limit: number, position: (row: Row) => CursorPosition, map: (row: Row) => Item): Page<Item> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows.at(-1);
  return { items: pageRows.map(map), nextCursor: hasMore && last ? encodeCursor(position(last)) : null };
}
