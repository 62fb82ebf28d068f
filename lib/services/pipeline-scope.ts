import { and, asc, eq, inArray, isNull, sql } from "drizzle-orm";
import type { Db } from "@/db/client";
import { apps, environments, pipelines, type App, type Environment, type Pipeline } from "@/db/schema";
import type { Action } from "@/lib/auth/policy";
import { authorize } from "./authorize";
import type { ServiceContext } from "./context";
import { AmbiguousError, ForbiddenError, NotFoundError, ServiceError, ValidationError } from "./errors";

/**
 * Which pipeline a name belongs to. Environment and app names are unique only within a pipeline, so
 * everything that names one takes a **reference**: `"<pipeline>/<name>"` (qualified, like a
 * Kubernetes `namespace/name`) or a bare `"<name>"` (what CI scripts written for one pipeline send).
 * A bare name resolves when exactly one pipeline has it; in several it is a 409 `ambiguous` listing
 * the qualified references to choose from.
 */

const LIVE = sql`${environments.state} not in ('torn-down', 'retired')`;

/** What a caller already knows about the pipeline: a route's `{pipeline}`, a body's `pipeline`, a token's restriction. */
export interface ScopeOptions {
  /** The pipeline's name; a qualified reference must agree with it. */
  pipeline?: string | null | undefined;
  /** The field the reference came from, for field errors (default "environment" / "app"). */
  field?: string | undefined;
}

/** `"shop/dev"` → `{ pipeline: "shop", name: "dev" }`; `"dev"` → `{ pipeline: null, name: "dev" }`. */
export function parseRef(ref: string): { pipeline: string | null; name: string } {
  const slash = ref.indexOf("/");
  if (slash < 0) return { pipeline: null, name: ref };
  return { pipeline: ref.slice(0, slash), name: ref.slice(slash + 1) };
}

/** `"shop"`, `"dev"` → `"shop/dev"`. */
export function qualifiedName(pipeline: Pick<Pipeline, "name"> | string, name: string): string {
  return `${typeof pipeline === "string" ? pipeline : pipeline.name}/${name}`;
}

/**
 * How an audit event names an environment: `"shop/dev"`, never the bare name another pipeline may
 * share (lib/services/audit-scope.ts finds an event's pipeline through it). One look-up by primary
 * key; callers that hold the pipeline already use `qualifiedName`.
 * @throws NotFoundError
 */
export async function environmentAuditRef(db: Db, environment: Pick<Environment, "name" | "pipelineId">): Promise<string> {
  return qualifiedName(await pipelineTarget(db, environment.pipelineId), environment.name);
}

/**
 * `authorize` for a call that names an environment before looking it up (a read, a webhook): the
 * policy decides on the kind of target alone, so a refusal is the same 403 whether or not the name
 * exists. Only what the refusal records changes: the environment qualified ("shop/dev") when `ref`
 * resolves to one live environment, else `ref` as the caller typed it (unknown, ambiguous or
 * malformed: the refusal does not say which). Looks up nothing unless refused.
 * @throws ForbiddenError
 */
export async function authorizeEnvironmentRef(ctx: ServiceContext, action: Action, ref: string): Promise<void> {
  try {
    authorize(ctx, action, { type: "environment", id: ref });
  } catch (error) {
    if (!(error instanceof ForbiddenError)) throw error;
    let resolved: string | null = null;
    try {
      resolved = await environmentAuditRef(ctx.db, await resolveEnvironment(ctx.db, ref));
    } catch (lookup) {
      if (!(lookup instanceof ServiceError)) throw lookup;
    }
    throw resolved === null ? error : new ForbiddenError(error.message, { ...error.attempt, targetId: resolved });
  }
}

/** A pipeline by name. @throws NotFoundError naming the pipelines that exist */
export async function resolvePipeline(db: Db, name: string): Promise<Pipeline> {
  const [pipeline] = await db.select().from(pipelines).where(eq(pipelines.name, name));
  if (pipeline) return pipeline;
  const names = (await db.select({ name: pipelines.name }).from(pipelines).orderBy(asc(pipelines.name))).map((p) => p.name);
  throw new NotFoundError(`No pipeline "${name}"${names.length ? `; the pipelines are ${names.join(", ")}` : ": none is loaded yet"}.`);
}

