import { z } from "zod";
import { ERROR_CODES } from "@/lib/services/errors";
import { DEPLOYMENT_KINDS, DEPLOYMENT_STATES, ENVIRONMENT_KINDS, ENVIRONMENT_STATES, HEALTH_STATUSES, REVIEW_VERDICTS } from "@/db/schema/enums";

/**
 * The shapes the REST API returns, as zod schemas: the OpenAPI document is generated from them and
 * the tests check real responses against them, so documentation and behaviour cannot drift apart.
 */
const isoTime = z.iso.datetime().meta({ description: "ISO 8601 UTC", example: "2026-11-21T10:15:00.000Z" });

export const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES).meta({ description: "What went wrong, for programs (the message is for people)", example: "invalid_input" }),
      message: z.string(),
      fields: z.record(z.string(), z.string()).optional().meta({ description: "path.to.field → what was expected" }),
      candidates: z.array(z.string()).optional().meta({ description: "With `ambiguous` (409): the qualified references to choose from, e.g. shop/dev and tool/dev" }),
    }),
  })
  .meta({ id: "Error" });

export const buildSchema = z
  .object({
    id: z.string(),
    app: z.string(),
    version: z.string(),
    commit: z.string(),
    branch: z.string(),
    digest: z.string(),
    artifact: z.string().nullable(),
    ciUrl: z.string().nullable(),
    tests: z.object({ passed: z.boolean(), total: z.number().optional(), failed: z.number().optional(), url: z.string().optional() }).nullable(),
    changedFiles: z.array(z.string()).nullable(),
    labels: z.array(z.string()).nullable().meta({ description: "Risk labels CI gave the build; null when it gave none" }),
    createdAt: isoTime,
  })
  .meta({ id: "Build" });

export const releaseBuildSchema = z.object({ id: z.string(), app: z.string(), version: z.string(), digest: z.string(), commit: z.string() });

export const releaseRunSchema = z.object({
  deploymentId: z.string(),
  environment: z.string(),
  kind: z.enum(DEPLOYMENT_KINDS),
  state: z.enum(DEPLOYMENT_STATES),
  createdAt: isoTime,
  finishedAt: isoTime.nullable(),
});

export const releaseSchema = z
  .object({
    id: z.string(),
    commit: z.string(),
    branch: z.string(),
    createdAt: isoTime,
    createdBy: z.string().meta({ description: "Email of who cut it" }),
    commitOrder: z
      .object({
        known: z.boolean().meta({ description: "false when CI sent none of the three: automation then never moves an environment to or from this release by itself" }),
        committedAt: isoTime.nullable(),
        parents: z.array(z.string()).nullable(),
        buildNumber: z.number().int().nullable(),
      })
      .meta({ id: "CommitOrder", description: "What CI said about the commit's order (POST /api/v1/releases: committedAt, parents, buildNumber)" }),
    builds: z.array(releaseBuildSchema),
    runs: z.array(releaseRunSchema).optional().meta({ description: "Deployments of this release, newest first (single release only)" }),
    runningIn: z.array(z.string()).optional().meta({ description: "Environments running it now (single release only)" }),
  })
  .meta({ id: "Release" });

export const environmentAppSchema = z.object({
  app: z.string(),
  releaseId: z.string().nullable(),
  version: z.string().nullable(),
  commit: z.string().nullable(),
  digest: z.string().nullable(),
  url: z.string().nullable().meta({ description: "Where a person opens this app in this environment" }),
  deployedAt: isoTime.nullable(),
  deployedBy: z.string().nullable().meta({ description: "Email" }),
  health: z.object({ status: z.enum(HEALTH_STATUSES), observedAt: isoTime.nullable(), stale: z.boolean() }),
  servedBy: z
    .string()
    .nullable()
    .meta({ description: "A partial review environment's app that its source environment serves for it: that environment's name (`url` is the app's address there); null when this environment runs the app itself" }),
});

export const deploymentRefSchema = z.object({
  id: z.string(),
  kind: z.enum(DEPLOYMENT_KINDS),
  state: z.enum(DEPLOYMENT_STATES),
  releaseId: z.string(),
  createdAt: isoTime,
});

