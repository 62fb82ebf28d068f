import { LIMITS } from "@/lib/limits";
import { and, asc, eq, isNull, or, sql, type SQL, type SQLWrapper } from "drizzle-orm";
import { alias, type PgSelect, type SelectedFields } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { apps, configVariables, environments, users, type ConfigVariable } from "@/db/schema";
import { decryptSecret, encryptSecret } from "@/lib/secrets";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { NotFoundError, ValidationError } from "./errors";
import { appName, environmentRef } from "./schemas";
import { parseInput } from "./validation";
import { authorizeEnvironmentRef, findLiveEnvironment, pipelineTarget, qualifiedName } from "./pipeline-scope";

/** Names the platform sets itself; an app must not be able to override them. */
const RESERVED = /^(SLIPWAY_.*|PORT|PATH|HOME|NODE_OPTIONS)$/;

const configKey = z
  .string()
  .regex(/^[A-Z_][A-Z0-9_]{0,127}$/, { error: "expected an environment variable name: capital letters, digits and underscores, e.g. DATABASE_POOL_SIZE" })
  .refine((k) => !RESERVED.test(k), { error: "this name is set by Slipway itself (SLIPWAY_*, PORT, PATH, HOME, NODE_OPTIONS)" });

const changeReason = z
  .string()
  .trim()
  .min(3, { error: "say why you change it (at least 3 characters): it goes into the audit trail" })
  .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` });

export const setConfigInput = z
  .strictObject({
    environment: environmentRef,
    app: appName.optional().meta({ description: "Only this app (default: every app of the environment)" }),
    key: configKey,
    value: z.string().max(65_536, { error: "at most 64 KiB" }),
    secret: z.boolean().default(false).meta({ description: "Stored encrypted; never shown again, in any page, API response, log or error" }),
    reason: changeReason,
  })
  .meta({ id: "SetConfigVariable" });

export const deleteConfigInput = z.strictObject({ environment: environmentRef, app: appName.optional(), key: configKey, reason: changeReason }).meta({ id: "DeleteConfigVariable" });

/** A config variable as people and the API see it: secrets never carry their value. */
export interface ConfigVariableView {
  id: string;
  key: string;
  app: string | null;
  secret: boolean;
  value: string | null;
  inheritedFrom: string | null;
  version: number;
  updatedAt: Date;
  updatedBy: string | null;
}

async function environmentByName(db: Db, name: string) {
  const environment = await findLiveEnvironment(db, name);
  if (!environment) throw new NotFoundError(`No environment named "${name}".`);
  return environment;
}

async function appIdOf(db: Db, pipelineId: string, name: string | undefined): Promise<string | null> {
  if (!name) return null;
  const [app] = await db
    .select({ id: apps.id })
    .from(apps)
    .where(and(eq(apps.pipelineId, pipelineId), eq(apps.name, name), isNull(apps.retiredAt)));
  if (!app) throw new ValidationError(`Unknown app "${name}".`, { app: `unknown app "${name}"` });
  return app.id;
}

// Review environments copy secrets by reference: the list says where a copied variable comes from.
const sourceVariable = alias(configVariables, "source_variable");
const sourceEnvironment = alias(environments, "source_environment");

/** How many references valueOf() follows at most (a reference to a reference…). */
const MAX_REFERENCE_HOPS = 5;
/** The variables a reference chain passes through, first hop first (the first is the one the list names). */
const hops = [sourceVariable, ...Array.from({ length: MAX_REFERENCE_HOPS - 1 }, (_, i) => alias(configVariables, `source_variable_${i + 2}`))];

/** A stored field of what a variable resolves to, as valueOf() resolves it: the last variable its reference chain reaches, else its own. */
const resolved = <K extends "secret" | "value" | "encryptedValue">(key: K) =>
  sql`case ${sql.join(
    hops.toReversed().map((hop) => sql`when ${hop.id} is not null then ${hop[key]}`),
    sql` `,
  )} else ${configVariables[key]} end`;

/** One variable as the list shows it, with what it resolves to (the stored, possibly encrypted, value). */
export const variableFields = {
  id: configVariables.id,
  key: configVariables.key,
  appId: configVariables.appId,
  secret: configVariables.secret,
  value: configVariables.value,
  sourceVariableId: configVariables.sourceVariableId,
  version: configVariables.version,
  updatedAt: configVariables.updatedAt,
  app: apps.name,
  updatedBy: users.email,
  source: sourceEnvironment.name,
  resolvedSecret: resolved("secret").mapWith(Boolean) as SQL<boolean>,
  resolvedValue: resolved("value") as SQL<string | null>,
  resolvedEncryptedValue: resolved("encryptedValue") as SQL<string | null>,
};

/** A row of variableFields. */
export interface VariableRow {
  id: string;
  key: string;
  appId: string | null;
  secret: boolean;
  value: string | null;
  sourceVariableId: string | null;
  version: number;
  updatedAt: Date;
  app: string | null;
  updatedBy: string | null;
  source: string | null;
  resolvedSecret: boolean;
  resolvedValue: string | null;
  resolvedEncryptedValue: string | null;
}

/**
 * An environment's variables by key then app, selecting `fields` (variableFields, or a JSON object
 * of them to nest in another statement): each joined to its app, its last editor, and its
 * reference chain (at most five hops), so nothing is looked up per variable. `environmentId` may
 * be a column of an outer statement.
 */
export function variablesQuery(db: Db, environmentId: string | SQLWrapper, fields: SelectedFields = variableFields): PgSelect {
  let query = db
    .select(fields)
    .from(configVariables)
    .leftJoin(apps, eq(apps.id, configVariables.appId))
    .leftJoin(users, eq(users.id, configVariables.updatedBy))
    .leftJoin(sourceVariable, eq(sourceVariable.id, configVariables.sourceVariableId))
    .leftJoin(sourceEnvironment, eq(sourceEnvironment.id, sourceVariable.environmentId))
    .$dynamic();
  for (const [i, hop] of hops.entries()) if (i > 0) query = query.leftJoin(hop, eq(hop.id, hops[i - 1]!.sourceVariableId));
  return query.where(eq(configVariables.environmentId, environmentId)).orderBy(asc(configVariables.key), asc(apps.name), asc(configVariables.id));
}

/** A variable as people and the API see it (a secret's value never). */
export function toVariableView(row: VariableRow): ConfigVariableView {
  return {
    id: row.id,
    key: row.key,
    app: row.app,
    secret: row.secret,
    value: row.secret ? null : row.value,
    inheritedFrom: row.sourceVariableId ? row.source : null,
    version: row.version,
    updatedAt: row.updatedAt,
    updatedBy: row.updatedBy,
  };
}

/** What a variable's reference chain resolves to, as plain text (secrets decrypted: for the platform and config diffs only, never shown). */
export const resolvedValueOf = (row: Pick<VariableRow, "resolvedSecret" | "resolvedValue" | "resolvedEncryptedValue">): string => (row.resolvedSecret ? decryptSecret(row.resolvedEncryptedValue ?? "") : (row.resolvedValue ?? ""));

/**
 * The config variables that apply in an environment, its own and those inherited from its source.
 *
 * @returns the variables (secret values null), each saying where it is inherited from
 * @throws ServiceError 400 `invalid_input`; 403 `forbidden` (without `config.view` there); 404 `not_found`; 409 `ambiguous`
 */
export async function listConfig(ctx: ServiceContext, input: { environment: string }): Promise<ConfigVariableView[]> {
  await authorizeEnvironmentRef(ctx, "pipeline.view", input.environment);
  const environment = await environmentByName(ctx.db, input.environment);
  const pipeline = await pipelineTarget(ctx.db, environment.pipelineId);
  authorize(ctx, "config.view", { type: "environment", id: qualifiedName(pipeline, environment.name), viewConfigRoles: environment.settings.access?.viewConfig, pipeline });
  return configVariablesOf(ctx.db, environment.id);
}

/** An environment's variables as people see them (secret values never), by key then app: one statement. Callers authorize `config.view` first. */
export async function configVariablesOf(db: Db, environmentId: string): Promise<ConfigVariableView[]> {
  return ((await variablesQuery(db, environmentId)) as VariableRow[]).map(toVariableView);
}

/**
 * Sets a variable in the environment's pending config. Takes effect only through a `config`
 * deployment, which records it as a new config version (lib/services/config-snapshots.ts); other
 * deployments keep the version that runs. Audited with the old and new value, except for secrets: only that they changed.
 *
 * @returns the variable as stored (a secret's value null); it applies with the next config deployment
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`
 */
