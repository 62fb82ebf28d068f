import { and, asc, eq, inArray, isNull, ne, or, sql } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { pipelines, roleMemberships, teams, users, type Team } from "@/db/schema";
import { DNS_LABEL_PATTERN } from "@/lib/config/primitives";
import { isSystemUserId } from "@/lib/auth/actor";
import { ROLES, type Role } from "@/lib/auth/roles";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { ConflictError, ForbiddenError, NotFoundError, RuleError, ValidationError } from "./errors";
import { pipelineById } from "./pipeline-scope";
import { parseInput } from "./validation";

/**
 * Teams own pipelines (`pipelines.team_id`); roles are granted per team (scope `team`) or per
 * pipeline (scope `pipeline`) in role_memberships as well as globally. Every change here needs
 * `team.manage` (a global admin), runs in one transaction with its audit event, and changes
 * nothing when refused.
 */

const teamName = z.string({ error: "expected a team name" }).trim().regex(DNS_LABEL_PATTERN, { error: 'expected a lowercase name of letters, digits and "-" (starting with a letter, at most 63 characters)' });
const displayName = z.string().trim().min(1, { error: "a display name cannot be empty" }).max(120, { error: "at most 120 characters" });
const oidcGroup = z.string().trim().min(1, { error: "an OIDC group cannot be empty (send null to unlink)" }).max(200, { error: "at most 200 characters" });

export const createTeamInput = z.strictObject({
  name: teamName,
  displayName: displayName.optional(),
  oidcGroup: oidcGroup.nullable().optional(),
});

export const updateTeamInput = z
  .strictObject({ name: teamName.optional(), displayName: displayName.optional(), oidcGroup: oidcGroup.nullable().optional() })
  .refine((v) => v.name !== undefined || v.displayName !== undefined || v.oidcGroup !== undefined, { error: "send name, displayName or oidcGroup to change" });

export const setMemberInput = z.strictObject({
  /** The person, by email (or user id). */
  user: z.string().trim().min(1, { error: "which person? (an email)" }).max(254),
  /** The roles they hold in the scope after the change; [] removes them from it. */
  roles: z.array(z.enum(ROLES, { error: `expected one of ${ROLES.join(", ")}` })).max(ROLES.length),
  /** A pipeline the team owns: grant in that pipeline only. Omitted: in every pipeline of the team. */
  pipeline: z.string().trim().min(1).max(63).optional(),
});

export const setOwnerInput = z.strictObject({
  /** The owner team's name; null: no owner team. */
  team: z.string().trim().min(1, { error: "expected a team name, or null for no owner" }).max(63).nullable(),
});

export interface TeamMember {
  userId: string;
  email: string;
  name: string;
  /** Roles held in every pipeline of the team. */
  roles: Role[];
  /** Roles held in one pipeline of the team, by pipeline name. */
  pipelineRoles: { pipeline: string; roles: Role[] }[];
}

export interface TeamSummary {
  id: string;
  name: string;
  displayName: string;
  oidcGroup: string | null;
  createdAt: Date;
  /** Names of the pipelines the team owns. */
  pipelines: string[];
  members: TeamMember[];
}

function teamView(team: Team) {
  return { id: team.id, name: team.name, displayName: team.displayName, oidcGroup: team.oidcGroup, createdAt: team.createdAt };
}

async function findTeam(tx: Db, name: string): Promise<Team> {
  const [team] = await tx.select().from(teams).where(eq(teams.name, name));
  if (!team) throw new NotFoundError(`No team named ${name}.`);
  return team;
}

