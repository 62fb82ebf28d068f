import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apiTokens, pipelines, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { can } from "@/lib/auth/policy";
import { ROLES, type Role } from "@/lib/auth/roles";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, RuleError, ValidationError } from "./errors";
import { loadActor } from "./users";
import { parseInput } from "./validation";

const TOKEN_PREFIX = "slw_";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

/** Tokens people create for themselves expire; the default when they do not say when. */
export const DEFAULT_EXPIRY_DAYS = 90;
export const MAX_EXPIRY_DAYS = 3650;

export const createTokenInput = z.strictObject({
  /** Whose token; omitted: the signed-in person's own. */
  userId: z.string().min(1, { error: "choose whose token this is" }).optional(),
  name: z.string().trim().min(1, { error: "give the token a name, e.g. the CI job that uses it" }).max(80, { error: "at most 80 characters" }),
  expiresInDays: z.coerce
    .number({ error: "expected a whole number of days" })
    .int({ error: "expected a whole number of days" })
    .min(1, { error: "at least 1 day" })
    .max(MAX_EXPIRY_DAYS, { error: `at most ${MAX_EXPIRY_DAYS} days` })
    .optional(),
  /** The roles the token acts with, a subset of the owner's; omitted: all of them. */
  roles: z
    .array(z.enum(ROLES, { error: `expected one of ${ROLES.join(", ")}` }))
    .min(1, { error: "choose at least one role for the token, or leave roles out to act with all of yours" })
    .max(ROLES.length)
    .optional(),
  /** The pipeline (by name) the token is restricted to; omitted: every pipeline its roles reach. */
  pipeline: z.string().trim().min(1, { error: "choose a pipeline, or leave it out for every pipeline" }).max(63).optional(),
});

export interface TokenSummary {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail: string;
  /** The roles the token acts with, or null for all its owner's roles. */
  roles: Role[] | null;
  /** The pipeline (name) the token is restricted to, or null for none. */
  pipeline: string | null;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/**
 * Creates an API token acting as `userId` (default: the actor), with the owner's roles or the
 * `roles` subset of them. Everyone may create their own; only admins (and the CLI's system actor)
 * create tokens for others. A person's own token always expires: after `expiresInDays`, default
 * 90; the CLI and admins may leave the expiry out for a token that does not expire. With
 * `pipeline`, the token acts on that pipeline only (and never on users, teams or tokens).
 * The token is returned once; only its hash is stored.
 * Throws ValidationError (bad input, a role the owner does not hold, no such pipeline), ForbiddenError,
 * NotFoundError (no such user), RuleError (owner disabled).
 *
 * @returns the token's secret (shown once, never stored) and its summary
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 422 `user_disabled`
 */
export async function createToken(ctx: ServiceContext, input: unknown): Promise<{ token: string; summary: TokenSummary }> {
  // Everyone may manage their own tokens: the kind check is the weaker of the two; the full one follows the lookup.
  authorizeKind(ctx, "token.own", "token");
  const data = parseInput(createTokenInput, input);
  const userId = data.userId ?? ctx.actor.id;
  const own = userId === ctx.actor.id && ctx.actor.kind === "user";
  authorize(ctx, own ? "token.own" : "token.manage", { type: "user", id: userId });
  return ctx.db.transaction(async (tx) => {
    const owner = await tx.query.users.findFirst({ where: eq(users.id, userId), with: { roles: true } });
    if (!owner) throw new NotFoundError(`No user with id ${userId}.`);
    if (owner.disabledAt) throw new RuleError(`${owner.email} is disabled: enable the account before giving it a token.`, "user_disabled");
    // Any role the owner holds somewhere (globally, in a team, in a pipeline) may be chosen.
    const held = [...new Set(owner.roles.map((r) => r.role))];
    const roles = data.roles ? [...new Set(data.roles)] : null;
    const missing = roles?.filter((r) => !held.includes(r)) ?? [];
    if (missing.length) {
      throw new ValidationError(`A token acts with its owner's roles or fewer: ${owner.email} does not hold ${missing.join(", ")}.`, {
        roles: `expected some of ${held.join(", ") || "(no roles)"}`,
      });
    }
    let pipeline: { id: string; name: string } | null = null;
    if (data.pipeline !== undefined) {
      [pipeline = null] = await tx.select({ id: pipelines.id, name: pipelines.name }).from(pipelines).where(eq(pipelines.name, data.pipeline));
      if (!pipeline) throw new ValidationError(`No pipeline named ${data.pipeline}.`, { pipeline: "expected the name of an existing pipeline" });
    }
    const expiresInDays = data.expiresInDays ?? (own && !ctx.actor.roles.includes("admin") ? DEFAULT_EXPIRY_DAYS : undefined);
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const now = ctx.clock.now();
    const summary: TokenSummary = {
      id: newId("tok"),
      name: data.name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      userId: owner.id,
      userEmail: owner.email,
      roles,
      pipeline: pipeline?.name ?? null,
      createdAt: now,
      expiresAt: expiresInDays ? new Date(now.getTime() + expiresInDays * 86_400_000) : null,
      lastUsedAt: null,
      revokedAt: null,
    };
    await tx.insert(apiTokens).values({
      id: summary.id,
      userId: owner.id,
      name: summary.name,
      tokenHash: hashToken(token),
      prefix: summary.prefix,
      createdBy: ctx.actor.id,
      createdAt: now,
      expiresAt: summary.expiresAt,
      roles,
      pipelineId: pipeline?.id ?? null,
    });
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "token.create",
      targetType: "token",
      targetId: summary.id,
      data: { name: summary.name, owner: owner.email, prefix: summary.prefix, roles, pipeline: summary.pipeline, expiresAt: summary.expiresAt?.toISOString() ?? null },
    });
    return { token, summary };
  });
}

