import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json";

/** The fields of an audit event that its hash covers (everything but the hash and sequence number). */
export interface AuditRecord {
  id: string;
  at: Date;
  actorId: string | null;
  actorLabel: string;
  action: string;
  targetType: string;
  targetId: string | null;
  outcome: "allowed" | "denied";
  reason: string | null;
  data: unknown;
  source: string;
  ip: string | null;
}

export const GENESIS_HASH = "0".repeat(64);

/** sha256 over the previous event's hash and this event's canonical form: a tamper-evident chain. */
export function auditHash(prevHash: string, record: AuditRecord): string {
  const body = canonicalJson({ ...record, at: record.at.toISOString() });
  return createHash("sha256").update(prevHash).update("\n").update(body).digest("hex");
}
