import { eq } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditEvents } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { auditHash } from "@/lib/domain/audit-chain";
import type { Clock } from "@/lib/domain/clock";
import { auditRecordOf, recordAudit, type AuditInput } from "./audit";

/** Events per INSERT statement (13 parameters each, well under the protocol's 65,535). */
const INSERT_CHUNK = 1_000;

/**
 * Appends `inputs` to the audit trail in this order, as `recordAudit` would one by one, in far
 * fewer statements: the first goes through `recordAudit` (which takes the chain's lock for the
 * rest of the transaction and links to the event before it), the others are hashed in memory,
 * each on the one before, and inserted `INSERT_CHUNK` per statement. Call it inside the
 * transaction of the changes the events record. Returns the events' ids, in order; [] for none.
 * Throws what the database throws (the caller's transaction then rolls back, events and changes alike).
 */
export async function recordAudits(tx: Db, actor: Actor, clock: Clock, inputs: readonly AuditInput[]): Promise<string[]> {
  const [first, ...rest] = inputs;
  if (!first) return [];
  const firstId = await recordAudit(tx, actor, clock, first);
  if (rest.length === 0) return [firstId];
  const [head] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).where(eq(auditEvents.id, firstId));
  let prevHash = head!.hash;
  const rows = rest.map((input) => {
    const record = auditRecordOf(actor, clock, input);
    const row = { ...record, data: input.data ?? {}, source: actor.via, prevHash, hash: auditHash(prevHash, record) };
    prevHash = row.hash;
    return row;
  });
  // One statement per chunk; rows of one statement take their sequence numbers in the order listed.
  for (let i = 0; i < rows.length; i += INSERT_CHUNK) await tx.insert(auditEvents).values(rows.slice(i, i + INSERT_CHUNK));
  return [firstId, ...rows.map((r) => r.id)];
}