async function assertFree(tx: Db, values: { name?: string | undefined; oidcGroup?: string | null | undefined }, exceptId?: string): Promise<void> {
  const except = exceptId ? ne(teams.id, exceptId) : undefined;
  if (
    values.name !== undefined &&
    (
      await tx
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.name, values.name), except))
    ).length
  ) {
    throw new ConflictError(`A team named ${values.name} already exists.`, "duplicate_team", { name: "already in use" });
  }
  if (
    values.oidcGroup &&
    (
      await tx
        .select({ id: teams.id })
        .from(teams)
        .where(and(eq(teams.oidcGroup, values.oidcGroup), except))
    ).length
  ) {
    throw new ConflictError(`Another team is already linked to the OIDC group ${values.oidcGroup}.`, "duplicate_oidc_group", { oidcGroup: "already linked to another team" });
  }
}

/**
 * Creates a team. Throws ValidationError, ForbiddenError, ConflictError (name or OIDC group taken).
 *
 * @returns the team
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 409 `duplicate_oidc_group`, `duplicate_team`
 */
export async function createTeam(ctx: ServiceContext, input: unknown): Promise<TeamSummary> {
  authorizeKind(ctx, "team.manage", "team");
  const data = parseInput(createTeamInput, input);
  authorize(ctx, "team.manage", { type: "team" });
  return ctx.db.transaction(async (tx) => {
    await assertFree(tx, data);
    const team: Team = {
      id: newId("tea"),
      name: data.name,
      displayName: data.displayName ?? data.name,
      oidcGroup: data.oidcGroup ?? null,
      createdAt: ctx.clock.now(),
      createdBy: ctx.actor.id,
    };
    await tx.insert(teams).values(team);
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "team.create", targetType: "team", targetId: team.id, data: teamView(team) });
    return { ...teamView(team), pipelines: [], members: [] };
  });
}

/**
 * Renames a team, changes its display name or its OIDC group (null unlinks it). Throws
 * ValidationError, ForbiddenError, NotFoundError (no such team), ConflictError.
 *
 * @returns the team as changed
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `duplicate_oidc_group`, `duplicate_team`
 */
export async function updateTeam(ctx: ServiceContext, name: string, input: unknown): Promise<TeamSummary> {
  authorizeKind(ctx, "team.manage", "team");
  const data = parseInput(updateTeamInput, input);
  return ctx.db.transaction(async (tx) => {
    const team = await findTeam(tx, name);
    authorize(ctx, "team.manage", { type: "team", id: team.id });
    await assertFree(tx, data, team.id);
    const after: Team = {
      ...team,
      name: data.name ?? team.name,
      displayName: data.displayName ?? team.displayName,
      oidcGroup: data.oidcGroup === undefined ? team.oidcGroup : data.oidcGroup,
    };
    await tx.update(teams).set({ name: after.name, displayName: after.displayName, oidcGroup: after.oidcGroup }).where(eq(teams.id, team.id));
    // The roles the old group gave at sign-in (granted_by null) go with it: nobody keeps a grant
    // from a group that no longer means anything here. Grants an admin gave stay.
    const revokedFromGroup =
      after.oidcGroup === team.oidcGroup
        ? []
        : await tx
            .delete(roleMemberships)
            .where(and(eq(roleMemberships.scope, "team"), eq(roleMemberships.scopeId, team.id), isNull(roleMemberships.grantedBy)))
            .returning({ userId: roleMemberships.userId, role: roleMemberships.role });
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "team.update",
      targetType: "team",
      targetId: team.id,
      data: { before: teamView(team), after: teamView(after), ...(revokedFromGroup.length ? { revokedFromGroup } : {}) },
    });
    return (await loadTeams(tx, team.id))[0]!;
  });
}

/**
 * Deletes a team that owns no pipeline; its members' team grants go with it (listed in the audit
 * event). Throws ForbiddenError, NotFoundError, RuleError `team_owns_pipelines`.
 *
 * @returns nothing; its members lose the roles the team gave them
 * @throws ServiceError 403 `forbidden`; 404 `not_found`; 422 `team_owns_pipelines`
 */