/** Every pipeline, by name. */
export async function listPipelines(db: Db): Promise<Pipeline[]> {
  return db.select().from(pipelines).orderBy(asc(pipelines.name));
}

/**
 * The pipelines the actor may read, by name: every one, or only its own for a token restricted to
 * one pipeline (a handful: one page).
 * @throws ForbiddenError without a role
 */
export async function listReadablePipelines(ctx: Pick<ServiceContext, "actor" | "db">): Promise<Pipeline[]> {
  authorize(ctx, "pipeline.view");
  const restriction = ctx.actor.pipelineRestriction;
  return restriction ? ctx.db.select().from(pipelines).where(eq(pipelines.id, restriction)) : listPipelines(ctx.db);
}

/** The pipeline an environment or an app belongs to (by id). @throws NotFoundError */
export async function pipelineOf(db: Db, ref: { environmentId: string } | { appId: string }): Promise<Pipeline> {
  const [row] =
    "environmentId" in ref
      ? await db.select({ pipeline: pipelines }).from(environments).innerJoin(pipelines, eq(pipelines.id, environments.pipelineId)).where(eq(environments.id, ref.environmentId))
      : await db.select({ pipeline: pipelines }).from(apps).innerJoin(pipelines, eq(pipelines.id, apps.pipelineId)).where(eq(apps.id, ref.appId));
  if (!row) throw new NotFoundError("That environment or app does not exist.");
  return row.pipeline;
}

/**
 * The policy's view of a pipeline (`Target.pipeline`): its id and owner team, with its name for
 * naming its environments qualified (`qualifiedName(pipeline, environment.name)`) in audit events.
 * @throws NotFoundError
 */
export async function pipelineTarget(db: Db, pipelineId: string): Promise<{ id: string; teamId: string | null; name: string }> {
  const [row] = await db.select({ id: pipelines.id, teamId: pipelines.teamId, name: pipelines.name }).from(pipelines).where(eq(pipelines.id, pipelineId));
  if (!row) throw new NotFoundError("That pipeline does not exist.");
  return row;
}

/** The name of the pipeline `ref` names, explicitly or through `opts.pipeline`; null when bare and unscoped. */
function scopeOf(ref: string, opts: ScopeOptions, what: string, field: string): { pipeline: string | null; name: string } {
  const parsed = parseRef(ref);
  if (parsed.pipeline !== null && opts.pipeline && parsed.pipeline !== opts.pipeline) {
    throw new ValidationError(`The ${what} "${ref}" is not in the pipeline ${opts.pipeline}.`, { [field]: `expected a ${what} of ${opts.pipeline}, e.g. "${opts.pipeline}/${parsed.name}"` });
  }
  if (parsed.pipeline === "" || parsed.name === "" || parsed.name.includes("/")) {
    throw new ValidationError(`"${ref}" is not a ${what} reference.`, { [field]: `expected "<pipeline>/<${what}>" or "<${what}>"` });
  }
  return { pipeline: parsed.pipeline ?? opts.pipeline ?? null, name: parsed.name };
}

/**
 * A live environment (neither torn down nor retired) by reference.
 * @throws ValidationError when none has that name (listing the valid references: bare names while
 *   one pipeline exists, qualified ones otherwise), or the pipeline named does not exist
 * @throws AmbiguousError (409) when a bare name is live in several pipelines
 */
export async function resolveEnvironment(db: Db, ref: string, opts: ScopeOptions = {}): Promise<Environment> {
  const field = opts.field ?? "environment";
  const scope = scopeOf(ref, opts, "environment", field);
  const rows = await db
    .select({ environment: environments, pipeline: pipelines.name })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(and(eq(environments.name, scope.name), LIVE, scope.pipeline !== null ? eq(pipelines.name, scope.pipeline) : undefined));
  if (rows.length === 1) return rows[0]!.environment;
  if (rows.length > 1) {
    const candidates = rows.map((r) => qualifiedName(r.pipeline, scope.name)).sort();
    throw ambiguous("environment", scope.name, candidates, field);
  }
  const known = await liveEnvironmentRefs(db, scope.pipeline);
  throw new ValidationError(`Unknown environment "${ref}".`, { [field]: `unknown environment "${ref}"${known.length ? `; expected one of ${known.join(", ")}` : ""}` });
}

