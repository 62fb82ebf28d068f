import { LIMITS } from "@/lib/limits";
import { and, asc, desc, eq, gt, isNull, or, sql, type Placeholder, type SQL } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { preparedRead } from "@/db/queries/prepared";
import { environments, freezes, pipelines, type Environment } from "@/db/schema";
import { DURATION_HINT, DURATION_PATTERN, parseDuration } from "@/lib/config/duration";
import { rruleProblem } from "@/lib/config/gates-schema";
import { isValidTimeZone } from "@/lib/config/primitives";
import type { StoredFreeze } from "@/lib/domain/gates/freeze";
import { periodsBetween } from "@/lib/domain/gates/freeze-schedule";
import { formatDate, formatList } from "@/lib/domain/gates/format";
import { FIELD_LABELS } from "@/lib/domain/freeze-labels";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import { listStoredFreezes, selectFreezes, type JoinedFreeze } from "@/db/queries/freezes";
import { compareFreezes, configuredFreezes, NEXT_HORIZON_MS, viewOfConfigured, viewOfStored, type FreezeView } from "./freeze-queries";
import { LIVE_ENVIRONMENT, requireLiveEnvironment } from "./live-environments";
import { NotFoundError, RuleError, ValidationError, type FieldErrors } from "./errors";
import { environmentRef, pipelineName } from "./schemas";
import { parseInput } from "./validation";
import { authorizePipelineRead, coverageTarget, pipelineById, qualifiedName, resolvePipeline } from "./pipeline-scope";

/**
 * Freezes declared by people (the UI, the API): periods in which deployments into one environment,
 * or into every environment ("stop the line"), wait. The freeze gate (lib/domain/gates/freeze.ts)
 * reads these rows together with the freezes of slipway.yaml; this file writes them and lists both.
 */

/** Ended and lifted freezes shown with `includeLifted`, newest first. */
const HISTORY_LIMIT = 100;

const instant = (what: string) => z.iso.datetime({ offset: true, error: `expected an ISO 8601 time with a zone offset, e.g. 2026-12-22T00:00:00Z (${what})` });