export async function deleteTeam(ctx: ServiceContext, name: string): Promise<void> {
  authorizeKind(ctx, "team.manage", "team");
  await ctx.db.transaction(async (tx) => {
    const team = await findTeam(tx, name);
    authorize(ctx, "team.manage", { type: "team", id: team.id });
    const owned = await tx.select({ name: pipelines.name }).from(pipelines).where(eq(pipelines.teamId, team.id));
    if (owned.length) {
      throw new RuleError(`Team ${team.name} owns ${owned.map((p) => p.name).join(", ")}: give the pipelines another owner first.`, "team_owns_pipelines");
    }
    const grants = await tx
      .delete(roleMemberships)
      .where(and(eq(roleMemberships.scope, "team"), eq(roleMemberships.scopeId, team.id)))
      .returning({ userId: roleMemberships.userId, role: roleMemberships.role });
    await tx.delete(teams).where(eq(teams.id, team.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "team.delete", targetType: "team", targetId: team.id, data: { ...teamView(team), removedGrants: grants } });
  });
}

/**
 * Sets the roles one person holds in a team (every pipeline it owns) or, with `pipeline`, in one
 * pipeline the team owns; `roles: []` removes them. Throws ValidationError (no such person, a
 * pipeline that does not exist or that the team does not own), ForbiddenError, NotFoundError (no
 * such team).
 *
 * @returns the team with its members after the change
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`
 */
export async function setTeamMember(ctx: ServiceContext, name: string, input: unknown): Promise<TeamSummary> {
  authorizeKind(ctx, "team.manage", "team");
  const data = parseInput(setMemberInput, input);
  return ctx.db.transaction(async (tx) => {
    const team = await findTeam(tx, name);
    authorize(ctx, "team.manage", { type: "team", id: team.id });
    const key = data.user.toLowerCase();
    const [user] = await tx
      .select()
      .from(users)
      .where(sql`lower(${users.email}) = ${key} or ${users.id} = ${data.user}`);
    if (!user || isSystemUserId(user.id)) {
      throw new ValidationError(`No person with the email ${data.user}.`, { user: "expected the email of an existing person (add them in Settings → Users first)" });
    }
    let scope: { scope: "team" | "pipeline"; scopeId: string; pipeline?: string } = { scope: "team", scopeId: team.id };
    if (data.pipeline !== undefined) {
      const [pipeline] = await tx.select().from(pipelines).where(eq(pipelines.name, data.pipeline));
      if (!pipeline) throw new ValidationError(`No pipeline named ${data.pipeline}.`, { pipeline: "expected the name of an existing pipeline" });
      if (pipeline.teamId !== team.id) {
        throw new ValidationError(`Pipeline ${pipeline.name} is not owned by team ${team.name}.`, { pipeline: `expected a pipeline team ${team.name} owns` });
      }
      scope = { scope: "pipeline", scopeId: pipeline.id, pipeline: pipeline.name };
    }
    const where = and(eq(roleMemberships.userId, user.id), eq(roleMemberships.scope, scope.scope), eq(roleMemberships.scopeId, scope.scopeId));
    const before = (await tx.select({ role: roleMemberships.role }).from(roleMemberships).where(where)).map((r) => r.role);
    const after = ROLES.filter((r) => data.roles.includes(r));
    const removed = before.filter((r) => !after.includes(r));
    const added = after.filter((r) => !before.includes(r));
    if (removed.length) await tx.delete(roleMemberships).where(and(where, inArray(roleMemberships.role, removed)));
    if (added.length) {
      await tx.insert(roleMemberships).values(added.map((role) => ({ userId: user.id, role, scope: scope.scope, scopeId: scope.scopeId, grantedBy: ctx.actor.id, grantedAt: ctx.clock.now() })));
    }
    if (added.length || removed.length) {
      await recordAudit(tx, ctx.actor, ctx.clock, {
        action: "team.members.set",
        targetType: "team",
        targetId: team.id,
        data: { team: team.name, email: user.email, scope: scope.scope, pipeline: scope.pipeline ?? null, before: ROLES.filter((r) => before.includes(r)), after, added, removed },
      });
    }
    return (await loadTeams(tx, team.id))[0]!;
  });
}

