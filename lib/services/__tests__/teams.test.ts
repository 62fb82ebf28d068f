import type { PipelineConfig } from "@/lib/config/schema";
import { and, count, eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { auditEvents, pipelines, roleMemberships, teams } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { parseRoleMap } from "@/lib/auth/oidc-roles";
import { systemActor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor } from "@/lib/testing/fixtures";
import { authorize, withDeniedAudit } from "../authorize";
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from "../errors";
import { createTeam, deleteTeam, getTeam, listTeams, setPipelineOwner, setTeamMember, updateTeam } from "../teams";
import { authenticateToken, createToken, listTokens } from "../tokens";
import { loadActor, provisionSignedInUser } from "../users";

describe.each(testDatabases)("teams and scoped grants on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let lead: Actor;
  const pipelineIds: Record<string, string> = {};

  async function snapshot() {
    const db = connection.db;
    const [t] = await db.select({ n: count() }).from(teams);
    const [g] = await db.select({ n: count() }).from(roleMemberships);
    const [a] = await db.select({ n: count() }).from(auditEvents);
    const owners = await db.select({ name: pipelines.name, teamId: pipelines.teamId }).from(pipelines);
    return { teams: t!.n, grants: g!.n, audit: a!.n, owners };
  }

  beforeAll(async () => {
    connection = await database.open();
    for (const name of ["shop", "ledger", "handbook"]) {
      pipelineIds[name] = newId("pip");
      await connection.db.insert(pipelines).values({ id: pipelineIds[name]!, name, configHash: name, config: {} as PipelineConfig });
    }
    admin = await createTestActor(connection.db, ["admin"], "admin");
    lead = await createTestActor(connection.db, [], "lead");
  });
  afterAll(() => connection.close());

  it("creates teams, assigns owners and grants team roles, each with its audit event", async () => {
    const ctx = contextFor(connection.db, admin);
    const storefront = await createTeam(ctx, { name: "storefront", displayName: "Storefront" });
    await createTeam(ctx, { name: "platform", oidcGroup: "platform-eng" });
    expect(storefront).toMatchObject({ name: "storefront", displayName: "Storefront", oidcGroup: null, pipelines: [], members: [] });
    expect(await setPipelineOwner(ctx, "shop", { team: "storefront" })).toEqual({ pipeline: "shop", team: "storefront" });
    await setPipelineOwner(ctx, "ledger", { team: "platform" });
    const after = await setTeamMember(ctx, "storefront", { user: lead.email, roles: ["tech-lead"] });
    expect(after.pipelines).toEqual(["shop"]);
    expect(after.members).toEqual([{ userId: lead.id, email: lead.email, name: lead.name, roles: ["tech-lead"], pipelineRoles: [] }]);

    const events = await connection.db.select().from(auditEvents).where(eq(auditEvents.actorId, admin.id));
    expect(events.map((e) => e.action)).toEqual(["team.create", "team.create", "pipeline.owner.set", "pipeline.owner.set", "team.members.set"]);
    // A pipeline's events name it as people know it.
    expect(events.filter((e) => e.targetType === "pipeline").map((e) => e.targetId)).toEqual(["shop", "ledger"]);
    expect(events.at(-1)!.data).toMatchObject({ team: "storefront", email: lead.email, scope: "team", before: [], after: ["tech-lead"] });

    // The grant counts for shop (owned by storefront) and nowhere else.
    const actor = (await loadActor(connection.db, lead.id, "ui"))!;
    expect(actor.roles).toEqual([]);
    const shop = await connection.db.query.pipelines.findFirst({ where: eq(pipelines.name, "shop") });
    const ledger = await connection.db.query.pipelines.findFirst({ where: eq(pipelines.name, "ledger") });
    expect(() => authorize({ actor }, "deployment.approve", { type: "deployment", role: "tech-lead", pipeline: { id: shop!.id, teamId: shop!.teamId } })).not.toThrow();
    expect(() => authorize({ actor }, "deployment.approve", { type: "deployment", role: "tech-lead", pipeline: { id: ledger!.id, teamId: ledger!.teamId } })).toThrow(ForbiddenError);
  });

  it("grants roles in one pipeline the team owns, and lists them per pipeline", async () => {
    const ctx = contextFor(connection.db, admin);
    const dev = await createTestActor(connection.db, ["viewer"], "ledger-dev");
    const team = await setTeamMember(ctx, "platform", { user: dev.email, roles: ["developer"], pipeline: "ledger" });
    expect(team.members.find((m) => m.userId === dev.id)).toMatchObject({ roles: [], pipelineRoles: [{ pipeline: "ledger", roles: ["developer"] }] });
    const actor = (await loadActor(connection.db, dev.id, "ui"))!;
    expect(actor.grants).toContainEqual({ role: "developer", scope: "pipeline", scopeId: pipelineIds.ledger });
    // Removing: roles [].
    const removed = await setTeamMember(ctx, "platform", { user: dev.email, roles: [], pipeline: "ledger" });
    expect(removed.members.find((m) => m.userId === dev.id)).toBeUndefined();
  });

  it("bad input gets a specific error and changes nothing", async () => {
    const ctx = contextFor(connection.db, admin);
    const before = await snapshot();
    await expect(createTeam(ctx, { name: "Not A Label" })).rejects.toThrow(ValidationError);
    await expect(createTeam(ctx, { name: "storefront" })).rejects.toMatchObject({ code: "duplicate_team" });
    await expect(createTeam(ctx, { name: "other", oidcGroup: "platform-eng" })).rejects.toMatchObject({ code: "duplicate_oidc_group" });
    await expect(createTeam(ctx, { name: "x", extra: 1 })).rejects.toThrow(ValidationError);
    await expect(updateTeam(ctx, "nope", { displayName: "N" })).rejects.toThrow(NotFoundError);
    await expect(updateTeam(ctx, "storefront", {})).rejects.toThrow(ValidationError);
    await expect(updateTeam(ctx, "storefront", { name: "platform" })).rejects.toThrow(ConflictError);
    await expect(setPipelineOwner(ctx, "shop", { team: "ghosts" })).rejects.toThrow(/No team named ghosts/);
    await expect(setPipelineOwner(ctx, "nowhere", { team: "storefront" })).rejects.toThrow(NotFoundError);
    await expect(setTeamMember(ctx, "storefront", { user: lead.email, roles: ["tech-lead"], pipeline: "nowhere" })).rejects.toThrow(/No pipeline named nowhere/);
    await expect(setTeamMember(ctx, "storefront", { user: lead.email, roles: ["developer"], pipeline: "ledger" })).rejects.toThrow(/not owned by team storefront/);
    await expect(setTeamMember(ctx, "storefront", { user: "nobody@example.com", roles: ["developer"] })).rejects.toMatchObject({ fields: { user: expect.any(String) } });
    await expect(setTeamMember(ctx, "storefront", { user: lead.email, roles: ["wizard"] })).rejects.toThrow(ValidationError);
    await expect(setTeamMember(ctx, "ghosts", { user: lead.email, roles: ["developer"] })).rejects.toThrow(NotFoundError);
    await expect(deleteTeam(ctx, "storefront")).rejects.toMatchObject({ code: "team_owns_pipelines", message: expect.stringContaining("owns shop") });
    await expect(deleteTeam(ctx, "ghosts")).rejects.toThrow(NotFoundError);
    expect(await snapshot()).toEqual(before);
  });

  it("only global admins manage teams: a team's admin cannot, and refusals are audited", async () => {
    const teamAdmin = await createTestActor(connection.db, [], "team-admin");
    await setTeamMember(contextFor(connection.db, admin), "storefront", { user: teamAdmin.email, roles: ["admin"] });
    const actor = (await loadActor(connection.db, teamAdmin.id, "api"))!;
    const ctx = contextFor(connection.db, actor);
    const before = await snapshot();
    await expect(withDeniedAudit(connection.db, actor, ctx.clock, () => setPipelineOwner(ctx, "ledger", { team: "storefront" }))).rejects.toThrow(ForbiddenError);
    await expect(setTeamMember(ctx, "platform", { user: teamAdmin.email, roles: ["admin"] })).rejects.toThrow(ForbiddenError);
    await expect(createTeam(ctx, { name: "mine" })).rejects.toThrow(ForbiddenError);
    const after = await snapshot();
    expect(after).toEqual({ ...before, audit: before.audit + 1 });
    const [denied] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.actorId, teamAdmin.id), eq(auditEvents.outcome, "denied")));
    expect(denied).toMatchObject({ action: "team.manage", targetType: "pipeline" });
  });

  it("renames a team and deletes one that owns nothing, with its grants", async () => {
    const ctx = contextFor(connection.db, admin);
    await createTeam(ctx, { name: "tmp" });
    await setTeamMember(ctx, "tmp", { user: lead.email, roles: ["developer", "pm"] });
    const renamed = await updateTeam(ctx, "tmp", { name: "scratch", displayName: "Scratch", oidcGroup: "scratchers" });
    expect(renamed).toMatchObject({ name: "scratch", displayName: "Scratch", oidcGroup: "scratchers" });
    expect(renamed.members[0]!.roles).toEqual(["developer", "pm"]);
    await deleteTeam(ctx, "scratch");
    await expect(getTeam(ctx, "scratch")).rejects.toThrow(NotFoundError);
    const leftover = await connection.db.select().from(roleMemberships).where(eq(roleMemberships.scopeId, renamed.id));
    expect(leftover).toEqual([]);
    const [event] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "team.delete"), eq(auditEvents.targetId, renamed.id)));
    expect(event!.data).toMatchObject({ name: "scratch", removedGrants: expect.arrayContaining([{ userId: lead.id, role: "pm" }]) });
    expect((await listTeams(ctx)).map((t) => t.name)).toEqual(["platform", "storefront"]);
  });

  it("a token restricted to a pipeline: shown in the list, refused on another pipeline with a 403 that is audited", async () => {
    const ctx = contextFor(connection.db, admin);
    await expect(createToken(ctx, { userId: lead.id, name: "bad", pipeline: "nowhere" })).rejects.toMatchObject({ fields: { pipeline: expect.any(String) } });
    // A role held only in a team may be chosen for the token.
    const { token, summary } = await createToken(ctx, { userId: lead.id, name: "shop-ci", pipeline: "shop", roles: ["tech-lead"] });
    expect(summary.pipeline).toBe("shop");
    expect((await listTokens(connection.db)).find((t) => t.id === summary.id)?.pipeline).toBe("shop");
    const actor = (await authenticateToken(connection.db, ctx.clock, token))!;
    expect(actor).toMatchObject({ pipelineRestriction: pipelineIds.shop, pipelineRestrictionName: "shop" });
    const shop = { id: pipelineIds.shop!, teamId: (await connection.db.query.pipelines.findFirst({ where: eq(pipelines.id, pipelineIds.shop!) }))!.teamId };
    expect(() => authorize({ actor }, "deployment.approve", { type: "deployment", role: "tech-lead", pipeline: shop })).not.toThrow();

    const ledger = { id: pipelineIds.ledger!, teamId: null };
    const refused = withDeniedAudit(connection.db, actor, ctx.clock, async () => authorize({ actor }, "deployment.request", { type: "environment", id: "env_x", pipeline: ledger }));
    await expect(refused).rejects.toMatchObject({ status: 403, message: "Not allowed: this token is restricted to pipeline shop." });
    const [event] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.actorId, lead.id), eq(auditEvents.outcome, "denied")));
    expect(event).toMatchObject({ action: "deployment.request", targetType: "environment", targetId: "env_x", source: "api", reason: "Not allowed: this token is restricted to pipeline shop." });

    // Org-wide mutations are refused too, even for an admin's restricted token.
    const adminToken = await createToken(ctx, { name: "admin-shop", pipeline: "shop" });
    const adminActor = (await authenticateToken(connection.db, ctx.clock, adminToken.token))!;
    await expect(createTeam(contextFor(connection.db, adminActor), { name: "sneaky" })).rejects.toThrow(/restricted to pipeline shop/);
  });

  it("OIDC groups naming a team make the person a member with the mapped roles, in that team only", async () => {
    const parsed = parseRoleMap("platform-eng=tech-lead,everyone=developer");
    if ("problems" in parsed) throw new Error("bad map");
    const mapping = { claim: "groups", groups: parsed.groups };
    const ctx = { db: connection.db, clock: fixedClock("2026-03-02T10:00:00Z"), actor: systemActor("ui") };
    const id = (await provisionSignedInUser(ctx, { email: "oidc@example.com" }, [], { mapping, claim: ["platform-eng", "everyone"] }, { claim: ["platform-eng", "everyone"] }))!;
    let actor = (await loadActor(connection.db, id, "ui"))!;
    const platform = (await getTeam(ctx, "platform"))!;
    // The team's group grants tech-lead in platform only; the other group still grants globally.
    expect(actor.roles).toEqual(["viewer", "developer"]);
    expect(actor.grants).toContainEqual({ role: "tech-lead", scope: "team", scopeId: platform.id });
    // An admin's grant in the team stays when the person leaves the group; the provider's goes.
    await setTeamMember(contextFor(connection.db, admin), "platform", { user: "oidc@example.com", roles: ["tech-lead", "pm"] });
    await provisionSignedInUser(ctx, { email: "oidc@example.com" }, [], { mapping, claim: ["everyone"] }, { claim: ["everyone"] });
    actor = (await loadActor(connection.db, id, "ui"))!;
    expect(
      actor.grants
        .filter((g) => g.scope === "team")
        .map((g) => g.role)
        .sort(),
    ).toEqual(["pm"]);
    const sync = await connection.db.select().from(auditEvents).where(eq(auditEvents.action, "team.members.sync"));
    expect(sync.map((e) => e.data as { added: string[]; removed: string[] })).toEqual([expect.objectContaining({ added: ["tech-lead"], removed: [] }), expect.objectContaining({ added: [], removed: ["tech-lead"] })]);
  });

  it("unlinking a team's OIDC group takes away the roles that group gave, and keeps the ones an admin gave", async () => {
    const parsed = parseRoleMap("scratch-eng=developer");
    if ("problems" in parsed) throw new Error("bad map");
    const mapping = { claim: "groups", groups: parsed.groups };
    const system = { db: connection.db, clock: fixedClock("2026-03-02T10:00:00Z"), actor: systemActor("ui") };
    const adminCtx = contextFor(connection.db, admin);
    await createTeam(adminCtx, { name: "linked", oidcGroup: "scratch-eng" });
    const id = (await provisionSignedInUser(system, { email: "grouped@example.com" }, [], { mapping, claim: ["scratch-eng"] }, { claim: ["scratch-eng"] }))!;
    await setTeamMember(adminCtx, "linked", { user: lead.email, roles: ["pm"] });
    const team = (await getTeam(adminCtx, "linked"))!;
    const teamRoles = async (userId: string) => (await loadActor(connection.db, userId, "ui"))!.grants.filter((g) => g.scopeId === team.id).map((g) => g.role);
    expect(await teamRoles(id)).toEqual(["developer"]);

    await updateTeam(adminCtx, "linked", { oidcGroup: null });
    expect(await teamRoles(id)).toEqual([]);
    expect(await teamRoles(lead.id)).toEqual(["pm"]);
    const [event] = await connection.db
      .select()
      .from(auditEvents)
      .where(and(eq(auditEvents.action, "team.update"), eq(auditEvents.targetId, team.id)));
    expect((event!.data as { revokedFromGroup: unknown }).revokedFromGroup).toEqual([{ userId: id, role: "developer" }]);
  });

  it("rejects a scope row the database cannot make sense of", async () => {
    await expect(connection.db.insert(roleMemberships).values({ userId: lead.id, role: "pm", scope: "global", scopeId: "tea_x" })).rejects.toThrow();
    await expect(connection.db.insert(roleMemberships).values({ userId: lead.id, role: "pm", scope: "team", scopeId: "" })).rejects.toThrow();
  });
});
