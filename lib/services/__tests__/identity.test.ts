import { desc, eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apiTokens, auditEvents } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { testDatabases } from "@/lib/testing/databases";
import { contextFor, createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { withDeniedAudit } from "../authorize";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "../errors";
import { authenticateToken, createToken, listTokens, listVisibleTokens, revokeToken } from "../tokens";
import { createUser, listUsers, setUserDisabled, setUserRoles } from "../users";

describe.each(testDatabases)("tokens and users on $name", (database) => {
  let connection: Connection;
  let admin: Actor;
  let developer: Actor;

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    admin = await createTestActor(connection.db, ["admin"], "admin");
    developer = await createTestActor(connection.db, ["developer"], "dev");
  });
  afterAll(() => connection.close());

  it("creates a token shown once, stored only as a hash, that authenticates as its owner", async () => {
    const { token, summary } = await createToken(contextFor(connection.db, admin), { userId: developer.id, name: "ci" });
    expect(token).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
    const [row] = await connection.db.select().from(apiTokens).where(eq(apiTokens.id, summary.id));
    expect(row!.tokenHash).not.toContain(token.slice(4));
    expect(JSON.stringify(row)).not.toContain(token);
    const actor = await authenticateToken(connection.db, fixedClock("2026-03-02T10:00:00Z"), token);
    expect(actor).toMatchObject({ id: developer.id, roles: ["developer"], via: "api" });
    // The audit trail records the token's creation but never the token itself.
    const events = await connection.db.select().from(auditEvents).where(eq(auditEvents.targetId, summary.id));
    expect(events).toHaveLength(1);
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it("a revoked, expired, unknown or malformed token does not authenticate", async () => {
    const ctx = contextFor(connection.db, admin);
    const revoked = await createToken(ctx, { userId: developer.id, name: "old" });
    await revokeToken(ctx, { tokenId: revoked.summary.id });
    const expiring = await createToken(ctx, { userId: developer.id, name: "short", expiresInDays: 1 });
    const later = fixedClock("2026-03-04T10:00:00Z");
    expect(await authenticateToken(connection.db, later, revoked.token)).toBeNull();
    expect(await authenticateToken(connection.db, later, expiring.token)).toBeNull();
    expect(await authenticateToken(connection.db, later, "slw_nope")).toBeNull();
    expect(await authenticateToken(connection.db, later, "Bearer something")).toBeNull();
    expect((await listTokens(connection.db)).find((t) => t.id === revoked.summary.id)?.revokedAt).toBeTruthy();
  });

  it("a disabled owner's tokens stop working", async () => {
    const ctx = contextFor(connection.db, admin);
    const person = await createTestActor(connection.db, ["developer"], "leaver");
    const { token } = await createToken(ctx, { userId: person.id, name: "ci" });
    await setUserDisabled(ctx, { userId: person.id, disabled: true });
    expect(await authenticateToken(connection.db, ctx.clock, token)).toBeNull();
  });

  it("only admins create tokens for others; a refusal is recorded as a denied audit event", async () => {
    const ctx = contextFor(connection.db, developer);
    const before = await connection.db.select({ n: sql<number>`count(*)::int` }).from(apiTokens);
    const error = await withDeniedAudit(connection.db, developer, ctx.clock, () => createToken(ctx, { userId: admin.id, name: "theirs" })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ForbiddenError);
    expect(await connection.db.select({ n: sql<number>`count(*)::int` }).from(apiTokens)).toEqual(before);
    const [last] = await connection.db.select().from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
    expect(last).toMatchObject({ action: "token.manage", outcome: "denied", actorId: developer.id });
  });

  it("everyone creates, sees and revokes their own tokens, which expire (90 days unless they say)", async () => {
    const viewer = await createTestActor(connection.db, ["viewer"], "self-viewer");
    const ctx = contextFor(connection.db, viewer);
    const { token, summary } = await createToken(ctx, { name: "laptop" });
    expect(summary).toMatchObject({ userId: viewer.id, roles: null });
    expect(summary.expiresAt!.getTime() - ctx.clock.now().getTime()).toBe(90 * 86_400_000);
    const chosen = await createToken(ctx, { name: "week", expiresInDays: "7" });
    expect(chosen.summary.expiresAt!.getTime() - ctx.clock.now().getTime()).toBe(7 * 86_400_000);
    expect(await authenticateToken(connection.db, ctx.clock, token)).toMatchObject({ id: viewer.id, roles: ["viewer"] });

    const mine = await listVisibleTokens(ctx);
    expect(mine.everyone).toBe(false);
    expect(mine.tokens.map((t) => t.id).sort()).toEqual([summary.id, chosen.summary.id].sort());
    const all = await listVisibleTokens(contextFor(connection.db, admin));
    expect(all.everyone).toBe(true);
    expect(all.tokens.map((t) => t.userId)).toEqual(expect.arrayContaining([viewer.id, developer.id]));

    await revokeToken(ctx, { tokenId: summary.id });
    expect(await authenticateToken(connection.db, ctx.clock, token)).toBeNull();
  });

  it("nobody but an admin revokes someone else's token; admins revoke anyone's", async () => {
    const other = await createTestActor(connection.db, ["developer"], "other-dev");
    const { token, summary } = await createToken(contextFor(connection.db, other), { name: "ci" });
    await expect(revokeToken(contextFor(connection.db, developer), { tokenId: summary.id })).rejects.toBeInstanceOf(ForbiddenError);
    await expect(revokeToken(contextFor(connection.db, developer), { tokenId: "tok_unknown" })).rejects.toBeInstanceOf(ForbiddenError);
    expect(await authenticateToken(connection.db, fixedClock("2026-03-02T10:00:00Z"), token)).not.toBeNull();
    await revokeToken(contextFor(connection.db, admin), { tokenId: summary.id });
    expect(await authenticateToken(connection.db, fixedClock("2026-03-02T10:00:00Z"), token)).toBeNull();
    await expect(revokeToken(contextFor(connection.db, admin), { tokenId: "tok_unknown" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("a token acts with its owner's roles or fewer, and never with a role the owner lost", async () => {
    const lead = await createTestActor(connection.db, ["developer", "tech-lead"], "scoped-lead");
    const ctx = contextFor(connection.db, lead);
    const before = await connection.db.select({ n: sql<number>`count(*)::int` }).from(apiTokens);
    const refused = await createToken(ctx, { name: "too much", roles: ["admin"] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).message).toContain("does not hold admin");
    expect(await connection.db.select({ n: sql<number>`count(*)::int` }).from(apiTokens)).toEqual(before);
    await expect(createToken(ctx, { name: "none", roles: [] })).rejects.toBeInstanceOf(ValidationError);

    const { token } = await createToken(ctx, { name: "ci", roles: ["developer"] });
    expect((await authenticateToken(connection.db, ctx.clock, token))?.roles).toEqual(["developer"]);
    await setUserRoles(contextFor(connection.db, admin), { userId: lead.id, roles: ["tech-lead"] });
    expect((await authenticateToken(connection.db, ctx.clock, token))?.roles).toEqual([]);
  });

  it("token input is validated", async () => {
    const ctx = contextFor(connection.db, admin);
    await expect(createToken(ctx, { userId: developer.id, name: "" })).rejects.toBeInstanceOf(ValidationError);
    await expect(createToken(ctx, { userId: developer.id, name: "x", expiresInDays: 0 })).rejects.toBeInstanceOf(ValidationError);
  });

  it("admins set roles; the last admin cannot lose the role; changes are audited", async () => {
    const ctx = contextFor(connection.db, admin);
    const person = await createUser(ctx, { email: "New.Person@Example.com", name: "New Person", roles: ["viewer"] });
    expect(person.email).toBe("new.person@example.com");
    await expect(createUser(ctx, { email: "new.person@example.com", name: "Again" })).rejects.toBeInstanceOf(ConflictError);
    const updated = await setUserRoles(ctx, { userId: person.id, roles: ["pm", "developer"], reason: "joins the team" });
    expect(updated.roles).toEqual(["developer", "pm"]);
    const [event] = await connection.db.select().from(auditEvents).orderBy(desc(auditEvents.seq)).limit(1);
    expect(event).toMatchObject({ action: "user.roles.set", targetId: person.id, reason: "joins the team", data: { added: ["developer", "pm"], removed: ["viewer"] } });

    await expect(setUserRoles(ctx, { userId: admin.id, roles: ["viewer"] })).rejects.toBeInstanceOf(RuleError);
    await expect(setUserRoles(ctx, { userId: person.id, roles: ["superuser"] })).rejects.toBeInstanceOf(ValidationError);
    await expect(setUserRoles(contextFor(connection.db, developer), { userId: person.id, roles: ["admin"] })).rejects.toBeInstanceOf(ForbiddenError);
    const listed = await listUsers(connection.db);
    expect(listed.some((u) => u.email.endsWith("slipway.invalid"))).toBe(false);
  });
});

describe.each(testDatabases)("the audit trail on $name", (database) => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
  });
  afterAll(() => connection.close());

  // drizzle wraps the driver's error; the database's own message is on `cause`.
  const refusedAsAppendOnly = (error: unknown) => /audit_events is append-only/.test(String((error as Error & { cause?: Error }).cause?.message ?? error));

  it("refuses UPDATE, DELETE and TRUNCATE in the database itself", async () => {
    const [event] = await connection.db.select().from(auditEvents).limit(1);
    expect(event).toBeTruthy();
    await expect(connection.db.update(auditEvents).set({ reason: "edited" }).where(eq(auditEvents.id, event!.id))).rejects.toSatisfy(refusedAsAppendOnly);
    await expect(connection.db.delete(auditEvents).where(eq(auditEvents.id, event!.id))).rejects.toSatisfy(refusedAsAppendOnly);
    await expect(connection.db.execute(sql`truncate audit_events`)).rejects.toSatisfy(refusedAsAppendOnly);
    const [again] = await connection.db.select().from(auditEvents).where(eq(auditEvents.id, event!.id));
    expect(again).toEqual(event);
  });
});