/**
 * Sets the team that owns a pipeline (`team: null`: none). Throws ValidationError (no such team),
 * ForbiddenError, NotFoundError (no such pipeline).
 *
 * @returns the pipeline's name and its owner team (null: none)
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`
 */
export async function setPipelineOwner(ctx: ServiceContext, pipelineName: string, input: unknown): Promise<{ pipeline: string; team: string | null }> {
  authorizeKind(ctx, "team.manage", "pipeline");
  const data = parseInput(setOwnerInput, input);
  return ctx.db.transaction(async (tx) => {
    const [pipeline] = await tx.select().from(pipelines).where(eq(pipelines.name, pipelineName));
    authorize(ctx, "team.manage", { type: "pipeline", id: pipeline?.id, pipeline: pipeline ? { id: pipeline.id, teamId: pipeline.teamId } : undefined });
    if (!pipeline) throw new NotFoundError(`No pipeline named ${pipelineName}.`);
    let team: Team | null = null;
    if (data.team !== null) {
      [team = null] = await tx.select().from(teams).where(eq(teams.name, data.team));
      if (!team) throw new ValidationError(`No team named ${data.team}.`, { team: "expected the name of an existing team (create it first), or null" });
    }
    if (pipeline.teamId === (team?.id ?? null)) return { pipeline: pipeline.name, team: team?.name ?? null };
    const [previous] = pipeline.teamId ? await tx.select({ name: teams.name }).from(teams).where(eq(teams.id, pipeline.teamId)) : [];
    await tx
      .update(pipelines)
      .set({ teamId: team?.id ?? null })
      .where(eq(pipelines.id, pipeline.id));
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "pipeline.owner.set",
      targetType: "pipeline",
      targetId: pipeline.name,
      data: { pipeline: pipeline.name, before: previous?.name ?? null, after: team?.name ?? null },
    });
    return { pipeline: pipeline.name, team: team?.name ?? null };
  });
}

/** Every team (or one, by id), with its members and owned pipelines, by name. */
export async function loadTeams(db: Db, teamId?: string): Promise<TeamSummary[]> {
  const rows = await db
    .select()
    .from(teams)
    .where(teamId ? eq(teams.id, teamId) : undefined)
    .orderBy(asc(teams.name));
  if (rows.length === 0) return [];
  const ids = rows.map((t) => t.id);
  const owned = await db.select({ id: pipelines.id, name: pipelines.name, teamId: pipelines.teamId }).from(pipelines).where(inArray(pipelines.teamId, ids)).orderBy(asc(pipelines.name));
  const pipelineIds = owned.map((p) => p.id);
  const grants = await db
    .select({ userId: users.id, email: users.email, name: users.name, role: roleMemberships.role, scope: roleMemberships.scope, scopeId: roleMemberships.scopeId })
    .from(roleMemberships)
    .innerJoin(users, eq(users.id, roleMemberships.userId))
    .where(or(and(eq(roleMemberships.scope, "team"), inArray(roleMemberships.scopeId, ids)), pipelineIds.length ? and(eq(roleMemberships.scope, "pipeline"), inArray(roleMemberships.scopeId, pipelineIds)) : undefined))
    .orderBy(asc(users.email));
  return rows.map((team) => {
    const teamPipelines = owned.filter((p) => p.teamId === team.id);
    const members = new Map<string, TeamMember>();
    for (const g of grants) {
      const pipeline = g.scope === "pipeline" ? teamPipelines.find((p) => p.id === g.scopeId) : undefined;
      if (g.scope === "team" ? g.scopeId !== team.id : !pipeline) continue;
      const member = members.get(g.userId) ?? { userId: g.userId, email: g.email, name: g.name, roles: [], pipelineRoles: [] };
      members.set(g.userId, member);
      if (!pipeline) member.roles.push(g.role);
      else {
        const entry = member.pipelineRoles.find((p) => p.pipeline === pipeline.name) ?? member.pipelineRoles[member.pipelineRoles.push({ pipeline: pipeline.name, roles: [] }) - 1]!;
        entry.roles.push(g.role);
      }
    }
    for (const m of members.values()) {
      m.roles = ROLES.filter((r) => m.roles.includes(r));
      for (const p of m.pipelineRoles) p.roles = ROLES.filter((r) => p.roles.includes(r));
    }
    return { ...teamView(team), pipelines: teamPipelines.map((p) => p.name), members: [...members.values()] };
  });
}