const freezeReason = z
  .string({ error: (issue) => (issue.input === undefined ? "say why deployments stop: whoever is blocked reads it" : "expected text") })
  .trim()
  .min(3, { error: "say why deployments stop (at least 3 characters): whoever is blocked reads it" })
  .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` });

export const createFreezeInput = z
  .strictObject({
    environment: environmentRef.optional().meta({ description: "The environment to freeze. Omit it (and `pipeline`) to freeze every environment of every pipeline (stop the line).", example: "prod" }),
    pipeline: pipelineName.optional().meta({ description: "Without `environment`: freeze every environment of this pipeline. With it: the pipeline a bare environment name is in." }),
    name: z.string({ error: 'expected a short name, e.g. "payments outage"' }).trim().min(1, { error: 'expected a short name, e.g. "payments outage"' }).max(80, { error: "at most 80 characters" }).meta({ example: "payments outage" }),
    reason: freezeReason.meta({ example: "Payment provider outage: no changes until they confirm recovery" }),
    startsAt: instant("startsAt").optional().meta({ description: "When it starts (default: now). For a recurring freeze, its first occurrence (DTSTART): occurrences keep this wall-clock time in `timezone`." }),
    endsAt: instant("endsAt").nullable().optional().meta({ description: "When it ends (exclusive). Omit or null: until someone lifts it. For a recurring freeze, no occurrence reaches past it." }),
    rrule: z.string().trim().min(1).max(500, { error: "at most 500 characters" }).optional().meta({ description: "RFC 5545 RRULE for a recurring freeze, e.g. FREQ=WEEKLY;BYDAY=FR (needs `duration`)", example: "FREQ=WEEKLY;BYDAY=FR" }),
    duration: z
      .string()
      .regex(DURATION_PATTERN, { error: DURATION_HINT })
      .optional()
      .meta({ description: 'Length of each occurrence of a recurring freeze ("2h", "2d12h"); for a one-off freeze, another way to give its end (startsAt + duration)', example: "2h" }),
    durationMs: z.number().int({ error: "expected a whole number of milliseconds" }).positive({ error: "expected a positive number of milliseconds" }).optional().meta({ description: "`duration` in milliseconds" }),
    timezone: z
      .string()
      .refine(isValidTimeZone, { error: 'expected an IANA time zone such as "Europe/Berlin" or "UTC"' })
      .optional()
      .meta({ description: "Zone a recurring freeze's occurrences follow (default UTC), and the zone its times are shown in", example: "Europe/Berlin" }),
  })
  .meta({ id: "CreateFreeze" });

export const liftFreezeInput = z
  .strictObject({
    freezeId: z.string().min(1).max(100),
    reason: z
      .string({ error: (issue) => (issue.input === undefined ? "say why the freeze can end early: it goes into the audit trail" : "expected text") })
      .trim()
      .min(3, { error: "say why the freeze can end early (at least 3 characters): it goes into the audit trail" })
      .max(LIMITS.reason, { error: `at most ${LIMITS.reason} characters` }),
  })
  .meta({ id: "LiftFreeze" });

export const listFreezesInput = z
  .object({
    environment: environmentRef.optional().meta({ description: "Only freezes that apply to this environment (its own and stop-the-line ones)" }),
    includeLifted: z
      .union([z.boolean(), z.enum(["true", "false", "1", "0"]).transform((v) => v === "true" || v === "1")])
      .optional()
      .meta({ description: `Also the ${HISTORY_LIMIT} most recent lifted and ended freezes (default: active and upcoming only)` }),
  })
  .meta({ id: "ListFreezes" });

interface Schedule {
  startsAt: Date;
  endsAt: Date | null;
  rrule: string | null;
  durationMs: number | null;
  timezone: string | null;
}

/**
 * The cross-field rules of a new freeze, checked against the clock: an end after the start and
 * not already past, a recurring rule the gate can expand (checked with the gate's own code) and
 * that starts at least once, a duration for each occurrence. Every problem is reported at once.
 */
function scheduleOf(data: z.output<typeof createFreezeInput>, now: Date): Schedule {
  const fields: FieldErrors = {};
  const startsAt = data.startsAt ? new Date(data.startsAt) : now;
  let endsAt = data.endsAt ? new Date(data.endsAt) : null;
  const rrule = data.rrule ? data.rrule.replace(/^RRULE:/i, "") : null;
  let durationMs = data.durationMs ?? null;
  if (data.duration !== undefined) {
    if (durationMs !== null) fields.duration = "give duration or durationMs, not both";
    durationMs = parseDuration(data.duration);
    if (durationMs === null) fields.duration = `${DURATION_HINT}; got "${data.duration}"`;
  }
  if (rrule) {
    const problem = rruleProblem(rrule);
    if (problem) fields.rrule = problem;
    if (durationMs === null && !fields.duration) fields.duration = 'a recurring freeze needs the length of each occurrence, e.g. "2h" or "1d"';
  } else if (durationMs !== null && !fields.duration) {
    // A one-off freeze "for 2h": its end is the start plus the duration.
    if (endsAt) fields.duration = "give endsAt or a duration, not both";
    else endsAt = new Date(startsAt.getTime() + durationMs);
  }
  const timezone = data.timezone ?? (rrule ? "UTC" : null);
  // Times in messages are on the wall clock of the person's zone (the form sends the browser's).
  const shown = (at: Date) => `${formatDate(at, timezone ?? "UTC", now)} ${timezone ?? "UTC"}`;
  if (endsAt && endsAt <= startsAt) fields.endsAt = `the end must be after the start (${shown(startsAt)}); it is ${shown(endsAt)}`;
  else if (endsAt && endsAt <= now) fields.endsAt = `the end, ${shown(endsAt)}, has already passed: this freeze would never block anything`;
  if (rrule && !fields.rrule && !fields.duration && !fields.endsAt && durationMs !== null) {
    const schedule = { kind: "recurring" as const, rrule, durationMs, timezone: timezone ?? "UTC", dtstart: startsAt, until: endsAt };
    const from = startsAt > now ? startsAt : now;
    try {
      if (periodsBetween(schedule, from, new Date(from.getTime() + NEXT_HORIZON_MS)).length === 0) {
        fields.rrule = "this rule starts no freeze from now on (within five years): check FREQ, BY… parts, COUNT and UNTIL";
      }
    } catch (error) {
      fields.rrule = error instanceof Error ? error.message : String(error);
    }
  }
  const names = Object.keys(fields);
  if (names.length > 0) {
    const label = (name: string) => FIELD_LABELS[name] ?? name;
    throw new ValidationError(names.length === 1 ? `The freeze's ${label(names[0]!)} is not right: ${fields[names[0]!]}` : `The freeze's ${formatList(names.map(label))} are not right`, fields);
  }
  return { startsAt, endsAt, rrule, durationMs: rrule ? durationMs : null, timezone };
}

/**
 * Freezes for the UI and the API: from the database and from slipway.yaml, each with whether it
 * blocks now and when it next starts. By default only active and upcoming ones.
 *
 * @returns the freezes (stored and from slipway.yaml), each with whether it blocks now and when it next starts
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 409 `ambiguous`
 */
export async function listFreezes(ctx: ServiceContext, input: unknown = {}): Promise<FreezeView[]> {
  const data = parseInput(listFreezesInput, input);
  authorize(ctx, "pipeline.view", { type: "pipeline" });
  const now = ctx.clock.now();
  const environment = data.environment ? await requireLiveEnvironment(ctx.db, data.environment) : null;
  // The Freezes page's scope column names the pipeline of a pipeline-file freeze, filtered or not.
  const pipeline = environment ? ((await pipelineById(ctx.db, environment.pipelineId))?.name ?? null) : null;
  // A token restricted to one pipeline reads its freezes and the organisation's only.
  return freezeViews(ctx.db, now, environment && { ...environment, pipeline }, data.includeLifted ?? false, ctx.actor.pipelineRestriction ?? null);
}

/** Freezes that touch a pipeline: on one of its environments, on it, or on the whole organisation. */
function touchingPipeline(pipelineId: string): SQL {
  return or(
    sql`${freezes.environmentId} in (select ${environments.id} from ${environments} where ${environments.pipelineId} = ${pipelineId})`,
    and(isNull(freezes.environmentId), or(isNull(freezes.pipelineId), eq(freezes.pipelineId, pipelineId))),
  )!;
}

/** Freezes that cover an environment: its own, its pipeline's, and the organisation's. */
function coveringFreezes(environmentId: string | Placeholder, pipelineId: string | Placeholder): SQL {
  return or(eq(freezes.environmentId, environmentId), and(isNull(freezes.environmentId), or(isNull(freezes.pipelineId), eq(freezes.pipelineId, pipelineId))))!;
}

// Read on every environment page: prepared (db/queries/prepared.ts), planned once per connection.
const liveFreezesOfEnvironment = preparedRead("live_freezes_of_environment", (db, name) =>
  selectFreezes(db)
    .where(and(coveringFreezes(sql.placeholder("environmentId"), sql.placeholder("pipelineId")), isNull(freezes.liftedAt), or(isNull(freezes.endsAt), sql`${freezes.endsAt} > ${sql.placeholder("now")}::timestamptz`)))
    .orderBy(asc(freezes.startsAt))
    .prepare(name),
);

async function freezeViews(
  db: Db,
  now: Date,
  environment: (Pick<Environment, "id" | "pipelineId" | "name" | "settings"> & { pipeline?: string | null }) | null,
  includeLifted: boolean,
  /** A pipeline-restricted token's pipeline (id): only its freezes and the organisation's, history included. */
  restriction: string | null = null,
): Promise<FreezeView[]> {
  const data = { includeLifted };

  const scope: SQL | undefined = and(environment ? coveringFreezes(environment.id, environment.pipelineId) : undefined, restriction ? touchingPipeline(restriction) : undefined);
  const current = and(scope, isNull(freezes.liftedAt), or(isNull(freezes.endsAt), gt(freezes.endsAt, now)));
  const rows: JoinedFreeze[] = environment
    ? await liveFreezesOfEnvironment(db, { environmentId: environment.id, pipelineId: environment.pipelineId, now: now.toISOString() })
    : await selectFreezes(db).where(current).orderBy(asc(freezes.startsAt));
  if (data.includeLifted) {
    const past = and(scope, or(sql`${freezes.liftedAt} is not null`, sql`${freezes.endsAt} <= ${now.toISOString()}::timestamptz`));
    rows.push(...(await selectFreezes(db).where(past).orderBy(desc(freezes.createdAt)).limit(HISTORY_LIMIT)));
  }
  // The organisation-wide list names each environment's pipeline (the Freezes page's scope column); one environment's page needs no name.
  const live: { name: string; settings: Environment["settings"]; pipeline: string | null }[] = environment
    ? [{ name: environment.name, settings: environment.settings, pipeline: environment.pipeline ?? null }]
    : await db
        .select({ name: environments.name, settings: environments.settings, pipeline: pipelines.name })
        .from(environments)
        .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
        .where(and(LIVE_ENVIRONMENT, restriction ? eq(environments.pipelineId, restriction) : undefined))
        .orderBy(asc(pipelines.name), asc(environments.kind), asc(environments.position), asc(environments.name));
  return freezeViewsOf(rows, live, now, data.includeLifted);
}

/** Stored freeze rows and the slipway.yaml freezes of `live` environments as views, sorted; only those active or upcoming at `now` unless `includeLifted`. */
function freezeViewsOf(rows: JoinedFreeze[], live: { name: string; settings: Environment["settings"]; pipeline: string | null }[], now: Date, includeLifted: boolean): FreezeView[] {
  const current = (f: FreezeView) => includeLifted || f.state === "active" || f.state === "upcoming";
  const stored = rows.map((row) => viewOfStored(row, now)).filter(current);
  const configured = live.flatMap((e) => configuredFreezes(e.settings).map((f) => viewOfConfigured(e.name, f, now, e.pipeline))).filter(current);
  return [...stored, ...configured].sort(compareFreezes);
}

/**
 * The active and upcoming freezes covering one live environment (its own, its pipeline's and the
 * organisation's, stored or in its slipway.yaml section), from rows already read: `pipelineRows` are the live freezes
 * touching the environment's pipeline (board-guards.ts' liveFreezeRows, read once for a page that
 * also needs them for a gate), of which those covering the environment count. No statement.
 */
export function environmentFreezesFrom(pipelineRows: JoinedFreeze[], now: Date, environment: Pick<Environment, "id" | "pipelineId" | "name" | "settings">): FreezeView[] {
  const covering = pipelineRows.filter(({ freeze }) => freeze.environmentId === environment.id || (freeze.environmentId === null && (freeze.pipelineId === null || freeze.pipelineId === environment.pipelineId)));
  return freezeViewsOf(covering, [{ name: environment.name, settings: environment.settings, pipeline: null }], now, false);
}

/**
 * One stored freeze by id.
 *
 * @returns the freeze, with whether it blocks now
 * @throws ServiceError 403 `forbidden`; 404 `not_found`
 */
export async function getFreeze(ctx: ServiceContext, freezeId: string): Promise<FreezeView> {
  authorize(ctx, "pipeline.view", { type: "freeze", id: freezeId });
  const [row] = await selectFreezes(ctx.db).where(eq(freezes.id, freezeId));
  if (!row) throw new NotFoundError(`No freeze with id "${freezeId}".`);
  const view = viewOfStored(row, ctx.clock.now());
  await authorizePipelineRead(ctx, { type: "freeze", id: freezeId }, { pipelineName: view.pipeline });
  return view;
}

/**
 * Declares a freeze on one environment, or on every environment when none is named (stop the
 * line). Deployments into a frozen environment wait until it ends or is lifted.
 *
 * @returns the freeze, `active` or `scheduled`
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`
 */