export const environmentSchema = z
  .object({
    name: z.string(),
    kind: z.enum(ENVIRONMENT_KINDS),
    state: z.enum(ENVIRONMENT_STATES),
    position: z.number().nullable().meta({ description: "Place in the chain (fixed environments)" }),
    branch: z.string().nullable(),
    source: z.string().nullable().meta({ description: "Cloned from (review environments)" }),
    owner: z.string().nullable(),
    expiresAt: isoTime.nullable(),
    verdict: z.enum(REVIEW_VERDICTS).nullable(),
    hold: z.object({ at: isoTime, reason: z.string().nullable() }).nullable(),
    apps: z.array(environmentAppSchema),
    activeDeployment: deploymentRefSchema.nullable().meta({ description: "The deployment rolling out now, else the next one waiting" }),
    pendingDeployments: z.array(deploymentRefSchema).meta({ description: "Every waiting, queued or running deployment, oldest first" }),
  })
  .meta({ id: "Environment" });

export const pipelineSchema = z
  .object({
    name: z.string(),
    teamId: z.string().nullable().meta({ description: "The owner team's id; null: no owner team" }),
    loadedAt: isoTime,
    configHash: z.string(),
    config: z.record(z.string(), z.unknown()).meta({ description: "slipway.yaml as loaded, with defaults applied; durations in milliseconds" }),
  })
  .meta({ id: "Pipeline" });

export const healthSchema = z
  .object({
    status: z.enum(["ok", "degraded"]),
    database: z.object({ ok: z.boolean(), driver: z.enum(["pglite", "pg"]).nullable(), latencyMs: z.number().nullable(), error: z.string().optional() }),
    controller: z.object({ leaderSeen: z.boolean(), holder: z.string().nullable(), heartbeatAt: isoTime.nullable() }),
    time: isoTime,
  })
  .meta({ id: "Health" });

export function pageSchema<T extends z.ZodType>(item: T, id: string) {
  return z.object({ items: z.array(item), nextCursor: z.string().nullable() }).meta({ id });
}

export const stepSchema = z.object({
  name: z.string(),
  app: z.string().nullable(),
  state: z.string(),
  attempts: z.number(),
  startedAt: isoTime.nullable(),
  finishedAt: isoTime.nullable(),
  log: z.string(),
});

export const deploymentSchema = z
  .object({
    id: z.string(),
    pipeline: z.string().meta({ description: "The name of the environment's pipeline (environment names repeat across pipelines)" }),
    environment: z.string(),
    releaseId: z.string(),
    kind: z.enum(DEPLOYMENT_KINDS),
    state: z.enum(DEPLOYMENT_STATES),
    strategy: z.string().nullable(),
    configSnapshotId: z
      .string()
      .nullable()
      .optional()
      .meta({ description: "The exact config version this deployment runs with (null: made before versions were kept). A rollback restores the release's own version unless asked to keep the current one" }),
    previousReleaseId: z.string().nullable(),
    requestedBy: z.string().meta({ description: "Email" }),
    reason: z.string().nullable(),
    failureReason: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()).optional().meta({
      description:
        "Why migrations ran or were skipped, how long a recreate kept the environment closed, warnings, the figures behind an automatic action; `soak` ({ environment, environmentId, since, durationMs, completesAt }): where and from when the soak gate is measured, fixed when the deployment was requested; `abort` ({ by, byId, reason, at }): an abort asked for while it rolled out",
    }),
    createdAt: isoTime,
    startedAt: isoTime.nullable(),
    finishedAt: isoTime.nullable(),
    steps: z.array(stepSchema).optional().meta({ description: "Single deployment only" }),
    activity: z.string().nullable().optional().meta({ description: 'Single deployment only: what a running or verifying rollout is doing now, e.g. "shifting traffic 50 %" (null otherwise)' }),
    blockers: z.array(z.string()).optional().meta({ description: "Why it cannot ship yet: one sentence per unmet gate (empty when nothing blocks)" }),
    gates: z
      .array(
        z.object({
          gate: z.string(),
          status: z.enum(["pass", "fail", "pending", "waived"]),
          reason: z.string(),
          detail: z
            .record(z.string(), z.unknown())
            .nullable()
            .optional()
            .meta({ description: "Structured facts: for approvals/checklist with `when`, `risk[]` names the files and labels that made the release risky; for `verified`, `verifications[]` with their links" }),
          unverified: z.boolean().optional().meta({ description: "true on a soak that passed without observing any traffic (allowed by gates.soak.allowUnobserved): shown amber, not green" }),
        }),
      )
      .optional(),
    approvals: z
      .array(z.object({ by: z.string(), byName: z.string().meta({ description: "The decider's name (`by` is their email)" }), role: z.string(), decision: z.string(), comment: z.string().nullable(), at: isoTime, voided: z.boolean() }))
      .optional(),
  })
  .meta({ id: "Deployment" });