/**
 * A current (not retired) app by reference; same rules as resolveEnvironment.
 * @throws ValidationError | AmbiguousError
 */
export async function resolveApp(db: Db, ref: string, opts: ScopeOptions = {}): Promise<App> {
  const field = opts.field ?? "app";
  const scope = scopeOf(ref, opts, "app", field);
  const rows = await db
    .select({ app: apps, pipeline: pipelines.name })
    .from(apps)
    .innerJoin(pipelines, eq(pipelines.id, apps.pipelineId))
    .where(and(eq(apps.name, scope.name), isNull(apps.retiredAt), scope.pipeline !== null ? eq(pipelines.name, scope.pipeline) : undefined));
  if (rows.length === 1) return rows[0]!.app;
  if (rows.length > 1) throw ambiguous("app", scope.name, rows.map((r) => qualifiedName(r.pipeline, scope.name)).sort(), field);
  const known = await db
    .select({ name: apps.name, pipeline: pipelines.name })
    .from(apps)
    .innerJoin(pipelines, eq(pipelines.id, apps.pipelineId))
    .where(and(isNull(apps.retiredAt), scope.pipeline !== null ? eq(pipelines.name, scope.pipeline) : undefined))
    .orderBy(asc(pipelines.name), asc(apps.position));
  const list = qualifyIfSeveral(known).join(", ");
  throw new ValidationError(`Unknown app "${ref}".`, { [field]: `unknown app "${ref}"${list ? `; expected one of ${list}` : ""}` });
}

/**
 * The live environments' references, in chain order (review ones after): bare names when they
 * all belong to one pipeline (or `pipeline` is given), else qualified.
 */
export async function liveEnvironmentRefs(db: Db, pipeline: string | null = null): Promise<string[]> {
  const rows = await db
    .select({ name: environments.name, pipeline: pipelines.name })
    .from(environments)
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .where(and(LIVE, pipeline !== null ? eq(pipelines.name, pipeline) : undefined))
    .orderBy(asc(pipelines.name), asc(environments.kind), asc(environments.position), asc(environments.name));
  return qualifyIfSeveral(rows);
}

function qualifyIfSeveral(rows: { name: string; pipeline: string }[]): string[] {
  const several = new Set(rows.map((r) => r.pipeline)).size > 1;
  return rows.map((r) => (several ? qualifiedName(r.pipeline, r.name) : r.name));
}

function ambiguous(what: string, name: string, candidates: string[], field: string): AmbiguousError {
  const pipelineNames = candidates.map((c) => parseRef(c).pipeline!);
  const listed = pipelineNames.length === 2 ? `${pipelineNames[0]} and ${pipelineNames[1]}` : `${pipelineNames.slice(0, -1).join(", ")} and ${pipelineNames.at(-1)}`;
  const choices = candidates.length === 2 ? `${candidates[0]} or ${candidates[1]}` : `one of ${candidates.join(", ")}`;
  return new AmbiguousError(`The ${what} "${name}" exists in pipelines ${listed}: use ${choices}.`, candidates, { [field]: `ambiguous: use ${choices}` });
}

/**
 * "The" pipeline for a legacy request that names none (`GET /api/v1/pipeline`): the only one loaded.
 * @throws NotFoundError when none is loaded; AmbiguousError (409) listing them when there are several
 */
export async function solePipeline(db: Db): Promise<Pipeline> {
  const all = await listPipelines(db);
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw new NotFoundError("No pipeline is loaded yet: add one to pipelines/ (or send it with PUT /api/v1/pipelines/{name}) and restart.");
  const names = all.map((p) => p.name);
  throw new AmbiguousError(`Slipway runs ${names.length} pipelines (${names.join(", ")}): name one, e.g. /api/v1/pipelines/${names[0]}.`, names);
}

/** A pipeline by id. @throws NotFoundError */
export async function pipelineById(db: Db, id: string): Promise<Pipeline> {
  const [pipeline] = await db.select().from(pipelines).where(eq(pipelines.id, id));
  if (!pipeline) throw new NotFoundError("That pipeline does not exist.");
  return pipeline;
}

/**
 * A live environment by reference, or undefined when none has the name (for callers that answer
 * 404 themselves). `lock`: the row is locked for the rest of the transaction (and re-read, so a
 * concurrent teardown is seen).
 * @throws AmbiguousError (409) when a bare name is live in several pipelines
 */