export async function createFreeze(ctx: ServiceContext, input: unknown): Promise<FreezeView> {
  authorizeKind(ctx, "freeze.manage", "freeze");
  const data = parseInput(createFreezeInput, input);
  const schedule = scheduleOf(data, ctx.clock.now());
  const id = await ctx.db.transaction(async (tx) => {
    const environment = data.environment ? await requireLiveEnvironment(tx, data.environment, "environment", data.pipeline) : null;
    const pipeline = environment ? await pipelineById(tx, environment.pipelineId) : data.pipeline ? await resolvePipeline(tx, data.pipeline) : null;
    // A pipeline's lead manages its freezes; the organisation's stop-the-line takes a global role.
    authorize(ctx, "freeze.manage", {
      type: environment ? "environment" : "pipeline",
      id: environment && pipeline ? qualifiedName(pipeline, environment.name) : pipeline?.name,
      ...(pipeline ? { pipeline: { id: pipeline.id, teamId: pipeline.teamId } } : {}),
    });
    const id = newId("frz");
    await tx.insert(freezes).values({
      id,
      environmentId: environment?.id ?? null,
      pipelineId: environment ? null : (pipeline?.id ?? null),
      name: data.name,
      reason: data.reason,
      ...schedule,
      source: ctx.actor.via,
      createdBy: ctx.actor.id,
      createdAt: ctx.clock.now(),
    });
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "freeze.create",
      targetType: "freeze",
      targetId: id,
      reason: data.reason,
      data: {
        environment: environment?.name ?? null,
        pipeline: pipeline?.name ?? null,
        scope: environment ? "environment" : pipeline ? "pipeline" : "organisation",
        allEnvironments: environment === null && pipeline === null,
        name: data.name,
        startsAt: schedule.startsAt.toISOString(),
        endsAt: schedule.endsAt?.toISOString() ?? null,
        rrule: schedule.rrule,
        durationMs: schedule.durationMs,
        timezone: schedule.timezone,
      },
    });
    return id;
  });
  return getFreeze(ctx, id);
}

