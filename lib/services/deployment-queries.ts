import { and, asc, desc, eq, gte, lt, sql, type Placeholder, type SQL } from "drizzle-orm";
import { alias } from "drizzle-orm/pg-core";
import { z } from "zod";
import type { Db } from "@/db/client";
import { preparedRead } from "@/db/queries/prepared";
import { apps, deploymentSteps, deployments, environments, pipelines, releases, users, type Deployment } from "@/db/schema";
import { DEPLOYMENT_KINDS, DEPLOYMENT_STATES, GATE_KINDS, type GateKind, type GateStatus } from "@/db/schema/enums";
import { NotFoundError, ValidationError } from "./errors";
import { afterCursor, decodeCursor, pageInput, toPage, type Page } from "./pagination";
import { appName, environmentRef, id, pipelineName } from "./schemas";
import { parseInput } from "./validation";
import type { PersonRef } from "./environments";
import { parseRef } from "./pipeline-scope";

export interface StepView {
  id: string;
  position: number;
  name: string;
  app: string | null;
  state: string;
  attempts: number;
  startedAt: Date | null;
  finishedAt: Date | null;
  log: string;
  /** The planned step (action, group, percent…), as the controller recorded it. */
  detail: unknown;
}

export interface DeploymentDetail extends Deployment {
  /** heldAt/holdReason: the environment's hold after a rollback now (not when the deployment ran). */
  environment: { name: string; kind: string; position: number | null; settings: Record<string, unknown>; heldAt: Date | null; holdReason: string | null; pipeline: { name: string } };
  release: { id: string; commit: string; branch: string; createdAt: Date; builds: { app: string; version: string; digest: string; buildId: string }[] };
  previousRelease: { id: string; commit: string } | null;
  requestedByUser: PersonRef;
  cancelledByUser: PersonRef | null;
  steps: StepView[];
  gates: { gate: GateKind; status: GateStatus; reason: string; evaluatedAt: Date; detail: Record<string, unknown> | null }[];
  approvals: { id: string; user: PersonRef; role: string; decision: string; comment: string | null; createdAt: Date; voidedAt: Date | null }[];
}

/** One deployment with everything its page and the API show: steps, gates, approvals. */
// Read by every deployment page, every promote's response (inside its transaction, while the
// environment is locked) and the review page's rollout: prepared (db/queries/prepared.ts), since
// PostgreSQL took ~2.7 ms to plan its nine joined relations on every call.
const deploymentWithRelations = preparedRead("deployment_with_relations", (db, name) =>
  db.query.deployments
    .findFirst({
      where: eq(deployments.id, sql.placeholder("id")),
      with: {
        environment: { columns: { name: true, kind: true, position: true, settings: true, heldAt: true, holdReason: true }, with: { pipeline: { columns: { name: true } } } },
        release: { columns: { id: true, commit: true, branch: true, createdAt: true }, with: { builds: { with: { build: true, app: true } } } },
        requestedByUser: { columns: { id: true, name: true, email: true } },
        steps: { orderBy: asc(deploymentSteps.position), with: { app: { columns: { name: true } } } },
        gates: true,
        approvals: { with: { user: { columns: { id: true, name: true, email: true } } } },
      },
    })
    .prepare(name),
);

