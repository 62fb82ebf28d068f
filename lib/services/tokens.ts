import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apiTokens, users } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, RuleError } from "./errors";
import { loadActor } from "./users";
import { parseInput } from "./validation";

const TOKEN_PREFIX = "slw_";

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}

export const createTokenInput = z.strictObject({
  userId: z.string().min(1, { error: "choose whose token this is" }),
  name: z.string().trim().min(1, { error: "give the token a name, e.g. the CI job that uses it" }).max(80),
  expiresInDays: z.coerce.number().int().min(1).max(3650).optional(),
});

export interface TokenSummary {
  id: string;
  name: string;
  prefix: string;
  userId: string;
  userEmail: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

/** Creates an API token acting as `userId`. The token is returned once; only its hash is stored. */
export async function createToken(ctx: ServiceContext, input: unknown): Promise<{ token: string; summary: TokenSummary }> {
  authorizeKind(ctx, "token.manage", "token");
  const data = parseInput(createTokenInput, input);
  authorize(ctx, "token.manage", { type: "user", id: data.userId });
  return ctx.db.transaction(async (tx) => {
    const owner = await tx.query.users.findFirst({ where: eq(users.id, data.userId) });
    if (!owner) throw new NotFoundError(`No user with id ${data.userId}.`);
    if (owner.disabledAt) throw new RuleError(`${owner.email} is disabled: enable the account before giving it a token.`, "user_disabled");
    const token = TOKEN_PREFIX + randomBytes(32).toString("base64url");
    const now = ctx.clock.now();
    const summary: TokenSummary = {
      id: newId("tok"),
      name: data.name,
      prefix: token.slice(0, TOKEN_PREFIX.length + 6),
      userId: owner.id,
      userEmail: owner.email,
      createdAt: now,
      expiresAt: data.expiresInDays ? new Date(now.getTime() + data.expiresInDays * 86_400_000) : null,
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
    });
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "token.create",
      targetType: "token",
      targetId: summary.id,
      data: { name: summary.name, owner: owner.email, prefix: summary.prefix, expiresAt: summary.expiresAt?.toISOString() ?? null },
    });
    return { token, summary };
  });
}

export const revokeTokenInput = z.strictObject({ tokenId: z.string().min(1) });

export async function revokeToken(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "token.manage", "token");
  const data = parseInput(revokeTokenInput, input);
  authorize(ctx, "token.manage", { type: "token", id: data.tokenId });
  await ctx.db.transaction(async (tx) => {
    const token = await tx.query.apiTokens.findFirst({ where: eq(apiTokens.id, data.tokenId) });
    if (!token) throw new NotFoundError(`No token with id ${data.tokenId}.`);
    if (token.revokedAt) return;
    await tx.update(apiTokens).set({ revokedAt: ctx.clock.now(), revokedBy: ctx.actor.id }).where(eq(apiTokens.id, token.id));
    await recordAudit(tx, ctx.actor, ctx.clock, { action: "token.revoke", targetType: "token", targetId: token.id, data: { name: token.name, prefix: token.prefix } });
  });
}

export async function listTokens(db: Db): Promise<TokenSummary[]> {
  const rows = await db
    .select({ token: apiTokens, email: users.email })
    .from(apiTokens)
    .innerJoin(users, eq(users.id, apiTokens.userId))
    .orderBy(desc(apiTokens.createdAt));
  return rows.map(({ token, email }) => ({
    id: token.id,
    name: token.name,
    prefix: token.prefix,
    userId: token.userId,
    userEmail: email,
    createdAt: token.createdAt,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  }));
}

/** Writing last-used on every request would turn reads into writes; once a minute is enough. */
const LAST_USED_RESOLUTION_MS = 60_000;

/** The actor a bearer token acts as, or null when the token is unknown, revoked, expired or its owner disabled. */
export async function authenticateToken(db: Db, clock: Clock, token: string, ip?: string): Promise<Actor | null> {
  if (!token.startsWith(TOKEN_PREFIX) || token.length > 200) return null;
  const row = await db.query.apiTokens.findFirst({ where: and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)) });
  const now = clock.now();
  if (!row || (row.expiresAt && row.expiresAt <= now)) return null;
  const actor = await loadActor(db, row.userId, "api", ip);
  if (!actor || actor.disabled) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() > LAST_USED_RESOLUTION_MS) {
    await db.update(apiTokens).set({ lastUsedAt: now }).where(eq(apiTokens.id, row.id));
  }
  return actor;
}
