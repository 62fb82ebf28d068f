import { and, asc, eq, getTableColumns, inArray, isNull, lt, or, sql, type Placeholder } from "drizzle-orm";
import { fromJsonObject, jsonArray, jsonObject, type NestedRead } from "@/db/queries/json-rows";
import { z } from "zod";
import type { Db } from "@/db/client";
import { pipelines, roleMemberships, teams, users } from "@/db/schema";
import { AUTOMATION_USER, SYSTEM_USER, isSystemUserId, type Actor } from "@/lib/auth/actor";
import { groupsFromClaim, syncRoles, type OidcRoleMapping } from "@/lib/auth/oidc-roles";
import { ROLES, type Grant, type Role } from "@/lib/auth/roles";
import type { RequestSource } from "@/db/schema/enums";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { syncTeamsFromGroups, teamGroupsOf } from "./teams-oidc";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError, RuleError } from "./errors";
import { parseInput } from "./validation";

/** The rows that let automation and start-up work be named in history and audit. */
export async function ensureSystemUsers(db: Db): Promise<void> {
  await db
    .insert(users)
    .values([
      { id: SYSTEM_USER.id, email: SYSTEM_USER.email, name: SYSTEM_USER.name },
      { id: AUTOMATION_USER.id, email: AUTOMATION_USER.email, name: AUTOMATION_USER.name },
    ])
    .onConflictDoNothing();
}

export interface UserWithRoles {
  id: string;
  email: string;
  name: string;
  /** Global roles (held everywhere). */
  roles: Role[];
  /** Roles held in one team or one pipeline (not the global ones). */
  grants: Grant[];
  disabled: boolean;
  createdAt: Date;
  lastSeenAt: Date | null;
}

/** People (not Slipway's own system users), with their roles, in a stable order. */
export async function listUsers(db: Db): Promise<UserWithRoles[]> {
  const rows = await db.query.users.findMany({ with: { roles: true }, orderBy: asc(users.email) });
  return rows
    .filter((u) => !isSystemUserId(u.id))
    .map((u) => ({
      id: u.id,
      email: u.email,
      name: u.name,
      roles: globalRoles(u.roles),
      grants: scopedGrants(u.roles),
      disabled: u.disabledAt !== null,
      createdAt: u.createdAt,
      lastSeenAt: u.lastSeenAt,
    }));
}

function sortRoles(roles: Role[]): Role[] {
  return [...roles].sort((a, b) => ROLES.indexOf(a) - ROLES.indexOf(b));
}

type MembershipRow = { role: Role; scope: Grant["scope"]; scopeId: string; scopeName?: string | null };

/** The global roles among a person's role_memberships rows, in ROLES order. */
export function globalRoles(rows: readonly MembershipRow[]): Role[] {
  return sortRoles(rows.filter((r) => r.scope === "global").map((r) => r.role));
}

/** The team and pipeline grants among a person's role_memberships rows. */
export function scopedGrants(rows: readonly MembershipRow[]): Grant[] {
  return rows.filter((r) => r.scope !== "global").map((r) => ({ role: r.role, scope: r.scope, scopeId: r.scopeId }));
}

/** Only the global rows of role_memberships (the roles Settings → Users and OIDC role sync manage). */
const isGlobal = eq(roleMemberships.scope, "global");

/** A person's row with their role memberships, as the actor loaders read it. */
export type UserWithMemberships = typeof users.$inferSelect & { roles: MembershipRow[] };

const userFields = getTableColumns(users);
const membershipFields = { role: roleMemberships.role, scope: roleMemberships.scope, scopeId: roleMemberships.scopeId };
/** The role memberships of the outer statement's `users` row, as a JSON array (correlated). */
const membershipsJson = jsonArray(sql`select ${jsonObject(membershipFields)} from ${roleMemberships} where ${roleMemberships.userId} = ${users.id}`);

/** As membershipsJson, with each team or pipeline grant's name (`scopeName`) for the header to show. */
const namedMembershipsJson = jsonArray(
  sql`select ${jsonObject({
    ...membershipFields,
    scopeName: sql`case ${roleMemberships.scope} when 'team' then (select ${teams.name} from ${teams} where ${teams.id} = ${roleMemberships.scopeId}) when 'pipeline' then (select ${pipelines.name} from ${pipelines} where ${pipelines.id} = ${roleMemberships.scopeId}) end`,
  })} from ${roleMemberships} where ${roleMemberships.userId} = ${users.id}`,
);

/**
 * The person `userId` with their role memberships (each team or pipeline grant with its name),
 * nested in another statement (the portal's header read): a JSON object, null when no such person
 * exists.
 */
