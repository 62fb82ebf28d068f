/**
 * Writes N audit events with a valid hash chain, fast: Node computes each event's hash exactly as
 * recordAudit does (auditHash over the previous hash and the event's canonical form) and inserts
 * batches through unnest() with explicit sequence numbers, then points the identity sequence and
 * the checkpoint ("head") at the last event. The caller's session must have triggers off
 * (session_replication_role = replica): the checkpoint trigger would otherwise run per row.
 */
import type { PoolClient } from "pg";
import { auditHash, GENESIS_HASH, type AuditRecord } from "@/lib/domain/audit-chain";
import { prng } from "./dataset-plan";

const ACTIONS = [
  ["deployment.request", "deployment"],
  ["deployment.approve", "deployment"],
  ["build.register", "build"],
  ["release.create", "release"],
  ["config.set", "environment"],
  ["review.create", "environment"],
  ["token.use", "token"],
] as const;

export const AUDIT_BATCH = 10_000;

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/**
 * Appends `count` events spread evenly from `from` to `to` (ms since epoch), after whatever the
 * trail holds already (continuing its chain). Returns the last hash.
 */
export async function writeAuditChain(client: PoolClient, count: number, users: { id: string; email: string }[], from: number, to: number, onBatch?: (written: number) => void): Promise<string> {
  const head = await client.query<{ seq: string; hash: string }>("select seq, hash from audit_events order by seq desc limit 1");
  let seq = head.rows[0] ? Number(head.rows[0].seq) : 0;
  let prev = head.rows[0]?.hash ?? GENESIS_HASH;
  const rand = prng(5);
  const step = (to - from) / Math.max(1, count);
  let lastAt = new Date(from);
  let pending: Promise<unknown> = Promise.resolve();
  for (let written = 0; written < count;) {
    const n = Math.min(AUDIT_BATCH, count - written);
    const cols: unknown[][] = Array.from({ length: 15 }, () => []);
    for (let k = 0; k < n; k++) {
      seq += 1;
      const at = new Date(Math.floor(from + (written + k) * step));
      const user = users[Math.floor(rand() * users.length)]!;
      const [action, targetType] = ACTIONS[Math.floor(rand() * ACTIONS.length)]!;
      const record: AuditRecord = {
        id: `aud_${hex(at.getTime(), 12)}${hex(seq, 20)}`,
        at,
        actorId: user.id,
        actorLabel: user.email,
        action,
        targetType,
        targetId: `${targetType.slice(0, 3)}_${hex(Math.floor(rand() * 1e12), 32)}`,
        outcome: rand() < 0.01 ? "denied" : "allowed",
        reason: rand() < 0.1 ? "scheduled release" : null,
        data: { bench: true, n: seq % 1000 },
        source: rand() < 0.5 ? "ui" : "api",
        ip: "10.0.0.1",
      };
      const hash = auditHash(prev, record);
      const row = [seq, record.id, at.toISOString(), record.actorId, record.actorLabel, record.action, record.targetType, record.targetId, record.outcome, record.reason, JSON.stringify(record.data), record.source, record.ip, prev, hash];
      row.forEach((v, i) => cols[i]!.push(v));
      prev = hash;
      lastAt = at;
    }
    // Double-buffered: the next batch is hashed in Node while PostgreSQL inserts this one.
    await pending;
    pending = client.query(
      `insert into audit_events (seq, id, at, actor_id, actor_label, action, target_type, target_id, outcome, reason, data, source, ip, prev_hash, hash)
       overriding system value
       select * from unnest($1::bigint[], $2::text[], $3::timestamptz[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[], $12::text[], $13::text[], $14::text[], $15::text[])`,
      cols,
    );
    written += n;
    if (onBatch) void pending.then(() => onBatch(written));
  }
  await pending;
  if (count > 0) {
    await client.query(`select setval(pg_get_serial_sequence('audit_events', 'seq'), $1)`, [seq]);
    await client.query(
      `insert into audit_checkpoints (name, seq, hash, at) values ('head', $1, $2, $3)
       on conflict (name) do update set seq = excluded.seq, hash = excluded.hash, at = excluded.at`,
      [seq, prev, lastAt.toISOString()],
    );
  }
  return prev;
}
