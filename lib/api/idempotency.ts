import { createHash } from "node:crypto";
import { and, eq, lt } from "drizzle-orm";
import type { Db } from "@/db/client";
import { idempotencyKeys } from "@/db/schema";
import { canonicalJson } from "@/lib/domain/canonical-json";
import { ConflictError, ValidationError } from "@/lib/services/errors";

export const IDEMPOTENCY_WINDOW_MS = 24 * 3600_000;

export interface StoredResult {
  status: number;
  body: unknown;
}

export function parseIdempotencyKey(header: string | null): string | undefined {
  if (header === null) return undefined;
  if (!/^[\x21-\x7e]{1,255}$/.test(header)) {
    throw new ValidationError("Invalid Idempotency-Key header: use 1 to 255 visible ASCII characters, e.g. a UUID.", { "Idempotency-Key": "expected 1 to 255 visible ASCII characters" });
  }
  return header;
}

/**
 * Runs a mutation at most once per (user, key) within 24 hours. The key is claimed in the same
 * transaction as the mutation: a concurrent duplicate waits on the claim and then replays the
 * stored result; a failed mutation releases the key with everything else it did.
 */
export async function runIdempotent(db: Db, scope: { userId: string; key: string; method: string; path: string; body: unknown; now: Date }, run: (tx: Db) => Promise<StoredResult>): Promise<StoredResult & { replayed: boolean }> {
  const requestHash = createHash("sha256")
    .update(canonicalJson(scope.body ?? null))
    .digest("hex");
  return db.transaction(async (tx) => {
    const where = and(eq(idempotencyKeys.userId, scope.userId), eq(idempotencyKeys.key, scope.key));
    await tx.delete(idempotencyKeys).where(and(where, lt(idempotencyKeys.createdAt, new Date(scope.now.getTime() - IDEMPOTENCY_WINDOW_MS))));
    const claimed = await tx
      .insert(idempotencyKeys)
      .values({ userId: scope.userId, key: scope.key, method: scope.method, path: scope.path, requestHash, status: 0, response: {}, createdAt: scope.now })
      .onConflictDoNothing()
      .returning({ key: idempotencyKeys.key });
    if (!claimed.length) {
      const [previous] = await tx.select().from(idempotencyKeys).where(where);
      if (!previous) throw new ConflictError("This Idempotency-Key is being used by a request in progress; retry shortly.", "idempotency_in_progress");
      if (previous.requestHash !== requestHash || previous.method !== scope.method || previous.path !== scope.path) {
        throw new ConflictError("This Idempotency-Key was already used for a different request in the last 24 hours; use a new key for a new request.", "idempotency_key_reused");
      }
      return { status: previous.status, body: previous.response, replayed: true };
    }
    const result = await run(tx);
    await tx
      .update(idempotencyKeys)
      .set({ status: result.status, response: result.body as object })
      .where(where);
    return { ...result, replayed: false };
  });
}
