import { randomBytes } from "node:crypto";
import { asc, desc, eq, gte, sql } from "drizzle-orm";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openConnection, type Connection } from "@/db/client";
import { migrateAsOwner, ownsAuditTrail } from "@/db/migrate";
import { auditCheckpoints, auditEvents } from "@/db/schema";
import { systemActor, type Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { recordAudit } from "../audit";
import { verifyAuditTrail } from "../audit-verify";

async function record(connection: Connection, actor: Actor, n: number) {
  const clock = fixedClock("2026-04-01T10:00:00Z");
  for (let i = 0; i < n; i++) {
    clock.advance(1000);
    await connection.db.transaction((tx) => recordAudit(tx, actor, clock, { action: "deployment.request", targetType: "deployment", targetId: `dep_${i}` }));
  }
}

describe.each(testDatabases)("the audit chain's head, checkpointed outside the trail, on $name", (database) => {
  let connection: Connection;
  let lead: Actor;
  const verify = () => verifyAuditTrail(contextFor(connection.db, systemActor("cli")));

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    lead = await createTestActor(connection.db, ["delivery-lead"]);
    await record(connection, lead, 6);
  });
  afterAll(() => connection.close());

  it("follows every insert: the newest event's seq and hash", async () => {
    const [newest] = await connection.db.select().from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
    const [head] = await connection.db.select().from(auditCheckpoints);
    expect(head).toMatchObject({ name: "head", seq: newest!.seq, hash: newest!.hash });
    expect(await verify()).toMatchObject({ intact: true, lastSeq: newest!.seq });
  });

  it("cannot be moved back or removed", async () => {
    await expect(connection.db.update(auditCheckpoints).set({ seq: sql`${auditCheckpoints.seq} - 1` })).rejects.toThrow();
    await expect(connection.db.delete(auditCheckpoints)).rejects.toThrow();
    await expect(connection.db.execute(sql`truncate audit_checkpoints`)).rejects.toThrow();
  });

  it("the issue's example: deleting the newest events (triggers off, as replica) no longer verifies intact", async () => {
    const events = await connection.db.select().from(auditEvents).orderBy(asc(auditEvents.seq));
    const keep = events.at(-3)!;
    await connection.db.transaction(async (tx) => {
      // What `session_replication_role = replica` did for the table owner: ordinary triggers do not fire.
      await tx.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_update_or_delete`);
      await tx.delete(auditEvents).where(gte(auditEvents.seq, events.at(-2)!.seq));
      await tx.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_update_or_delete`);
    });
    const result = await verify();
    expect(result.intact).toBe(false);
    if (result.intact) return;
    expect(result.broken).toMatchObject({ seq: keep.seq + 1, problem: "truncated-tail", previousSeq: keep.seq, expected: events.at(-1)!.hash, actual: keep.hash });
    expect(result.broken.message).toContain(`up to seq ${events.at(-1)!.seq}`);
    expect(result.count).toBe(events.length - 2);
  });
});

const serverUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!serverUrl)("on PostgreSQL the application's role does not own the audit trail", () => {
  let owner: Connection & { url?: string };
  let app: Connection;
  let admin: pg.Client;
  const role = `slipway_test_app_${randomBytes(4).toString("hex")}`;

  beforeAll(async () => {
    owner = await testDatabases.find((d) => d.name === "postgres")!.open();
    await loadTestPipeline(owner.db);
    admin = new pg.Client({ connectionString: owner.url });
    await admin.connect();
    await admin.query(`create role ${role} login in role slipway_app`);
    const url = new URL(owner.url!);
    url.username = role;
    app = await openConnection({ url: url.toString() });
  });
  afterAll(async () => {
    await app?.close();
    await admin?.query(`drop owned by ${role}`).catch(() => {});
    await admin?.query(`drop role if exists ${role}`);
    await admin?.end();
    await owner?.close();
  });

  it("may write the application's tables and append audit events, which advance the checkpoint", async () => {
    const lead = await createTestActor(app.db, ["delivery-lead"]);
    await record(app, lead, 2);
    const [newest] = await app.db.select().from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
    const [head] = await app.db.select().from(auditCheckpoints).where(eq(auditCheckpoints.name, "head"));
    expect(head!.seq).toBe(newest!.seq);
  });

  it("is told apart from the owner at start; migrations run through the owner's URL", async () => {
    expect(await ownsAuditTrail(owner)).toBe(true);
    expect(await ownsAuditTrail(app)).toBe(false);
    await expect(migrateAsOwner(app, owner.url)).resolves.toBeUndefined();
  });

  it.each([
    ["rename the audit table", "alter table audit_events rename to audit_events_old", "must be owner of table audit_events"],
    ["disable its triggers", "alter table audit_events disable trigger audit_events_no_update_or_delete", "must be owner of table audit_events"],
    ["switch triggers off for the session", "set session_replication_role = replica", 'permission denied to set parameter "session_replication_role"'],
    ["update an event", "update audit_events set reason = 'edited'", "permission denied for table audit_events"],
    ["delete events", "delete from audit_events", "permission denied for table audit_events"],
    ["truncate the trail", "truncate audit_events", "permission denied for table audit_events"],
    ["move the checkpoint", "update audit_checkpoints set seq = 1", "permission denied for table audit_checkpoints"],
    ["write its own checkpoint", "insert into audit_checkpoints (name, seq, hash, at) values ('other', 1, 'x', now())", "permission denied for table audit_checkpoints"],
  ])("may not %s", async (_label, statement, refusal) => {
    const error = (await app.db.execute(sql.raw(statement)).then(
      () => null,
      (e: unknown) => e,
    )) as (Error & { cause?: Error }) | null;
    expect(error).not.toBeNull();
    expect(error!.cause?.message ?? error!.message).toBe(refusal);
  });
});
