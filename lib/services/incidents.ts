import { LIMITS } from "@/lib/limits";
import { and, asc, desc, eq, isNull, or, sql, type Placeholder, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { environments, incidents, pipelines, users, type Incident } from "@/db/schema";
import { INCIDENT_STATES, type IncidentState, type RequestSource } from "@/db/schema/enums";
import type { Clock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import type { ServiceContext } from "./context";
import type { PersonRef } from "./environments";
import { ConflictError, NotFoundError, RuleError } from "./errors";
import { requireLiveEnvironment } from "./live-environments";
import { httpUrl, environmentRef, pipelineName } from "./schemas";
import { parseInput } from "./validation";
import { webhookActor, type WebhookSender } from "./webhook-actor";
import { authorizeEnvironmentRef, authorizePipelineRead, coverageTarget, parseRef, pipelineTarget, qualifiedName, resolvePipeline } from "./pipeline-scope";

/**
 * Incidents: while an environment has an open one, the incident gate refuses deployments into it
 * (lib/domain/gates/incident.ts). People declare and resolve them in the UI or the API; an
 * incident tool opens and closes them through a signed webhook (applyIncidentWebhook).
 */

/** Who opened an incident, as gates and banners name them: the person, else the incident tool (a webhook), else "someone". */
export function incidentOpener(name: string | null | undefined, openedVia: string): string {
  return name ?? (openedVia === "webhook" ? "the incident tool" : "someone");
}

export const INCIDENT_SEVERITIES = ["critical", "major", "minor"] as const;
export type IncidentSeverity = (typeof INCIDENT_SEVERITIES)[number];

const severity = z.enum(INCIDENT_SEVERITIES, { error: `expected one of ${INCIDENT_SEVERITIES.join(", ")}` });
const title = z
  .string({ error: 'expected a short title, e.g. "Checkout returns 500s"' })
  .trim()
  .min(3, { error: 'expected a short title of at least 3 characters, e.g. "Checkout returns 500s"' })
  .max(200, { error: "at most 200 characters" });
const externalId = z
  .string()
  .trim()
  .min(1, { error: "expected the incident tool's id" })
  .max(200, { error: "at most 200 characters" })
  .meta({ description: "The incident tool's own id (PagerDuty, Opsgenie, …): at most one open incident per id and environment", example: "PD-Q1W2E3" });

export const declareIncidentInput = z
  .strictObject({
    environment: environmentRef.optional().meta({ description: "The environment; omit it (and `pipeline`) for an incident of the whole organisation", example: "prod" }),
    pipeline: pipelineName.optional().meta({ description: "Without `environment`: an incident of every environment of this pipeline. With it: the pipeline a bare environment name is in." }),
    title: title.meta({ example: "Checkout returns 500s" }),
    severity: severity.default("major"),
    url: httpUrl.optional().meta({ description: "Where the incident is handled (the incident tool, a channel)" }),
    externalId: externalId.optional(),
  })
  .meta({ id: "DeclareIncident" });

export const resolveIncidentInput = z
  .strictObject({
    incidentId: z.string().min(1).max(100),
    note: z
      .string()
      .trim()
      .max(LIMITS.incidentNote, { error: `at most ${LIMITS.incidentNote} characters` })
      .optional()
      .meta({ description: "What fixed it; goes into the audit trail" }),
  })
  .meta({ id: "ResolveIncident" });

export const listIncidentsInput = z
  .object({
    environment: environmentRef.optional(),
    state: z.enum(INCIDENT_STATES, { error: `expected ${INCIDENT_STATES.join(" or ")}` }).optional(),
    limit: z.coerce.number({ error: "expected a whole number from 1 to 200" }).int().min(1).max(200).default(50).meta({ description: "At most this many resolved incidents (open ones are always all listed)" }),
  })
  .meta({ id: "ListIncidents" });

/**
 * What an incident tool sends to POST /api/v1/webhooks/incidents. `open` creates an incident
 * (an open one with the same externalId on the environment is returned as it is); `resolve`
 * resolves the open one with that externalId on the environment (nothing to resolve: no change).
 */
export const incidentWebhookPayload = z
  .strictObject({
    action: z.enum(["open", "resolve"], { error: "expected open or resolve" }),
    externalId: externalId.meta({ description: "The incident tool's own id; identifies the incident for `resolve`", example: "PD-Q1W2E3" }),
    environment: environmentRef.meta({ example: "prod" }),
    title: title.optional().meta({ description: "Required for `open`" }),
    severity: severity.optional().meta({ description: "For `open` (default major)" }),
    url: httpUrl.optional().meta({ description: "For `open`: where the incident is handled" }),
  })
  .superRefine((payload, ctx) => {
    if (payload.action === "open" && !payload.title) ctx.addIssue({ code: "custom", path: ["title"], message: "required to open an incident" });
  })
  .meta({ id: "IncidentWebhook" });

export type IncidentWebhookPayload = z.output<typeof incidentWebhookPayload>;

export interface IncidentView {
  id: string;
  /** The environment's name; for a wider incident, what it covers: "every environment of shop", "every environment". */
  environment: string;
  scope: "environment" | "pipeline" | "organisation";
  /** The pipeline of the environment, or the pipeline it covers; null for the whole organisation. */
  pipeline: string | null;
  title: string;
  severity: string;
  state: IncidentState;
  externalId: string | null;
  url: string | null;
  openedVia: RequestSource;
  openedBy: PersonRef | null;
  openedAt: Date;
  resolvedBy: PersonRef | null;
  resolvedAt: Date | null;
}

const opener = alias(users, "incident_opener");
const resolver = alias(users, "incident_resolver");

/** Incidents with their environment, pipeline and people joined (what viewOf takes). */
export function selectIncidents(db: Db) {
  return db
    .select({ incident: incidents, environmentName: environments.name, pipeline: pipelines.name, openerName: opener.name, openerEmail: opener.email, resolverName: resolver.name, resolverEmail: resolver.email })
    .from(incidents)
    .leftJoin(environments, eq(environments.id, incidents.environmentId))
    .leftJoin(pipelines, sql`${pipelines.id} = coalesce(${incidents.pipelineId}, ${environments.pipelineId})`)
    .leftJoin(opener, eq(opener.id, incidents.openedBy))
    .leftJoin(resolver, eq(resolver.id, incidents.resolvedBy));
}

export type Joined = { incident: Incident; environmentName: string | null; pipeline: string | null; openerName: string | null; openerEmail: string | null; resolverName: string | null; resolverEmail: string | null };

const person = (id: string | null, name: string | null, email: string | null): PersonRef | null => (id && name && email ? { id, name, email } : null);

/** What an incident covers, for people: the environment's name, or "every environment (of shop)". */
function coverage(row: Pick<Joined, "environmentName" | "pipeline">): string {
  return row.environmentName ?? (row.pipeline ? `every environment of ${row.pipeline}` : "every environment");
}

/** One joined incident row as people see it. */
export function viewOf(row: Joined): IncidentView {
  const i = row.incident;
  return {
    id: i.id,
    environment: coverage(row),
    scope: i.environmentId ? "environment" : i.pipelineId ? "pipeline" : "organisation",
    pipeline: row.pipeline,
    title: i.title,
    severity: i.severity,
    state: i.state,
    externalId: i.externalId,
    url: i.url,
    openedVia: i.openedVia,
    openedBy: person(i.openedBy, row.openerName, row.openerEmail),
    openedAt: i.openedAt,
    resolvedBy: person(i.resolvedBy, row.resolverName, row.resolverEmail),
    resolvedAt: i.resolvedAt,
  };
}

async function incidentById(db: Db, id: string): Promise<IncidentView> {
  const [row] = await selectIncidents(db).where(eq(incidents.id, id));
  if (!row) throw new NotFoundError(`No incident with id "${id}".`);
  return viewOf(row);
}

async function openWithExternalId(db: Db, environmentId: string, externalId: string): Promise<Incident | undefined> {
  const [row] = await db
    .select()
    .from(incidents)
    .where(and(eq(incidents.environmentId, environmentId), eq(incidents.externalId, externalId), eq(incidents.state, "open")))
    .orderBy(asc(incidents.openedAt))
    .limit(1);
  return row;
}

/** Inserts an open incident and its audit event; the caller holds the environment's row lock. */
async function insertIncident(
  tx: Db,
  ctx: ServiceContext,
  environment: { id: string | null; name: string; pipelineId?: string | null },
  data: { title: string; severity: string; url?: string | undefined; externalId?: string | undefined },
  audit: Record<string, unknown> = {},
): Promise<string> {
  const id = newId("inc");
  await tx.insert(incidents).values({
    id,
    environmentId: environment.id,
    pipelineId: environment.id ? null : (environment.pipelineId ?? null),
    title: data.title,
    severity: data.severity,
    state: "open",
    externalId: data.externalId ?? null,
    url: data.url ?? null,
    openedVia: ctx.actor.via,
    openedBy: ctx.actor.id,
    openedAt: ctx.clock.now(),
  });
  await recordAudit(tx, ctx.actor, ctx.clock, {
    action: "incident.open",
    targetType: "incident",
    targetId: id,
    reason: data.title,
    data: { environment: environment.name, title: data.title, severity: data.severity, externalId: data.externalId ?? null, url: data.url ?? null, ...audit },
  });
  return id;
}

/** A qualified reference's pipeline as a condition on the environment; none for a bare name. */
function pipelineOfRef(ref: string): SQL | undefined {
  const pipeline = parseRef(ref).pipeline;
  return pipeline ? sql`${environments.pipelineId} in (select id from pipelines where name = ${pipeline})` : undefined;
}

/** Locks the environment's row so two requests for the same externalId cannot both open one. */
async function lockEnvironment(tx: Db, name: string, pipeline?: string) {
  const environment = await requireLiveEnvironment(tx, name, "environment", pipeline);
  await tx.select({ id: environments.id }).from(environments).where(eq(environments.id, environment.id)).for("update");
  return environment;
}

/**
 * Declares an incident on an environment, on every environment of a pipeline (`pipeline` without
 * `environment`), or on every environment of every pipeline (neither): deployments there are
 * refused until it is resolved.
 *
 * @returns the open incident
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `ambiguous`, `duplicate_incident`
 */
export async function declareIncident(ctx: ServiceContext, input: unknown): Promise<IncidentView> {
  authorizeKind(ctx, "incident.manage", "incident");
  const data = parseInput(declareIncidentInput, input);
  if (!data.environment) {
    const id = await ctx.db.transaction(async (tx) => {
      const pipeline = data.pipeline ? await resolvePipeline(tx, data.pipeline) : null;
      authorize(ctx, "incident.manage", { type: "pipeline", id: pipeline?.name, ...(pipeline ? { pipeline: { id: pipeline.id, teamId: pipeline.teamId } } : {}) });
      const label = pipeline ? `every environment of ${pipeline.name}` : "every environment";
      return insertIncident(tx, ctx, { id: null, name: label, pipelineId: pipeline?.id ?? null }, data, { scope: pipeline ? "pipeline" : "organisation", pipeline: pipeline?.name ?? null });
    });
    return incidentById(ctx.db, id);
  }
  const ref = data.environment;
  const id = await ctx.db.transaction(async (tx) => {
    const environment = await lockEnvironment(tx, ref, data.pipeline);
    const owner = await pipelineTarget(tx, environment.pipelineId);
    authorize(ctx, "incident.manage", { type: "environment", id: qualifiedName(owner, environment.name), pipeline: owner });
    if (data.externalId) {
      const existing = await openWithExternalId(tx, environment.id, data.externalId);
      if (existing) {
        throw new ConflictError(`${environment.name} already has an open incident with externalId "${data.externalId}": "${existing.title}" (${existing.id}).`, "duplicate_incident", {
          externalId: `already open on ${environment.name} as ${existing.id}`,
        });
      }
    }
    return insertIncident(tx, ctx, environment, data);
  });
  return incidentById(ctx.db, id);
}

async function resolveLocked(tx: Db, ctx: ServiceContext, incident: Incident, environment: string, note: string | null, audit: Record<string, unknown> = {}) {
  const now = ctx.clock.now();
  await tx.update(incidents).set({ state: "resolved", resolvedAt: now, resolvedBy: ctx.actor.id }).where(eq(incidents.id, incident.id));
  await recordAudit(tx, ctx.actor, ctx.clock, {
    action: "incident.resolve",
    targetType: "incident",
    targetId: incident.id,
    reason: note,
    data: { environment, title: incident.title, severity: incident.severity, externalId: incident.externalId, openedAt: incident.openedAt.toISOString(), openForMs: now.getTime() - incident.openedAt.getTime(), ...audit },
  });
}

/**
 * Resolves an open incident; the incident gate lets deployments into its environment through again.
 *
 * @returns the incident, now resolved
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 422 `already_resolved`
 */
export async function resolveIncident(ctx: ServiceContext, input: unknown): Promise<IncidentView> {
  authorizeKind(ctx, "incident.manage", "incident");
  const data = parseInput(resolveIncidentInput, input);
  await ctx.db.transaction(async (tx) => {
    const [row] = await selectIncidents(tx).where(eq(incidents.id, data.incidentId)).for("update", { of: incidents });
    if (!row) throw new NotFoundError(`No incident with id "${data.incidentId}".`);
    authorize(ctx, "incident.manage", { type: "incident", id: row.incident.id, pipeline: await coverageTarget(tx, row.incident) });
    if (row.incident.state !== "open") {
      const by = row.resolverName ? ` by ${row.resolverName}` : "";
      throw new RuleError(`The incident "${row.incident.title}" was already resolved${by}${row.incident.resolvedAt ? ` at ${row.incident.resolvedAt.toISOString()}` : ""}.`, "already_resolved");
    }
    await resolveLocked(tx, ctx, row.incident, coverage(row), data.note || null);
  });
  return incidentById(ctx.db, data.incidentId);
}

/**
 * One incident by id.
 *
 * @returns the incident
 * @throws ServiceError 403 `forbidden`; 404 `not_found`
 */
export async function getIncident(ctx: ServiceContext, incidentId: string): Promise<IncidentView> {
  authorize(ctx, "pipeline.view", { type: "incident", id: incidentId });
  const incident = await incidentById(ctx.db, incidentId);
  await authorizePipelineRead(ctx, { type: "incident", id: incidentId }, { pipelineName: incident.pipeline });
  return incident;
}

/**
 * Open incidents first (oldest first: the longest-running matters most), then resolved ones, newest first.
 *
 * @returns the incidents the actor may see
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 409 `ambiguous`
 */
export async function listIncidents(ctx: ServiceContext, input: unknown = {}): Promise<IncidentView[]> {
  const data = parseInput(listIncidentsInput, input);
  authorize(ctx, "pipeline.view", { type: "pipeline" });
  const environment = data.environment ? await requireLiveEnvironment(ctx.db, data.environment) : null;
  // An environment's incidents: its own, its pipeline's and the organisation's. A token restricted
  // to one pipeline reads that pipeline's and the organisation's only.
  const restriction = ctx.actor.pipelineRestriction;
  const scope: SQL | undefined = and(environment ? coveringIncidents(environment) : undefined, restriction ? coveringPipelineIncidents(restriction) : undefined);
  const open =
    data.state === "resolved"
      ? []
      : await selectIncidents(ctx.db)
          .where(and(scope, eq(incidents.state, "open")))
          .orderBy(asc(incidents.openedAt));
  const resolved =
    data.state === "open"
      ? []
      : await selectIncidents(ctx.db)
          .where(and(scope, eq(incidents.state, "resolved")))
          .orderBy(desc(incidents.resolvedAt), desc(incidents.id))
          .limit(data.limit);
  return [...open, ...resolved].map(viewOf);
}

/** Incidents that touch the pipeline: declared on one of its environments, on it, or on the whole organisation. */
function coveringPipelineIncidents(pipelineId: string): SQL {
  return or(
    sql`${incidents.environmentId} in (select ${environments.id} from ${environments} where ${environments.pipelineId} = ${pipelineId})`,
    and(isNull(incidents.environmentId), or(isNull(incidents.pipelineId), eq(incidents.pipelineId, pipelineId))),
  )!;
}

/** Incidents that cover the environment: declared on it, on its pipeline, or on the whole organisation. */
export function coveringIncidents(environment: { id: string | Placeholder; pipelineId: string | Placeholder }): SQL {
  return or(eq(incidents.environmentId, environment.id), and(isNull(incidents.environmentId), or(isNull(incidents.pipelineId), eq(incidents.pipelineId, environment.pipelineId))))!;
}

export interface WebhookResult {
  /** false: the incident was already open (open), or there was none open to resolve (resolve). */
  changed: boolean;
  incident: IncidentView | null;
}

/**
 * Applies an incident tool's webhook (already authenticated by its signature): opens an incident,
 * idempotently on externalId, or resolves the open one with that externalId. Acts as Slipway's
 * automation (via "webhook") and is audited like any other change.
 */
export async function applyIncidentWebhook(db: Db, clock: Clock, payload: unknown, sender: WebhookSender = {}): Promise<WebhookResult> {
  const data = parseInput(incidentWebhookPayload, payload);
  const ctx: ServiceContext = { db, actor: webhookActor(sender), clock };
  await authorizeEnvironmentRef(ctx, "incident.manage", data.environment);
  const audit = sender.userAgent ? { sender: sender.userAgent.slice(0, 200) } : {};
  const outcome = await db.transaction(async (tx): Promise<{ changed: boolean; id: string | null }> => {
    if (data.action === "open") {
      const environment = await lockEnvironment(tx, data.environment);
      const existing = await openWithExternalId(tx, environment.id, data.externalId);
      if (existing) return { changed: false, id: existing.id };
      const id = await insertIncident(tx, ctx, environment, { title: data.title!, severity: data.severity ?? "major", url: data.url, externalId: data.externalId }, audit);
      return { changed: true, id };
    }
    // Resolving needs no live environment: a review environment may be gone by the time its incident closes.
    const [row] = await selectIncidents(tx)
      .where(and(eq(environments.name, parseRef(data.environment).name), pipelineOfRef(data.environment), eq(incidents.externalId, data.externalId), eq(incidents.state, "open")))
      .orderBy(asc(incidents.openedAt))
      .limit(1)
      .for("update", { of: incidents });
    if (!row) return { changed: false, id: null };
    await resolveLocked(tx, ctx, row.incident, coverage(row), null, audit);
    return { changed: true, id: row.incident.id };
  });
  return { changed: outcome.changed, incident: outcome.id ? await incidentById(db, outcome.id) : null };
}