export function userWithMembershipsRead(userId: string | Placeholder): NestedRead<UserWithMemberships | null> {
  const fields = { ...userFields, roles: namedMembershipsJson };
  return {
    sql: sql`(select ${jsonObject(fields)} from ${users} where ${users.id} = ${userId})`,
    read: (value) => (value === null || value === undefined ? null : (fromJsonObject(fields, value) as UserWithMemberships)),
  };
}

/**
 * The person with their memberships in one plain statement (a relational query costs about three
 * times as much CPU to build, on every page and API call).
 */
async function loadUserWithMemberships(db: Db, userId: string): Promise<UserWithMemberships | null> {
  const [row] = await db
    .select({ ...userFields, roles: membershipsJson })
    .from(users)
    .where(eq(users.id, userId));
  return row ? { ...row, roles: (typeof row.roles === "string" ? JSON.parse(row.roles) : row.roles) as MembershipRow[] } : null;
}

/** The actor for a signed-in user or a token's owner, with roles read fresh from the database. */
export async function loadActor(db: Db, userId: string, via: RequestSource, ip?: string): Promise<Actor | null> {
  const user = await loadUserWithMemberships(db, userId);
  return user ? actorOf(user, via, ip) : null;
}

/**
 * The actor of an already loaded person (userWithMembershipsRead), recording that they were seen:
 * the conditional UPDATE of recordSeen runs only when the loaded `lastSeenAt` is older than
 * LAST_SEEN_RESOLUTION_MS, so a page load costs no statement here most of the time. Null for no
 * person or a system user; a disabled person's actor is returned with `disabled` set and is not
 * recorded as seen.
 */
export async function seenActorOf(db: Db, clock: Clock, user: UserWithMemberships | null, via: RequestSource, ip?: string): Promise<Actor | null> {
  const actor = user ? actorOf(user, via, ip) : null;
  if (!actor || actor.disabled) return actor;
  const fresh = user!.lastSeenAt && clock.now().getTime() - user!.lastSeenAt.getTime() < LAST_SEEN_RESOLUTION_MS;
  if (!fresh) await recordSeen(db, clock, actor.id);
  return actor;
}

function actorOf(user: UserWithMemberships, via: RequestSource, ip: string | undefined): Actor | null {
  if (isSystemUserId(user.id)) return null;
  return {
    kind: "user",
    id: user.id,
    email: user.email,
    name: user.name,
    roles: globalRoles(user.roles),
    grants: user.roles.map((r) => ({ role: r.role, scope: r.scope, scopeId: r.scopeId, ...(r.scopeName ? { scopeName: r.scopeName } : {}) })),
    disabled: user.disabledAt !== null,
    via,
    ip,
  };
}

/** "Last seen" is refreshed at most this often: a page load does not write a row every time. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

/**
 * Records that a person was just seen (signed in, or loaded a page with their session): sets
 * `lastSeenAt` to `clock.now()` unless it is already within LAST_SEEN_RESOLUTION_MS of it. One
 * conditional UPDATE, no audit event (an observation, not a change anyone made). Returns whether
 * it wrote. System users are never "seen".
 */
export async function recordSeen(db: Db, clock: Clock, userId: string): Promise<boolean> {
  if (isSystemUserId(userId)) return false;
  const now = clock.now();
  const threshold = new Date(now.getTime() - LAST_SEEN_RESOLUTION_MS);
  const updated = await db
    .update(users)
    .set({ lastSeenAt: now })
    .where(and(eq(users.id, userId), or(isNull(users.lastSeenAt), lt(users.lastSeenAt, threshold))))
    .returning({ id: users.id });
  return updated.length > 0;
}

export async function findUserByEmail(db: Db, email: string) {
  return db.query.users.findFirst({ where: sql`lower(${users.email}) = ${email.toLowerCase()}` });
}

const email = z
  .email({ error: "expected an email address" })
  .max(254)
  .transform((e) => e.toLowerCase());
const roleList = z.array(z.enum(ROLES, { error: `expected one of ${ROLES.join(", ")}` })).max(ROLES.length);

export const createUserInput = z.strictObject({
  email,
  name: z.string().trim().min(1, { error: "a name is required" }).max(120),
  roles: roleList.default(["viewer"]),
});

/**
 * Adds a person ahead of their first sign-in (e.g. to give an OIDC user roles up front).
 *
 * @returns the person with their roles
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 409 `duplicate_user`
 */
