import { desc, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents } from "@/db/schema";
import { systemActor } from "@/lib/auth/actor";
import { parseRoleMap, type OidcRoleMapping } from "@/lib/auth/oidc-roles";
import { can } from "@/lib/auth/policy";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { loadTestPipeline } from "@/lib/testing/fixtures";
import { loadActor, provisionSignedInUser, setUserDisabled } from "../users";

const parsed = parseRoleMap("eng-leads=tech-lead,product=pm");
const mapping: OidcRoleMapping = { claim: "groups", groups: "groups" in parsed ? parsed.groups : new Map() };

describe.each(testDatabases)("roles from the identity provider at sign-in on $name", (database) => {
  let connection: Connection;
  const ctx = () => ({ db: connection.db, clock: fixedClock("2026-03-02T10:00:00Z"), actor: systemActor("ui") });

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(() => connection.close());

  it("a group that grants tech-lead lets the person approve; leaving it removes the right at the next sign-in", async () => {
    const signIn = (groups: unknown) => provisionSignedInUser(ctx(), { email: "Lee@Example.com", name: "Lee" }, [], { mapping, claim: groups });
    const id = (await signIn(["eng-leads", "everyone"]))!;
    let actor = await loadActor(connection.db, id, "ui");
    expect(actor?.roles).toEqual(["viewer", "tech-lead"]);
    expect(can(actor!, "deployment.approve", { role: "tech-lead", requestedBy: "usr_someone_else" })).toBe(true);

    const [granted] = await connection.db.select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(desc(auditEvents.seq)).limit(1);
    expect(granted).toMatchObject({ action: "user.roles.sync", data: expect.objectContaining({ groups: ["eng-leads", "everyone"], added: ["tech-lead"], removed: [] }) });

    expect(await signIn(["everyone"])).toBe(id);
    actor = await loadActor(connection.db, id, "ui");
    expect(actor?.roles).toEqual(["viewer"]);
    expect(can(actor!, "deployment.approve", { role: "tech-lead", requestedBy: "usr_someone_else" })).toBe(false);
    const [revoked] = await connection.db.select().from(auditEvents).where(eq(auditEvents.targetId, id)).orderBy(desc(auditEvents.seq)).limit(1);
    expect(revoked).toMatchObject({ action: "user.roles.sync", data: expect.objectContaining({ before: ["viewer", "tech-lead"], after: ["viewer"], removed: ["tech-lead"] }) });
  });

  it("an unchanged sign-in writes no audit event; roles the mapping never grants stay", async () => {
    const id = (await provisionSignedInUser(ctx(), { email: "root@example.com" }, ["root@example.com"], { mapping, claim: ["product"] }))!;
    expect((await loadActor(connection.db, id, "ui"))?.roles).toEqual(["viewer", "pm", "admin"]);
    const count = async () => (await connection.db.select().from(auditEvents).where(eq(auditEvents.targetId, id))).length;
    const events = await count();
    await provisionSignedInUser(ctx(), { email: "root@example.com" }, [], { mapping, claim: ["product"] });
    expect(await count()).toBe(events);
    expect((await loadActor(connection.db, id, "ui"))?.roles).toEqual(["viewer", "pm", "admin"]);
  });

  it("without a mapping a new person starts as a viewer and keeps the roles admins give", async () => {
    const id = (await provisionSignedInUser(ctx(), { email: "new@example.com" }, []))!;
    expect((await loadActor(connection.db, id, "ui"))?.roles).toEqual(["viewer"]);
  });

  it("a disabled account is refused and its roles are left alone", async () => {
    const id = (await provisionSignedInUser(ctx(), { email: "gone@example.com" }, [], { mapping, claim: ["eng-leads"] }))!;
    const admin = (await provisionSignedInUser(ctx(), { email: "boss@example.com" }, ["boss@example.com"]))!;
    const adminActor = (await loadActor(connection.db, admin, "ui"))!;
    await setUserDisabled({ ...ctx(), actor: adminActor }, { userId: id, disabled: true });
    expect(await provisionSignedInUser(ctx(), { email: "gone@example.com" }, [], { mapping, claim: [] })).toBeNull();
    expect((await loadActor(connection.db, id, "ui"))?.roles).toEqual(["viewer", "tech-lead"]);
  });
});