export const revokeTokenInput = z.strictObject({ tokenId: z.string().min(1, { error: "which token?" }) });

/**
 * Revokes a token: its owner may revoke their own, admins anyone's. Revoking a revoked token does
 * nothing. Throws ValidationError, NotFoundError, ForbiddenError.
 *
 * @returns nothing; the token stops working at once
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`
 */
export async function revokeToken(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "token.own", "token");
  const data = parseInput(revokeTokenInput, input);
  await ctx.db.transaction(async (tx) => {
    const token = await tx.query.apiTokens.findFirst({ where: eq(apiTokens.id, data.tokenId) });
    authorize(ctx, token?.userId === ctx.actor.id ? "token.own" : "token.manage", { type: "token", id: data.tokenId });
    if (!token) throw new NotFoundError(`No token with id ${data.tokenId}.`);
    if (token.revokedAt) return;
    await tx.update(apiTokens).set({ revokedAt: ctx.clock.now(), revokedBy: ctx.actor.id }).where(eq(apiTokens.id, token.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "token.revoke", targetType: "token", targetId: token.id, data: { name: token.name, prefix: token.prefix } });
  });
}

/** Every token, newest first (for admins and the CLI). */
export async function listTokens(db: Db, options: { userId?: string } = {}): Promise<TokenSummary[]> {
  const rows = await db
    .select({ token: apiTokens, email: users.email, pipeline: pipelines.name })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .leftJoin(pipelines, eq(pipelines.id, apiTokens.pipelineId))
    .where(options.userId ? eq(apiTokens.userId, options.userId) : undefined)
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(({ token, email, pipeline }) => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    userId: token.userId,
    userEmail: email,
    roles: token.roles ?? null,
    pipeline: pipeline ?? null,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  }));
}

/** The tokens the actor may see: everyone's for admins, otherwise their own. */
export async function listVisibleTokens(ctx: Pick<ServiceContext, "db" | "actor">): Promise<{ tokens: TokenSummary[]; everyone: boolean }> {
  const everyone = can(ctx.actor, "token.manage");
  return { tokens: await listTokens(ctx.db, everyone ? {} : { userId: ctx.actor.id }), everyone };
}

/** Writing last-used on every request would turn reads into writes; once a minute is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/**
 * The actor a bearer token acts as (its owner's grants, narrowed to the token's roles; its pipeline
 * restriction, if any), or null when the token is unknown, revoked, expired or its owner disabled. */
export async function authenticateToken(db: Db, clock: Clock, token: string, ip?: string): Promise<Actor | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db.query.apiTokens.findFirst({ where: and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)) });
  const now = clock.now();
  if (!row || (row.expiresAt && row.expiresAt <= now)) return null;
  const owner = await loadActor(db, row.userId, "api", ip);
  if (!owner || owner.disabled) return null;
  // A token with chosen roles acts with those the owner still holds; never with one they lost.
  let actor: Actor = row.roles ? { ...owner, roles: owner.roles.filter((r) => row.roles!.includes(r)), grants: owner.grants.filter((g) => row.roles!.includes(g.role)) } : owner;
  if (row.pipelineId) {
    const [pipeline] = await db.select({ name: pipelines.name }).from(pipelines).where(eq(pipelines.id, row.pipelineId));
    actor = { ...actor, pipelineRestriction: row.pipelineId, pipelineRestrictionName: pipeline?.name ?? row.pipelineId };
  }
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return actor;
}
