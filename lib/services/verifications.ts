import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import type { Db } from "@/db/client";
import { deployments, environments, verifications, type Deployment, type Verification } from "@/db/schema";
import type { EnvironmentConfig } from "@/lib/config/schema";
import type { Clock } from "@/lib/domain/clock";
import type { VerifiedFacts } from "@/lib/domain/gates";
import { newId } from "@/lib/ids";
import { announce, deploymentData } from "./announce";
import { recordAudit } from "./audit";
import { authorize, authorizeKind } from "./authorize";
import { pipelineTarget } from "./pipeline-scope";
import type { ServiceContext } from "./context";
import { ConflictError, NotFoundError, RuleError } from "./errors";
import { httpUrl, id } from "./schemas";
import { parseInput } from "./validation";

/** Free text PostgreSQL can store: no NUL characters. */
const text = (what: string, max: number) =>
  z
    .string()
    .max(max, { error: `at most ${max} characters` })
    .refine((s) => !s.includes("\u0000"), { error: `${what} must not contain NUL characters` });

export const reportVerificationInput = z
  .strictObject({
    deploymentId: id,
    name: z
      .string()
      .regex(/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/, { error: 'expected a lowercase name of letters, digits and "-", e.g. e2e' })
      .meta({ description: "Verification name, as the next environment's `verified` gate asks for it", example: "e2e" }),
    status: z.enum(["passed", "failed"], { error: 'expected "passed" or "failed"' }),
    url: httpUrl.optional().meta({ description: "The run (CI job) with its details" }),
    summary: text("summary", 2000).optional().meta({ description: 'One line for people, e.g. "212 passed, 3 failed: checkout"' }),
  })
  .meta({ id: "ReportVerification" });

export interface VerificationView {
  id: string;
  deploymentId: string;
  environment: string;
  releaseId: string;
  name: string;
  status: Verification["status"];
  source: Verification["source"];
  url: string | null;
  summary: string | null;
  createdAt: Date;
  updatedAt: Date;
  finishedAt: Date | null;
}

function view(row: Verification, environment: string): VerificationView {
  return {
    id: row.id,
    deploymentId: row.deploymentId,
    environment,
    releaseId: row.releaseId,
    name: row.name,
    status: row.status,
    source: row.source,
    url: row.url,
    summary: row.summary,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
    finishedAt: row.finishedAt,
  };
}

/** The failure announcement for on-call, in the caller's transaction. */
export async function announceVerificationFailure(tx: Db, clock: Clock, row: Pick<Verification, "deploymentId" | "name" | "source" | "url" | "summary">): Promise<void> {
  await announce(tx, clock, {
    event: "verification.failed",
    data: {
      ...(await deploymentData(tx, row.deploymentId)),
      verification: { name: row.name, source: row.source, ...(row.url ? { url: row.url } : {}), ...(row.summary ? { summary: row.summary } : {}) },
    },
  });
}

/**
 * CI reports a post-deploy result (`passed` / `failed`, a link, a summary) for a deployment that
 * succeeded. Idempotent by name: the same result again changes nothing (`created: false`,
 * `changed: false`); a different one replaces it (a re-run). A failure notifies on-call
 * (`verification.failed`). Throws NotFoundError (no such deployment), RuleError (it did not
 * succeed), ConflictError (the name belongs to a job Slipway runs itself).
 *
 * @returns the verification, with `created`/`changed` saying whether this report was new or changed it
 * @throws ServiceError 400 `invalid_input`, `invalid_text`; 403 `forbidden`; 404 `not_found`; 409 `verification_owned_by_job`; 422 `deployment_not_succeeded`
 */
