import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, users } from "@/db/schema";
import { SYSTEM_USER } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { countStatements } from "@/lib/testing/statement-count";
import { listUsers, loadSeenActor, recordSeen } from "../users";

describe.each(testDatabases)("last seen on $name", (database) => {
  let connection: Connection;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(() => connection.close());

  it("a person seen for the first time gets a last-seen time, refreshed at most once a minute", async () => {
    const person = await createTestActor(connection.db, ["developer"], "seen");
    const before = (await listUsers(connection.db)).find((u) => u.id === person.id);
    expect(before?.lastSeenAt).toBeNull();
    const auditBefore = (await connection.db.select().from(auditEvents)).length;

    expect(await recordSeen(connection.db, fixedClock("2026-03-02T10:00:00Z"), person.id)).toBe(true);
    expect((await listUsers(connection.db)).find((u) => u.id === person.id)?.lastSeenAt).toEqual(new Date("2026-03-02T10:00:00Z"));

    expect(await recordSeen(connection.db, fixedClock("2026-03-02T10:00:30Z"), person.id)).toBe(false);
    expect(await recordSeen(connection.db, fixedClock("2026-03-02T10:05:00Z"), person.id)).toBe(true);
    const [row] = await connection.db.select({ lastSeenAt: users.lastSeenAt }).from(users).where(eq(users.id, person.id));
    expect(row?.lastSeenAt).toEqual(new Date("2026-03-02T10:05:00Z"));
    // An observation, not a change someone made: no audit event.
    expect((await connection.db.select().from(auditEvents)).length).toBe(auditBefore);
  });

  it("never marks Slipway's own users or unknown ids as seen", async () => {
    expect(await recordSeen(connection.db, fixedClock("2026-03-02T10:00:00Z"), SYSTEM_USER.id)).toBe(false);
    expect(await recordSeen(connection.db, fixedClock("2026-03-02T10:00:00Z"), "usr_nobody")).toBe(false);
  });

  it("loading the signed-in person records them seen, and costs one statement while the last-seen time is fresh", async () => {
    const person = await createTestActor(connection.db, ["developer"], "pages");
    const first = await countStatements(connection, () => loadSeenActor(connection.db, fixedClock("2026-03-03T09:00:00Z"), person.id, "ui"));
    expect(first.result?.id).toBe(person.id);
    expect(first.statements).toBe(2); // load + the UPDATE of a person never seen
    const again = await countStatements(connection, () => loadSeenActor(connection.db, fixedClock("2026-03-03T09:00:40Z"), person.id, "ui"));
    expect([again.result?.id, again.statements]).toEqual([person.id, 1]);
    const later = await countStatements(connection, () => loadSeenActor(connection.db, fixedClock("2026-03-03T09:02:00Z"), person.id, "ui"));
    expect(later.statements).toBe(2);
    const [row] = await connection.db.select({ lastSeenAt: users.lastSeenAt }).from(users).where(eq(users.id, person.id));
    expect(row?.lastSeenAt).toEqual(new Date("2026-03-03T09:02:00Z"));
  });

  it("a disabled person is loaded (so the session can refuse them) but not recorded as seen", async () => {
    const person = await createTestActor(connection.db, ["developer"], "gone");
    await connection.db
      .update(users)
      .set({ disabledAt: new Date("2026-03-01T00:00:00Z") })
      .where(eq(users.id, person.id));
    const actor = await loadSeenActor(connection.db, fixedClock("2026-03-03T09:00:00Z"), person.id, "ui");
    expect(actor?.disabled).toBe(true);
    const [row] = await connection.db.select({ lastSeenAt: users.lastSeenAt }).from(users).where(eq(users.id, person.id));
    expect(row?.lastSeenAt).toBeNull();
  });
});
