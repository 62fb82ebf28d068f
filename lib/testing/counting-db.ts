import { drizzle as drizzlePg } from "drizzle-orm/node-postgres";
import { drizzle as drizzlePglite } from "drizzle-orm/pglite";
import type { Connection, Db } from "@/db/client";
import * as schema from "@/db/schema";

/**
 * A drizzle over the same client as `connection` that counts the statements it sends (both drivers
 * log every query, relational ones included): for tests that bound a read's statements, never its time.
 */
export function countingDb(connection: Connection): { db: Db; count: () => number } {
  let statements = 0;
  const logger = { logQuery: () => void (statements += 1) };
  const db = (connection.driver === "pglite" ? drizzlePglite(connection.client as never, { schema, logger }) : drizzlePg(connection.client as never, { schema, logger })) as unknown as Db;
  return { db, count: () => statements };
}
