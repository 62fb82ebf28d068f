import type { Connection } from "@/db/client";

/**
 * Runs `work` and counts the SQL statements the connection's client received meanwhile (PGlite's
 * `query`/`exec` or the pg pool's `query`): a deterministic figure for statement budgets, never a
 * timing. Not safe to overlap with other work on the same connection.
 */
export async function countStatements<T>(connection: Pick<Connection, "client">, work: () => Promise<T>): Promise<{ result: T; statements: number }> {
  const client = connection.client as unknown as Record<string, unknown>;
  const methods = ["query", "exec"].filter((m) => typeof client[m] === "function");
  const originals = new Map(methods.map((m) => [m, client[m] as (...args: unknown[]) => unknown]));
  let statements = 0;
  for (const [name, original] of originals) {
    client[name] = (...args: unknown[]) => {
      statements += 1;
      return original.apply(connection.client, args);
    };
  }
  try {
    const result = await work();
    return { result, statements };
  } finally {
    for (const [name, original] of originals) client[name] = original;
  }
}