/** Every team, for anyone who may view pipelines. Throws ForbiddenError. */
export async function listTeams(ctx: Pick<ServiceContext, "db" | "actor">): Promise<TeamSummary[]> {
  authorize(ctx, "pipeline.view", { type: "team" });
  const restriction = ctx.actor.pipelineRestriction;
  if (!restriction) return loadTeams(ctx.db);
  // A token restricted to one pipeline sees the team that owns it (its people approve there), and of
  // that team's pipelines only its own: the organisation's other teams are not its business.
  const owner = await pipelineById(ctx.db, restriction);
  if (!owner.teamId) return [];
  return (await loadTeams(ctx.db, owner.teamId)).map((team) => ({
    ...team,
    pipelines: team.pipelines.filter((p) => p === owner.name),
    // Grants in the team's other pipelines are not shown, nor people who hold nothing but those.
    members: team.members.flatMap((member) => {
      const pipelineRoles = member.pipelineRoles.filter((r) => r.pipeline === owner.name);
      return member.roles.length > 0 || pipelineRoles.length > 0 ? [{ ...member, pipelineRoles }] : [];
    }),
  }));
}

/** One team by name; a pipeline-restricted token reads only its pipeline's owner team. Throws ForbiddenError, NotFoundError. */
export async function getTeam(ctx: Pick<ServiceContext, "db" | "actor">, name: string): Promise<TeamSummary> {
  authorize(ctx, "pipeline.view", { type: "team" });
  if (ctx.actor.pipelineRestriction) {
    const visible = (await listTeams(ctx)).find((t) => t.name === name);
    if (!visible) throw new ForbiddenError(`Not allowed: this token is restricted to pipeline ${ctx.actor.pipelineRestrictionName ?? ctx.actor.pipelineRestriction}.`, { action: "pipeline.view", targetType: "team", targetId: name });
    return visible;
  }
  const team = await findTeam(ctx.db, name);
  return (await loadTeams(ctx.db, team.id))[0]!;
}

/** Names of teams and pipelines by id, for showing grants (Settings → Users). */
export async function scopeNames(db: Db): Promise<{ teams: Map<string, string>; pipelines: Map<string, string> }> {
  const [t, p] = await Promise.all([db.select({ id: teams.id, name: teams.name }).from(teams), db.select({ id: pipelines.id, name: pipelines.name }).from(pipelines)]);
  return { teams: new Map(t.map((r) => [r.id, r.name])), pipelines: new Map(p.map((r) => [r.id, r.name])) };
}

/** Every pipeline's name, in order (for choosing one: a token's restriction, an owner). */
export async function listPipelineNames(db: Db): Promise<string[]> {
  return (await db.select({ name: pipelines.name }).from(pipelines).orderBy(asc(pipelines.name))).map((p) => p.name);
}

/** Every pipeline with the name of its owner team (or null), by pipeline name. */
export async function listPipelineOwners(db: Db): Promise<{ name: string; team: string | null }[]> {
  return db.select({ name: pipelines.name, team: teams.name }).from(pipelines).leftJoin(teams, eq(teams.id, pipelines.teamId)).orderBy(asc(pipelines.name));
}
