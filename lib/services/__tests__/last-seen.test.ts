import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, users } from "@/db/schema";
import { SYSTEM_USER } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { countStatements } from "@/lib/testing/statement-count";
import { loadPortalSession } from "../portal-session";
import { listTeamOptions } from "../portfolio";
import { listUsers, loadActor, recordSeen } from "../users";

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

  it("a page's session read (person + header) records them seen, and costs one statement while the last-seen time is fresh", async () => {
    const person = await createTestActor(connection.db, ["developer"], "pages");
    const first = await countStatements(connection, () => loadPortalSession(connection.db, fixedClock("2026-03-03T09:00:00Z"), person.id, "10.0.0.7"));
    expect(first.result?.actor.id).toBe(person.id);
    expect(first.statements).toBe(2); // the read + the UPDATE of a person never seen
    // The same person, roles and grants as the API's own read; the header's data with it.
    expect(first.result?.actor).toEqual({ ...(await loadActor(connection.db, person.id, "ui", "10.0.0.7")), ip: "10.0.0.7" });
    expect(first.result?.pipelines).toEqual([{ id: expect.any(String), name: "shop" }]);
    expect(first.result?.teams).toEqual(await listTeamOptions(connection.db));
    expect(first.result?.waiting).toEqual([]);
    const again = await countStatements(connection, () => loadPortalSession(connection.db, fixedClock("2026-03-03T09:00:40Z"), person.id, undefined));
    expect([again.result?.actor.id, again.statements]).toEqual([person.id, 1]);
    const later = await countStatements(connection, () => loadPortalSession(connection.db, fixedClock("2026-03-03T09:02:00Z"), person.id, undefined));
    expect(later.statements).toBe(2);
    const [row] = await connection.db.select({ lastSeenAt: users.lastSeenAt }).from(users).where(eq(users.id, person.id));
    expect(row?.lastSeenAt).toEqual(new Date("2026-03-03T09:02:00Z"));
  });

  it("no session for a disabled, unknown or system person; a disabled one is not recorded as seen", async () => {
    const person = await createTestActor(connection.db, ["developer"], "gone");
    await connection.db
      .update(users)
      .set({ disabledAt: new Date("2026-03-01T00:00:00Z") })
      .where(eq(users.id, person.id));
    expect((await loadActor(connection.db, person.id, "ui"))?.disabled).toBe(true);
    expect(await loadPortalSession(connection.db, fixedClock("2026-03-03T09:00:00Z"), person.id, undefined)).toBeNull();
    expect(await loadPortalSession(connection.db, fixedClock("2026-03-03T09:00:00Z"), "usr_nobody", undefined)).toBeNull();
    expect(await loadPortalSession(connection.db, fixedClock("2026-03-03T09:00:00Z"), SYSTEM_USER.id, undefined)).toBeNull();
    const [row] = await connection.db.select({ lastSeenAt: users.lastSeenAt }).from(users).where(eq(users.id, person.id));
    expect(row?.lastSeenAt).toBeNull();
  });
});
