import { desc, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { auditEvents } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { auditHash, GENESIS_HASH, type AuditRecord } from "@/lib/domain/audit-chain";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";

export interface AuditInput {
  action: string;
  targetType: string;
  targetId?: string | null | undefined;
  reason?: string | null | undefined;
  data?: Record<string, unknown> | undefined;
  outcome?: "allowed" | "denied";
}

// Serialises audit writes so each event's prev_hash is the hash of the event committed just before it.
const AUDIT_CHAIN_LOCK = 0x5117_a0d1;

/** The event `input` by `actor` now, as hashed into the chain (a new id; no hashes yet). */
export function auditRecordOf(actor: Actor, clock: Clock, input: AuditInput): AuditRecord {
  return {
    id: newId("aud"),
    at: clock.now(),
    actorId: actor.id,
    actorLabel: actor.kind === "user" ? actor.email : actor.name,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId ?? null,
    outcome: input.outcome ?? "allowed",
    reason: input.reason ?? null,
    data: input.data ?? {},
    source: actor.via,
    ip: actor.ip ?? null,
  };
}

/**
 * Appends one event to the audit trail. Call it inside the transaction of the change it records, so
 * the change and its record commit (or roll back) together.
 */
export async function recordAudit(tx: Db, actor: Actor, clock: Clock, input: AuditInput): Promise<string> {
  await tx.execute(sql`select pg_advisory_xact_lock(${AUDIT_CHAIN_LOCK})`);
  const [last] = await tx.select({ hash: auditEvents.hash }).from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
  const record = auditRecordOf(actor, clock, input);
  const prevHash = last?.hash ?? GENESIS_HASH;
  await tx.insert(auditEvents).values({
    ...record,
    data: input.data ?? {},
    source: actor.via,
    prevHash,
    hash: auditHash(prevHash, record),
  });
  return record.id;
}