export async function reportVerification(ctx: ServiceContext, input: unknown): Promise<{ verification: VerificationView; created: boolean; changed: boolean }> {
  const data = parseInput(reportVerificationInput, input);
  authorizeKind(ctx, "deployment.verify", "deployment");
  const result = await ctx.db.transaction(async (tx) => {
    const [row] = await tx
      .select({ deployment: deployments, environment: environments.name, pipelineId: environments.pipelineId })
      .from(deployments)
      .innerJoin(environments, eq(environments.id, deployments.environmentId))
      .where(eq(deployments.id, data.deploymentId));
    if (!row) throw new NotFoundError(`No deployment with id ${data.deploymentId}.`);
    authorize(ctx, "deployment.verify", { type: "deployment", id: row.deployment.id, pipeline: await pipelineTarget(tx, row.pipelineId) });
    const { deployment, environment } = row;
    if (deployment.state !== "succeeded") {
      throw new RuleError(`Deployment ${deployment.id} is ${deployment.state}: only a deployment that succeeded can be verified.`, "deployment_not_succeeded", { deploymentId: "expected a deployment that succeeded" });
    }
    const now = ctx.clock.now();
    const values = { status: data.status, url: data.url ?? null, summary: data.summary ?? null };
    const [existing] = await tx
      .select()
      .from(verifications)
      .where(and(eq(verifications.deploymentId, deployment.id), eq(verifications.name, data.name)))
      .for("update");
    if (existing?.source === "job") {
      throw new ConflictError(`${data.name} is a verification job Slipway runs itself in ${environment}; report CI results under another name.`, "verification_owned_by_job", { name: "taken by a verification job of the pipeline file" });
    }
    if (existing && existing.status === values.status && existing.url === values.url && existing.summary === values.summary) {
      return { verification: view(existing, environment), created: false, changed: false };
    }
    const [saved] = existing
      ? await tx
          .update(verifications)
          .set({ ...values, reportedBy: ctx.actor.id, updatedAt: now, finishedAt: now })
          .where(eq(verifications.id, existing.id))
          .returning()
      : await tx
          .insert(verifications)
          .values({
            id: newId("ver", now),
            deploymentId: deployment.id,
            environmentId: deployment.environmentId,
            releaseId: deployment.releaseId,
            name: data.name,
            source: "ci",
            ...values,
            reportedBy: ctx.actor.id,
            createdAt: now,
            updatedAt: now,
            finishedAt: now,
          })
          .returning();
    await recordAudit(tx, ctx.actor, ctx.clock, {
      action: "verification.report",
      targetType: "deployment",
      targetId: deployment.id,
      data: { environment, releaseId: deployment.releaseId, name: data.name, status: data.status, url: data.url ?? null, previous: existing?.status ?? null },
    });
    if (data.status === "failed") await announceVerificationFailure(tx, ctx.clock, saved!);
    return { verification: view(saved!, environment), created: !existing, changed: true };
  });
  if (result.changed) ctx.onWorkQueued?.();
  return result;
}

/** Every verification of a deployment, by name. */
export async function listDeploymentVerifications(db: Db, deploymentId: string): Promise<VerificationView[]> {
  const rows = await db
    .select({ v: verifications, environment: environments.name })
    .from(verifications)
    .innerJoin(environments, eq(environments.id, verifications.environmentId))
    .where(eq(verifications.deploymentId, deploymentId))
    .orderBy(verifications.name);
  return rows.map((r) => view(r.v, r.environment));
}

/**
 * Facts for the `verified` gate of `deployment` into `target`: the previous environment of the
 * chain, when the release last became current there, and that deployment's verifications.
 */
export async function loadVerifiedFacts(db: Db, deployment: Deployment, target: { position: number | null; kind: string; sourceEnvironmentId: string | null }): Promise<VerifiedFacts> {
  const fixed = await db.select().from(environments).where(eq(environments.kind, "fixed"));
  const position = target.kind === "review" ? (fixed.find((e) => e.id === target.sourceEnvironmentId)?.position ?? null) : target.position;
  const previous = position === null ? undefined : fixed.filter((e) => e.position !== null && e.position < position && e.state === "active").sort((a, b) => (b.position ?? 0) - (a.position ?? 0))[0];
  if (!previous) return { previousEnvironment: null, since: null, verifications: [] };
  const [source] = await db
    .select()
    .from(deployments)
    .where(and(eq(deployments.environmentId, previous.id), eq(deployments.releaseId, deployment.releaseId), eq(deployments.state, "succeeded")))
    .orderBy(desc(deployments.finishedAt))
    .limit(1);
  if (!source?.finishedAt) return { previousEnvironment: previous.name, since: null, verifications: [] };
  const rows = await db.select().from(verifications).where(eq(verifications.deploymentId, source.id));
  return {
    previousEnvironment: previous.name,
    since: source.finishedAt,
    verifications: rows.map((v) => ({ name: v.name, status: v.status, url: v.url, summary: v.summary, source: v.source, at: v.updatedAt })),
  };
}

/** The verification jobs slipway.yaml declares for an environment. */
export function verificationJobsOf(settings: unknown): EnvironmentConfig["verifications"] {
  return (settings as Partial<EnvironmentConfig>).verifications ?? [];
}
