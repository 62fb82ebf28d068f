import { afterAll } from "vitest";

/**
 * Fails a test file in which node-postgres queued a query behind another on the same connection:
 * concurrent queries on one client, typically `Promise.all` over a transaction's `tx`. pg 8 runs
 * them in turn and warns once per process (a DeprecationWarning); pg 9 removes that queue, so such
 * code would break on upgrade. Run a transaction's queries one after another instead.
 */
let queuedWarning: string | null = null;
process.on("warning", (warning) => {
  if (warning.name === "DeprecationWarning" && /already executing a query/.test(warning.message)) queuedWarning ??= warning.message;
});

afterAll(() => {
  if (queuedWarning) throw new Error(`node-postgres queued a query behind another on one connection (concurrent queries on a transaction?): ${queuedWarning}`);
});