export async function setConfigVariable(ctx: ServiceContext, input: unknown): Promise<ConfigVariableView> {
  authorizeKind(ctx, "config.edit", "environment");
  const data = parseInput(setConfigInput, input);
  return ctx.db.transaction(async (tx) => {
    const environment = await environmentByName(tx, data.environment);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "config.edit", { type: "environment", id: ref, pipeline });
    const appId = await appIdOf(tx, environment.pipelineId, data.app);
    const [existing] = await tx
      .select()
      .from(configVariables)
      .where(and(eq(configVariables.environmentId, environment.id), appId ? eq(configVariables.appId, appId) : isNull(configVariables.appId), eq(configVariables.key, data.key)))
      .for("update");
    const now = ctx.clock.now();
    const stored = data.secret ? { value: null, encryptedValue: encryptSecret(data.value) } : { value: data.value, encryptedValue: null };
    let row: ConfigVariable;
    if (existing) {
      [row] = (await tx
        .update(configVariables)
        .set({ ...stored, secret: data.secret, sourceVariableId: null, version: existing.version + 1, updatedBy: ctx.actor.id, updatedAt: now })
        .where(eq(configVariables.id, existing.id))
        .returning()) as [ConfigVariable];
    } else {
      [row] = (await tx
        .insert(configVariables)
        .values({ id: newId("cfg"), environmentId: environment.id, appId, key: data.key, ...stored, secret: data.secret, updatedBy: ctx.actor.id, updatedAt: now })
        .returning()) as [ConfigVariable];
    }
    const anySecret = data.secret || Boolean(existing?.secret);
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "config.set",
      targetType: "environment",
      targetId: ref,
      reason: data.reason,
      data: {
        key: data.key,
        app: data.app ?? null,
        secret: data.secret,
        ...(anySecret ? { changed: true } : { old: existing?.value ?? null, new: data.value }),
      },
    });
    return { id: row.id, key: row.key, app: data.app ?? null, secret: row.secret, value: row.secret ? null : row.value, inheritedFrom: null, version: row.version, updatedAt: row.updatedAt, updatedBy: ctx.actor.email };
  });
}