export async function getDeployment(db: Db, deploymentId: string): Promise<DeploymentDetail> {
  const row = await deploymentWithRelations(db, { id: deploymentId });
  if (!row) throw new NotFoundError(`No deployment with id ${deploymentId}.`);
  const [previousRelease, cancelledByUser] = await Promise.all([
    row.previousReleaseId ? db.query.releases.findFirst({ where: eq(releases.id, row.previousReleaseId), columns: { id: true, commit: true } }) : undefined,
    row.cancelledBy ? db.query.users.findFirst({ where: eq(users.id, row.cancelledBy), columns: { id: true, name: true, email: true } }) : undefined,
  ]);
  const { release, steps, gates, approvals, ...rest } = row;
  return {
    ...rest,
    release: {
      id: release.id,
      commit: release.commit,
      branch: release.branch,
      createdAt: release.createdAt,
      builds: release.builds.sort((a, b) => a.app.position - b.app.position).map((rb) => ({ app: rb.app.name, version: rb.build.version, digest: rb.build.digest, buildId: rb.buildId })),
    },
    previousRelease: previousRelease ?? null,
    cancelledByUser: cancelledByUser ?? null,
    steps: steps.map((s) => ({ id: s.id, position: s.position, name: s.name, app: s.app?.name ?? null, state: s.state, attempts: s.attempts, startedAt: s.startedAt, finishedAt: s.finishedAt, log: s.log, detail: s.detail })),
    gates: gates.sort((a, b) => GATE_KINDS.indexOf(a.gate) - GATE_KINDS.indexOf(b.gate)).map((g) => ({ gate: g.gate, status: g.status, reason: g.reason, evaluatedAt: g.evaluatedAt, detail: g.detail ?? null })),
    approvals: approvals.map((a) => ({ id: a.id, user: a.user, role: a.role, decision: a.decision, comment: a.comment, createdAt: a.createdAt, voidedAt: a.voidedAt })),
  };
}

const isoDate = z.iso.datetime({ offset: true, error: "expected an ISO 8601 time, e.g. 2026-11-21T09:00:00Z" }).transform((s) => new Date(s));

export const listDeploymentsInput = pageInput.extend({
  pipeline: pipelineName.optional().meta({ description: "Only deployments into this pipeline's environments" }),
  environment: environmentRef.optional(),
  app: appName.optional().meta({ description: "Only deployments that changed this app's build" }),
  status: z.enum(DEPLOYMENT_STATES).optional(),
  kind: z.enum(DEPLOYMENT_KINDS).optional(),
  actor: z.string().trim().min(1, "type part of a name or an email").max(254).optional().meta({ description: "Who requested it: a whole email (exactly that person), else part of an email or name (case-insensitive)" }),
  since: isoDate.optional(),
  until: isoDate.optional(),
  pipelineId: id.optional().meta({ description: "Only deployments into this pipeline's environments (the pipeline's id)" }),
  teamId: id.optional().meta({ description: "Only deployments into environments of pipelines this team owns (the team's id)" }),
});