export async function findLiveEnvironment(db: Db, ref: string, opts: ScopeOptions & { lock?: boolean } = {}): Promise<Environment | undefined> {
  let found: Environment;
  try {
    found = await resolveEnvironment(db, ref, opts);
  } catch (error) {
    if (error instanceof ValidationError) return undefined;
    throw error;
  }
  if (!opts.lock) return found;
  const [locked] = await db
    .select()
    .from(environments)
    .where(and(eq(environments.id, found.id), LIVE))
    .for("update");
  return locked;
}

/**
 * The pipeline a request without a path pipeline is about (cutting a release, spinning up a review
 * environment), from what it names, in this order: `pipeline` (a body field), the pipeline of an
 * environment reference, the pipeline of the apps of the builds it names; else the only pipeline.
 * @throws ValidationError when the hints disagree or name nothing that exists; NotFoundError for an
 *   unknown pipeline; AmbiguousError (409) when nothing decides and several pipelines exist
 */
export async function choosePipeline(db: Db, hints: { pipeline?: string | undefined; environment?: string | undefined; environmentField?: string; appIds?: string[] }): Promise<Pipeline> {
  if (hints.pipeline) return resolvePipeline(db, hints.pipeline);
  if (hints.environment) {
    const environment = await resolveEnvironment(db, hints.environment, { field: hints.environmentField ?? "environment" });
    return pipelineById(db, environment.pipelineId);
  }
  if (hints.appIds?.length) {
    const owners = await db.selectDistinct({ pipelineId: apps.pipelineId }).from(apps).where(inArray(apps.id, hints.appIds));
    if (owners.length === 1) return pipelineById(db, owners[0]!.pipelineId);
    if (owners.length > 1) throw new ValidationError("The builds named belong to apps of different pipelines: a release belongs to one pipeline.", { builds: "expected builds of one pipeline's apps" });
  }
  const all = await listPipelines(db);
  if (all.length === 1) return all[0]!;
  if (all.length === 0) throw new NotFoundError("No pipeline is loaded yet.");
  const names = all.map((p) => p.name);
  throw new AmbiguousError(`Slipway runs ${names.length} pipelines (${names.join(", ")}): say which with "pipeline".`, names, { pipeline: `expected one of ${names.join(", ")}` });
}

/**
 * The policy's view of the pipeline a freeze or incident covers: its own `pipelineId`, else its
 * environment's pipeline; undefined when it covers the whole organisation (then only global roles count).
 */
export async function coverageTarget(db: Db, row: { pipelineId: string | null; environmentId: string | null }): Promise<{ id: string; teamId: string | null } | undefined> {
  if (row.pipelineId) return pipelineTarget(db, row.pipelineId);
  if (!row.environmentId) return undefined;
  const owner = await pipelineOf(db, { environmentId: row.environmentId });
  return { id: owner.id, teamId: owner.teamId };
}

/**
 * A read of one pipeline's thing by id (a deployment, a release, a freeze): a token restricted to
 * another pipeline is refused. Anyone else may read every pipeline (the portfolio shows them all),
 * so only a restricted token costs the look-up. `pipeline`: the thing's pipeline, by id, through its
 * environment, or by name (null: it covers the whole organisation, e.g. a freeze, and every token
 * may read it).
 * @throws ForbiddenError naming the restriction
 */
export async function authorizePipelineRead(ctx: Pick<ServiceContext, "actor" | "db">, target: { type: string; id: string }, pipeline: { pipelineId: string } | { environmentId: string } | { pipelineName: string | null }): Promise<void> {
  if (!ctx.actor.pipelineRestriction) return;
  const owner =
    "pipelineId" in pipeline
      ? await pipelineTarget(ctx.db, pipeline.pipelineId)
      : "environmentId" in pipeline
        ? await pipelineOf(ctx.db, { environmentId: pipeline.environmentId })
        : pipeline.pipelineName === null
          ? undefined
          : await resolvePipeline(ctx.db, pipeline.pipelineName);
  authorize(ctx, "pipeline.view", { ...target, ...(owner ? { pipeline: { id: owner.id, teamId: owner.teamId } } : {}) });
}