/**
 * Removes one config variable of an environment (or of one app there); audited.
 *
 * @returns nothing; the variable is gone from the next config deployment
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`
 */
export async function deleteConfigVariable(ctx: ServiceContext, input: unknown): Promise<void> {
  authorizeKind(ctx, "config.edit", "environment");
  const data = parseInput(deleteConfigInput, input);
  await ctx.db.transaction(async (tx) => {
    const environment = await environmentByName(tx, data.environment);
    const pipeline = await pipelineTarget(tx, environment.pipelineId);
    const ref = qualifiedName(pipeline, environment.name);
    authorize(ctx, "config.edit", { type: "environment", id: ref, pipeline });
    const appId = await appIdOf(tx, environment.pipelineId, data.app);
    const where = and(eq(configVariables.environmentId, environment.id), appId ? eq(configVariables.appId, appId) : isNull(configVariables.appId), eq(configVariables.key, data.key));
    const [existing] = await tx.select().from(configVariables).where(where);
    if (!existing) throw new NotFoundError(`${data.environment} has no variable ${data.key}${data.app ? ` for ${data.app}` : ""}.`);
    // Review environments may hold copies by reference: they stop pointing at this one.
    await tx.update(configVariables).set({ sourceVariableId: null }).where(eq(configVariables.sourceVariableId, existing.id));
    await tx.delete(configVariables).where(eq(configVariables.id, existing.id));
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "config.delete",
      targetType: "environment",
      targetId: ref,
      reason: data.reason,
      data: { key: data.key, app: data.app ?? null, secret: existing.secret, ...(existing.secret ? {} : { old: existing.value }) },
    });
  });
}

/** A variable's plain value, following a review environment's reference to its source (secrets decrypted). */
export async function valueOf(db: Db, variable: ConfigVariable, depth = 0): Promise<string> {
  if (variable.sourceVariableId && depth < 5) {
    const [source] = await db.select().from(configVariables).where(eq(configVariables.id, variable.sourceVariableId));
    if (source) return valueOf(db, source, depth + 1);
  }
  return variable.secret ? decryptSecret(variable.encryptedValue ?? "") : (variable.value ?? "");
}

/**
 * The variables an app receives in an environment, secrets decrypted: environment-wide ones,
 * overridden by the app's own. Only the controller calls this, to hand them to the platform.
 */
export async function resolveConfig(db: Db, environmentId: string, appId: string): Promise<{ values: Record<string, string>; secretValues: string[] }> {
  const rows = await db
    .select()
    .from(configVariables)
    .where(and(eq(configVariables.environmentId, environmentId), or(isNull(configVariables.appId), eq(configVariables.appId, appId))));
  const values: Record<string, string> = {};
  const secrets = new Map<string, string>();
  // Environment-wide first, then the app's own, which override them.
  for (const row of [...rows.filter((r) => r.appId === null), ...rows.filter((r) => r.appId !== null)]) {
    values[row.key] = await valueOf(db, row);
    if (row.secret) secrets.set(row.key, values[row.key]!);
    else secrets.delete(row.key);
  }
  return { values, secretValues: [...secrets.values()].filter((v) => v.length >= 4) };
}

/** Replaces every secret value in a text (job output, a crashing app's log) before it is stored or shown. */
export function redactSecrets(text: string, secretValues: readonly string[]): string {
  let result = text;
  for (const secret of secretValues) result = result.split(secret).join("[secret]");
  return result;
}

/** When the configuration last changed, to tell whether a deployment is needed to apply it. */
export async function configChangedAt(db: Db, environmentId: string): Promise<Date | null> {
  const [row] = await db
    .select({ at: sql<Date | null>`max(${configVariables.updatedAt})` })
    .from(configVariables)
    .where(eq(configVariables.environmentId, environmentId));
  return row?.at ? new Date(row.at) : null;
}