export async function createUser(ctx: ServiceContext, input: unknown): Promise<UserWithRoles> {
  authorizeKind(ctx, "user.manage", "user");
  const data = parseInput(createUserInput, input);
  authorize(ctx, "user.manage", { type: "user" });
  return ctx.db.transaction(async (tx) => {
    if (await findUserByEmail(tx, data.email)) {
      throw new ConflictError(`A user with the email ${data.email} already exists.`, "duplicate_user", { email: "already in use" });
    }
    const id = newId("usr");
    const now = ctx.clock.now();
    await tx.insert(users).values({ id, email: data.email, name: data.name, createdAt: now });
    const roles = [...new Set(data.roles)];
    if (roles.length) await tx.insert(roleMemberships).values(roles.map((role) => ({ userId: id, role, grantedBy: ctx.actor.id, grantedAt: now })));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "user.create", targetType: "user", targetId: id, data: { email: data.email, roles } });
    return { id, email: data.email, name: data.name, roles: sortRoles(roles), grants: [], disabled: false, createdAt: now, lastSeenAt: null };
  });
}

export const setRolesInput = z.strictObject({
  userId: z.string().min(1),
  roles: roleList,
  reason: z.string().trim().max(500).optional(),
});

async function activeAdminCount(tx: Db, excludingUserId: string): Promise<number> {
  const [row] = await tx
    .select({ n: sql<number>`count(*)::int` })
    .from(roleMemberships)
    .innerJoin(users, eq(users.id, roleMemberships.userId))
    .where(and(eq(roleMemberships.role, "admin"), isGlobal, isNull(users.disabledAt), sql`${users.id} <> ${excludingUserId}`));
  return row?.n ?? 0;
}

/**
 * Replaces a person's global roles (team and pipeline grants are managed in Settings → Teams and
 * stay as they are). The last active admin cannot lose the admin role.
 *
 * @returns the person with their roles after the change
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 422 `last_admin`
 */
export async function setUserRoles(ctx: ServiceContext, input: unknown): Promise<UserWithRoles> {
  authorizeKind(ctx, "user.manage", "user");
  const data = parseInput(setRolesInput, input);
  authorize(ctx, "user.manage", { type: "user", id: data.userId });
  return ctx.db.transaction(async (tx) => {
    const user = await tx.query.users.findFirst({ where: eq(users.id, data.userId), with: { roles: true } });
    if (!user || isSystemUserId(user.id)) throw new NotFoundError(`No user with id ${data.userId}.`);
    const before = globalRoles(user.roles);
    const after = sortRoles([...new Set(data.roles)]);
    if (before.includes("admin") && !after.includes("admin") && (await activeAdminCount(tx, user.id)) === 0) {
      throw new RuleError("This is the last active admin: give someone else the admin role first.", "last_admin");
    }
    const removed = before.filter((r) => !after.includes(r));
    const added = after.filter((r) => !before.includes(r));
    if (removed.length) await tx.delete(roleMemberships).where(and(eq(roleMemberships.userId, user.id), isGlobal, inArray(roleMemberships.role, removed)));
    if (added.length) {
      await tx.insert(roleMemberships).values(added.map((role) => ({ userId: user.id, role, grantedBy: ctx.actor.id, grantedAt: ctx.clock.now() })));
    }
    if (added.length || removed.length) {
      await recordAudit(tx, ctx.actor, ctx.clock, {
        action: "user.roles.set",
        targetType: "user",
        targetId: user.id,
        reason: data.reason,
        data: { email: user.email, before, after, added, removed },
      });
    }
    return {
      id: user.id,
      email: user.email,
      name: user.name,
      roles: after,
      grants: scopedGrants(user.roles),
      disabled: user.disabledAt !== null,
      createdAt: user.createdAt,
      lastSeenAt: user.lastSeenAt,
    };
  });
}

export const setDisabledInput = z.strictObject({ userId: z.string().min(1), disabled: z.boolean(), reason: z.string().trim().max(500).optional() });

/**
 * Disables (or re-enables) a person: no sign-in, no tokens, no approvals. History stays.
 *
 * @returns nothing; a disabled person's sessions and tokens stop working
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 422 `last_admin`, `self_disable`
 */
