import { asc, eq, gt } from "drizzle-orm";
import { auditCheckpoints, auditEvents, type AuditEvent } from "@/db/schema";
import { auditHash, GENESIS_HASH, type AuditRecord } from "@/lib/domain/audit-chain";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";

/**
 * Re-checks the audit trail's hash chain from its first event: each event's hash must be the hash
 * of its own content after the previous event's hash, and its prevHash must be that previous hash.
 * The trigger stops UPDATE and DELETE; this catches what was done around it (a superuser with the
 * trigger disabled, a restored or hand-edited dump).
 *
 * What the chain alone cannot show — events removed from the very end — the checkpoint shows: the
 * head (sequence and hash) the database records outside the trail on every insert must still be in
 * the trail, with the same hash.
 */
export type AuditChainProblem = "hash-mismatch" | "prev-hash-mismatch" | "truncated-tail" | "checkpoint-mismatch";

export interface AuditChainBreak {
  seq: number;
  id: string;
  problem: AuditChainProblem;
  /** What the chain says the field should be, and what the row holds. */
  expected: string;
  actual: string;
  /** The last intact event before the break (null when the break is at the first event). */
  previousSeq: number | null;
  message: string;
}

export type AuditVerification = { intact: true; count: number; lastSeq: number | null; lastHash: string } | { intact: false; count: number; broken: AuditChainBreak };

export const VERIFY_BATCH_SIZE = 1000;

function describeBreak(row: AuditEvent, problem: AuditChainProblem, previousSeq: number | null): string {
  if (problem === "hash-mismatch") {
    return `event seq ${row.seq} (${row.id}) does not match its hash: the row was edited after it was written`;
  }
  const before = previousSeq === null ? "the start of the trail" : `seq ${previousSeq}, the event before it`;
  return (
    `event seq ${row.seq} (${row.id}) does not follow ${before}: its prevHash is not that event's hash, so an event ` +
    `between them was deleted, or events were reordered (or ${previousSeq === null ? "the first event" : `seq ${previousSeq}`} was edited and re-hashed)`
  );
}

/** Exactly the fields recordAudit hashed, named one by one: a column added later must not change old hashes. */
function hashedFields(row: AuditEvent): AuditRecord {
  return {
    id: row.id,
    at: row.at,
    actorId: row.actorId,
    actorLabel: row.actorLabel,
    action: row.action,
    targetType: row.targetType,
    targetId: row.targetId,
    outcome: row.outcome,
    reason: row.reason,
    data: row.data,
    source: row.source,
    ip: row.ip,
  };
}

/** Walks the whole trail in sequence order, in batches; stops at the first broken link. */
export async function verifyAuditTrail(ctx: ServiceContext, options: { batchSize?: number; onProgress?: (checked: number) => void } = {}): Promise<AuditVerification> {
  authorize(ctx, "audit.view", { type: "audit" });
  // Read before the walk: events written meanwhile only move the head past it, never before it.
  const [checkpoint] = await ctx.db.select().from(auditCheckpoints).where(eq(auditCheckpoints.name, "head"));
  const batchSize = options.batchSize ?? VERIFY_BATCH_SIZE;
  let lastHash: string | null = null;
  let expectedPrev = GENESIS_HASH;
  let previousSeq: number | null = null;
  let count = 0;
  for (;;) {
    const rows = await ctx.db
      .select()
      .from(auditEvents)
      .where(previousSeq === null ? undefined : gt(auditEvents.seq, previousSeq))
      .orderBy(asc(auditEvents.seq))
      .limit(batchSize);
    for (const row of rows) {
      const { prevHash, hash } = row;
      // The content first: an edited row is named as edited, even if its link also looks wrong.
      const recomputed = auditHash(prevHash, hashedFields(row));
      const problem: AuditChainProblem | null = recomputed !== hash ? "hash-mismatch" : prevHash !== expectedPrev ? "prev-hash-mismatch" : null;
      if (problem) {
        const [expected, actual] = problem === "hash-mismatch" ? [recomputed, hash] : [expectedPrev, prevHash];
        return { intact: false, count, broken: { seq: row.seq, id: row.id, problem, expected, actual, previousSeq, message: describeBreak(row, problem, previousSeq) } };
      }
      if (checkpoint && row.seq === checkpoint.seq && hash !== checkpoint.hash) {
        return {
          intact: false,
          count,
          broken: {
            seq: row.seq,
            id: row.id,
            problem: "checkpoint-mismatch",
            expected: checkpoint.hash,
            actual: hash,
            previousSeq,
            message: `event seq ${row.seq} (${row.id}) is not the event the checkpoint recorded at that position: the end of the trail was replaced`,
          },
        };
      }
      expectedPrev = hash;
      lastHash = hash;
      previousSeq = row.seq;
      count += 1;
    }
    options.onProgress?.(count);
    if (rows.length < batchSize) {
      if (checkpoint && (previousSeq === null || previousSeq < checkpoint.seq)) {
        const missingFrom = (previousSeq ?? 0) + 1;
        return {
          intact: false,
          count,
          broken: {
            seq: missingFrom,
            id: "",
            problem: "truncated-tail",
            expected: checkpoint.hash,
            actual: lastHash ?? GENESIS_HASH,
            previousSeq,
            message: `the trail ends at ${previousSeq === null ? "nothing" : `seq ${previousSeq}`}, but the checkpoint recorded events up to seq ${checkpoint.seq} (at ${checkpoint.at.toISOString()}): events at the end were deleted`,
          },
        };
      }
      return { intact: true, count, lastSeq: previousSeq, lastHash: expectedPrev };
    }
  }
}