export interface DeploymentListItem {
  id: string;
  environment: string;
  /** The name of the environment's pipeline. */
  pipeline: string;
  kind: Deployment["kind"];
  state: Deployment["state"];
  strategy: Deployment["strategy"];
  releaseId: string;
  releaseCommit: string;
  releaseBranch: string;
  previousReleaseId: string | null;
  requestedBy: PersonRef;
  reason: string | null;
  failureReason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

const requester = alias(users, "requester");

/** The history's statement: rollouts newest first with what a row shows of their environment, release and requester. */
function historyQuery(db: Db, where: SQL | undefined, limit: number | Placeholder) {
  return db
    .select({
      d: deployments,
      environment: environments.name,
      pipeline: pipelines.name,
      releaseCommit: releases.commit,
      releaseBranch: releases.branch,
      requester: { id: requester.id, name: requester.name, email: requester.email },
    })
    .from(deployments)
    .innerJoin(environments, eq(environments.id, deployments.environmentId))
    .innerJoin(pipelines, eq(pipelines.id, environments.pipelineId))
    .innerJoin(releases, eq(releases.id, deployments.releaseId))
    .innerJoin(requester, eq(requester.id, deployments.requestedBy))
    .where(where)
    .orderBy(desc(deployments.createdAt), desc(deployments.id))
    .limit(limit);
}

// Prepared (db/queries/prepared.ts): the unfiltered history, newest first and after a cursor (afterCursor()'s condition).
const historyNewest = preparedRead("deployment_history", (db, name) => historyQuery(db, undefined, sql.placeholder("limit")).prepare(name));
const historyAfter = preparedRead("deployment_history_after", (db, name) =>
  historyQuery(db, sql`(${deployments.createdAt}, ${deployments.id}) < (${sql.placeholder("at")}::timestamptz, ${sql.placeholder("id")})`, sql.placeholder("limit")).prepare(name),
);

/** Rollout history across environments, newest first, filtered and keyset-paginated. */
export async function listDeployments(db: Db, input: unknown): Promise<Page<DeploymentListItem>> {
  const q = parseInput(listDeploymentsInput, input);
  if (q.since && q.until && q.since >= q.until) {
    throw new ValidationError(`no deployment can be both since ${q.since.toISOString()} and before ${q.until.toISOString()}`, { until: "is not after the start of the window (since): swap them, or clear one" });
  }
  const conditions: (SQL | undefined)[] = [afterCursor(q.cursor, deployments.createdAt, deployments.id)];
  // History keeps gone environments: a bare name matches it in every pipeline (a filter, never ambiguous).
  const scope = q.environment ? parseRef(q.environment) : null;
  if (scope) conditions.push(eq(environments.name, scope.name));
  const pipelineFilter = scope?.pipeline ?? q.pipeline;
  if (pipelineFilter) conditions.push(sql`${environments.pipelineId} in (select id from pipelines where name = ${pipelineFilter})`);
  if (q.pipelineId) conditions.push(eq(environments.pipelineId, q.pipelineId));
  if (q.teamId) conditions.push(sql`${environments.pipelineId} in (select id from pipelines where team_id = ${q.teamId})`);
  if (q.status) conditions.push(eq(deployments.state, q.status));
  if (q.kind) conditions.push(eq(deployments.kind, q.kind));
  if (q.actor) {
    // People type a name or part of an email ("dana"); a whole email means that person only (not
    // "ashlee@…" for "lee@…"). The users table is small beside the history, so the match runs there
    // and the deployments are then found by requested_by (indexed). lower() on both sides: one collation.
    const whole = sql`exists (select 1 from ${users} u where lower(u.email) = lower(${q.actor}))`;
    conditions.push(sql`${deployments.requestedBy} in (select id from ${users} where case when ${whole}
      then lower(${users.email}) = lower(${q.actor})
      else strpos(lower(${users.email}), lower(${q.actor})) > 0 or strpos(lower(${users.name}), lower(${q.actor})) > 0 end)`);
  }
  if (q.since) conditions.push(gte(deployments.createdAt, q.since));
  if (q.until) conditions.push(lt(deployments.createdAt, q.until));
  if (q.app) {
    // The release changed this app: its build differs from the one the previous release carried.
    conditions.push(sql`exists (
      select 1 from release_builds rb join ${apps} a on a.id = rb.app_id
      where rb.release_id = ${deployments.releaseId} and a.name = ${q.app}
        and rb.build_id is distinct from (
          select pb.build_id from release_builds pb where pb.release_id = ${deployments.previousReleaseId} and pb.app_id = rb.app_id))`);
  }
  // The history as opened (no filter; its first page or the next by cursor) is one of two prepared
  // statements: PostgreSQL planned this five-table join on every view (~1 ms, as long as running it).
  const filtered = conditions.length > 1;
  const position = q.cursor ? decodeCursor(q.cursor) : null;
  const rows = filtered ? await historyQuery(db, and(...conditions), q.limit + 1) : position ? await historyAfter(db, { at: position.at.toISOString(), id: position.id, limit: q.limit + 1 }) : await historyNewest(db, { limit: q.limit + 1 });
  return toPage(
    rows,
    q.limit,
    (r) => ({ at: r.d.createdAt, id: r.d.id }),
    (r) => ({
      id: r.d.id,
      environment: r.environment,
      pipeline: r.pipeline,
      kind: r.d.kind,
      state: r.d.state,
      strategy: r.d.strategy,
      releaseId: r.d.releaseId,
      releaseCommit: r.releaseCommit,
      releaseBranch: r.releaseBranch,
      previousReleaseId: r.d.previousReleaseId,
      requestedBy: r.requester,
      reason: r.d.reason,
      failureReason: r.d.failureReason,
      createdAt: r.d.createdAt,
      startedAt: r.d.startedAt,
      finishedAt: r.d.finishedAt,
    }),
  );
}