export async function setUserDisabled(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "user.manage", "user");
  const data = parseInput(setDisabledInput, input);
  authorize(ctx, "user.manage", { type: "user", id: data.userId });
  await ctx.db.transaction(async (tx) => {
    const user = await tx.query.users.findFirst({ where: eq(users.id, data.userId), with: { roles: true } });
    if (!user || isSystemUserId(user.id)) throw new NotFoundError(`No user with id ${data.userId}.`);
    if (data.disabled && user.id === ctx.actor.id) throw new RuleError("You cannot disable your own account.", "self_disable");
    if (data.disabled && globalRoles(user.roles).includes("admin") && (await activeAdminCount(tx, user.id)) === 0) {
      throw new RuleError("This is the last active admin: give someone else the admin role first.", "last_admin");
    }
    if ((user.disabledAt !== null) === data.disabled) return;
    await tx
      .update(users)
      .set({ disabledAt: data.disabled ? ctx.clock.now() : null })
      .where(eq(users.id, user.id));
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: data.disabled ? "user.disable" : "user.enable",
      targetType: "user",
      targetId: user.id,
      reason: data.reason,
      data: { email: user.email },
    });
  });
}

/** What the identity provider said about a person's groups, with the mapping to apply. */
export interface SignInRoleSync {
  mapping: OidcRoleMapping;
  /** The value of the mapping's claim in the ID token (an array of group names, usually). */
  claim: unknown;
}

/** Team membership from the identity provider: the value of SLIPWAY_OIDC_GROUPS_CLAIM's claim. */
export interface TeamSync {
  claim: unknown;
}

/**
 * The user behind an identity-provider sign-in: found by email, or created with the viewer role
 * (admin for emails listed in SLIPWAY_ADMIN_EMAILS). With a role mapping, the roles it manages are
 * set from the group claim at every sign-in (see `syncRoles`), and each change is audited as
 * `user.roles.sync` with the groups that caused it. With `teamSync`, team memberships follow the
 * groups claim too (`syncTeamsFromGroups`); groups naming a team are left out of the global role
 * sync. Returns the user id, or null for a disabled
 * account (nothing changes then).
 */
export async function provisionSignedInUser(
  ctx: Omit<ServiceContext, "actor"> & { actor: Actor },
  profile: { email: string; name?: string | null | undefined },
  adminEmails: readonly string[],
  roleSync: SignInRoleSync | null = null,
  teamSync: TeamSync | null = null,
): Promise<string | null> {
  const emailAddress = profile.email.toLowerCase();
  const claimedGroups = roleSync ? groupsFromClaim(roleSync.claim) : [];
  return ctx.db.transaction(async (tx) => {
    // A group that names a team grants its mapped roles in that team only (teams-oidc.ts).
    const teamGroups = teamSync ? await teamGroupsOf(tx) : new Set<string>();
    const groups = claimedGroups.filter((g) => !teamGroups.has(g));
    const now = ctx.clock.now();
    const existing = await tx.query.users.findFirst({ where: sql`lower(${users.email}) = ${emailAddress}`, with: { roles: true } });
    if (existing?.disabledAt) return null;
    let id: string;
    let before: Role[];
    if (existing) {
      id = existing.id;
      before = globalRoles(existing.roles);
      await tx.update(users).set({ lastSeenAt: now }).where(eq(users.id, id));
    } else {
      id = newId("usr");
      before = adminEmails.includes(emailAddress) ? ["viewer", "admin"] : ["viewer"];
      await tx.insert(users).values({ id, email: emailAddress, name: profile.name?.trim() || emailAddress, createdAt: now, lastSeenAt: now });
      await tx.insert(roleMemberships).values(before.map((role) => ({ userId: id, role, grantedAt: now })));
      await recordAudit(tx, ctx.actor, ctx.clock, { action: "user.provision", targetType: "user", targetId: id, data: { email: emailAddress, roles: before } });
    }
    if (teamSync) await syncTeamsFromGroups(tx, ctx.actor, ctx.clock, { id, email: emailAddress }, groupsFromClaim(teamSync.claim), roleSync?.mapping ?? null);
    if (!roleSync) return id;
    const after = syncRoles(before, groups, roleSync.mapping);
    const added = after.filter((r) => !before.includes(r));
    const removed = before.filter((r) => !after.includes(r));
    if (removed.length) await tx.delete(roleMemberships).where(and(eq(roleMemberships.userId, id), isGlobal, inArray(roleMemberships.role, removed)));
    if (added.length) await tx.insert(roleMemberships).values(added.map((role) => ({ userId: id, role, grantedAt: now })));
    if (added.length || removed.length) {
      await recordAudit(tx, ctx.actor, ctx.clock, {
        action: "user.roles.sync",
        targetType: "user",
        targetId: id,
        reason: `Groups in the identity provider's "${roleSync.mapping.claim}" claim`,
        data: { email: emailAddress, claim: roleSync.mapping.claim, groups, before, after, added, removed },
      });
    }
    return id;
  });
}