/**
 * Ends a freeze early (or cancels one not started yet). Freezes from slipway.yaml are lifted by editing the file.
 *
 * @returns the freeze, now lifted
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 422 `already_lifted`, `freeze_ended`
 */
export async function liftFreeze(ctx: ServiceContext, input: unknown): Promise<FreezeView> {
  authorizeKind(ctx, "freeze.manage", "freeze");
  const data = parseInput(liftFreezeInput, input);
  await ctx.db.transaction(async (tx) => {
    const [row] = await selectFreezes(tx).where(eq(freezes.id, data.freezeId)).for("update", { of: freezes });
    if (!row) throw new NotFoundError(`No freeze with id "${data.freezeId}".`);
    authorize(ctx, "freeze.manage", { type: "freeze", id: row.freeze.id, pipeline: await coverageTarget(tx, row.freeze) });
    const now = ctx.clock.now();
    const view = viewOfStored(row, now);
    if (view.lifted) {
      const by = view.lifted.by ? ` by ${view.lifted.by.name}` : "";
      throw new RuleError(`The freeze "${row.freeze.name}" was already lifted${by} at ${view.lifted.at.toISOString()}.`, "already_lifted");
    }
    if (view.state === "ended") throw new RuleError(`The freeze "${row.freeze.name}" has already ended: there is nothing to lift.`, "freeze_ended");
    await tx.update(freezes).set({ liftedAt: now, liftedBy: ctx.actor.id, liftReason: data.reason }).where(eq(freezes.id, row.freeze.id));
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "freeze.lift",
      targetType: "freeze",
      targetId: row.freeze.id,
      reason: data.reason,
      data: { environment: row.environment, allEnvironments: row.environment === null, name: row.freeze.name, wasActive: view.active, endsAt: row.freeze.endsAt?.toISOString() ?? null },
    });
  });
  return getFreeze(ctx, data.freezeId);
}

/**
 * The database's freezes as the freeze gate takes them (`FreezeSources.stored`): every one not
 * lifted and not over, for all environments; the gate picks the ones that apply.
 */
export async function storedFreezesForGate(db: Db, now: Date): Promise<StoredFreeze[]> {
  return listStoredFreezes(db, { notEndedBy: now });
}
