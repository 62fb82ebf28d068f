import { asc, like } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { PlatformRegistry } from "@/lib/platform/registry";
import { verifyAuditTrail } from "@/lib/services/audit-verify";
import { recordAudits } from "@/lib/services/audit-batch";
import { testDatabases } from "@/lib/testing/databases";
import { FakePlatform } from "@/lib/testing/fake-platform";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease, placeRelease } from "@/lib/testing/releases";
import { detectDrift } from "../drift";
import { countSettledAbsent, driftCellPages } from "../drift-cells";
import { recordedSpecPages } from "../specs";

describe.each(testDatabases)("drift at scale: batched writes, settled cells left unread on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  const clock = fixedClock("2026-03-05T09:00:00Z");
  const platform = new FakePlatform();
  const lines: string[] = [];
  const detect = () => detectDrift(connection.db, PlatformRegistry.single(platform), clock, (line) => void lines.push(line));
  const driftAudits = () => connection.db.select().from(auditEvents).where(like(auditEvents.action, "drift.%")).orderBy(asc(auditEvents.seq));
  const unread = async () => {
    const read: string[] = [];
    for await (const page of driftCellPages(connection.db, { skipSettledAbsent: [] })) read.push(...page.map((c) => `${c.environment}/${c.app}`));
    return read;
  };

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    admin = await createTestActor(connection.db, ["admin"]);
    const release = await makeRelease(connection.db, admin, "1.0.0");
    for (const [i, name] of ["dev", "qa", "uat", "staging"].entries()) await placeRelease(connection.db, name, release.id, new Date(Date.UTC(2026, 2, 2, 10, i)), admin.id);
  });
  afterAll(async () => {
    await connection?.close();
  });

  it("records every cell the platform runs nowhere, one audit event per cell, with the hash chain intact", async () => {
    expect(await detect()).toEqual({ checked: 12, drifting: 12 });
    const events = await driftAudits();
    expect(events).toHaveLength(12);
    expect(new Set(events.map((e) => `${e.targetId}/${(e.data as { app: string }).app}`)).size).toBe(12);
    expect(events.every((e) => e.action === "drift.detected" && (e.data as { kind: string }).kind === "not-running")).toBe(true);
    expect(await verifyAuditTrail({ db: connection.db, actor: admin, clock })).toMatchObject({ intact: true });
  });

  it("then neither reads nor writes those cells while nothing runs there, yet still counts them as drifting", async () => {
    expect(await countSettledAbsent(connection.db, [])).toBe(12);
    expect(await unread()).toEqual([]);
    lines.length = 0;
    expect(await detect()).toEqual({ checked: 12, drifting: 12 });
    expect(await driftAudits()).toHaveLength(12);
    expect(lines).toEqual([]);
  });

  it("reads a cell again once its app runs, and clears it (one drift.cleared)", async () => {
    for await (const page of recordedSpecPages(connection.db)) for (const plan of page) if (plan.spec.environment === "qa" && plan.app === "portal") await platform.ensureActive(plan.spec);
    expect(await countSettledAbsent(connection.db, [{ environment: "qa", app: "portal" }])).toBe(11);
    expect(await detect()).toEqual({ checked: 12, drifting: 11 });
    const events = await driftAudits();
    expect(events.slice(12)).toMatchObject([{ action: "drift.cleared", targetId: "shop/qa", data: { app: "portal", kind: "not-running" } }]);
    expect(lines).toEqual(["qa/portal: drift cleared (was: not running)"]);
    expect(await verifyAuditTrail({ db: connection.db, actor: admin, clock })).toMatchObject({ intact: true });
  });

  it("recordAudits chains a batch exactly as recordAudit one by one would (the trail verifies), in the order given", async () => {
    const ids = await connection.db.transaction((tx) =>
      recordAudits(
        tx,
        admin,
        clock,
        Array.from({ length: 2_500 }, (_, i) => ({ action: "test.batch", targetType: "test", targetId: `t-${i}`, data: { i } })),
      ),
    );
    expect(ids).toHaveLength(2_500);
    const rows = await connection.db.select({ id: auditEvents.id, targetId: auditEvents.targetId }).from(auditEvents).where(like(auditEvents.action, "test.batch")).orderBy(asc(auditEvents.seq));
    expect(rows.map((r) => r.id)).toEqual(ids);
    expect(rows.at(-1)!.targetId).toBe("t-2499");
    expect(await connection.db.transaction((tx) => recordAudits(tx, admin, clock, []))).toEqual([]);
    expect(await verifyAuditTrail({ db: connection.db, actor: admin, clock })).toMatchObject({ intact: true });
  });
});
