import { asc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents } from "@/db/schema";
import { systemActor, type Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { recordAudit } from "../audit";
import { verifyAuditTrail } from "../audit-verify";
import { ForbiddenError } from "../errors";

describe.each(testDatabases)("audit trail verification on $name", (database) => {
  let connection: Connection;
  let lead: Actor;
  const ctx = () => contextFor(connection.db, systemActor("cli"));

  /** Runs `change` with the append-only trigger switched off, as a superuser could. */
  async function behindTheTriggersBack(change: () => Promise<unknown>) {
    await connection.db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete`);
    try {
      await change();
    } finally {
      await connection.db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete`);
    }
  }

  async function allEvents() {
    return connection.db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
  }

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["delivery-lead"], "lead");
    const clock = fixedClock("2026-03-02T10:00:00Z");
    for (let i = 1; i <= 7; i++) {
      clock.advance(60_000);
      await connection.db.transaction((tx) =>
        recordAudit(tx, lead, clock, {
          action: i % 2 ? "deployment.request" : "deployment.approve",
          targetType: "deployment",
          targetId: `dep_${i}`,
          reason: i === 3 ? 'ship it, "now"' : null,
          // Keys in an order jsonb will not keep, nested values, and a Date: the hash must survive the round trip.
          data: { zeta: i, alpha: { list: [3, 1, 2], at: new Date("2026-03-02T10:00:00Z") }, skipped: undefined },
        }),
      );
    }
  });
  afterAll(() => connection.close());

  it("an untouched trail is intact: every event counted, the last hash reported", async () => {
    const events = await allEvents();
    const progress: number[] = [];
    const result = await verifyAuditTrail(ctx(), { batchSize: 3, onProgress: (n) => progress.push(n) });
    expect(result).toEqual({ intact: true, count: events.length, lastSeq: events.at(-1)!.seq, lastHash: events.at(-1)!.hash });
    expect(progress.at(-1)).toBe(events.length);
    expect(progress.length).toBeGreaterThan(2);
  });

  it("the trigger refuses an ordinary edit", async () => {
    const [first] = await allEvents();
    await expect(connection.db.update(auditEvents).set({ reason: "changed" }).where(eq(auditEvents.seq, first!.seq))).rejects.toThrow();
  });

  it("a row edited behind the trigger's back is named: exactly that seq, as a hash mismatch", async () => {
    const events = await allEvents();
    const victim = events.at(-4)!;
    await behindTheTriggersBack(() =>
      connection.db
        .update(auditEvents)
        .set({ data: { ...(victim.data as object), zeta: 99 } })
        .where(eq(auditEvents.seq, victim.seq)),
    );

    const result = await verifyAuditTrail(ctx(), { batchSize: 2 });
    expect(result.intact).toBe(false);
    if (result.intact) return;
    expect(result.broken).toMatchObject({ seq: victim.seq, id: victim.id, problem: "hash-mismatch", actual: victim.hash });
    expect(result.broken.message).toContain(`seq ${victim.seq}`);
    expect(result.broken.message).toContain("edited");
    expect(result.count).toBe(events.indexOf(victim));

    // Put the original content back: the chain is whole again, which shows the check is about content.
    await behindTheTriggersBack(() => connection.db.update(auditEvents).set({ data: victim.data }).where(eq(auditEvents.seq, victim.seq)));
    expect((await verifyAuditTrail(ctx())).intact).toBe(true);
  });

  it("a deleted row breaks the link of the event after it", async () => {
    const events = await allEvents();
    const deleted = events.at(-3)!;
    const before = events.at(-4)!;
    const after = events.at(-2)!;
    await behindTheTriggersBack(() => connection.db.delete(auditEvents).where(eq(auditEvents.seq, deleted.seq)));

    const result = await verifyAuditTrail(ctx());
    expect(result.intact).toBe(false);
    if (result.intact) return;
    expect(result.broken).toMatchObject({ seq: after.seq, id: after.id, problem: "prev-hash-mismatch", expected: before.hash, actual: deleted.hash, previousSeq: before.seq });
    expect(result.broken.message).toContain("deleted");
    // The trigger is back on.
    await expect(connection.db.delete(auditEvents).where(eq(auditEvents.seq, after.seq))).rejects.toThrow();
  });

  it("only people who may read the audit trail may verify it", async () => {
    const developer = await createTestActor(connection.db, ["developer"], "dev");
    await expect(verifyAuditTrail(contextFor(connection.db, developer))).rejects.toBeInstanceOf(ForbiddenError);
    await expect(verifyAuditTrail(contextFor(connection.db, lead))).resolves.toMatchObject({ intact: false });
  });
});

describe.each(testDatabases)("an empty audit trail on $name", (database) => {
  it("is intact, with the genesis hash", async () => {
    const connection = await database.open();
    try {
      const result = await verifyAuditTrail(contextFor(connection.db, systemActor("cli")));
      expect(result).toEqual({ intact: true, count: 0, lastSeq: null, lastHash: "0".repeat(64) });
    } finally {
      await connection.close();
    }
  });
});
