import { z } from "zod";
import { ROLES } from "@/lib/auth/roles";
import { durationSchema } from "./duration";
import { fastTrackSchema, gatesSchema, overridesSchema } from "./gates-schema";
import { verificationJobsSchema } from "./verification-schema";
import { metricsSchema } from "./metrics-schema";
import { kubernetesEnvironmentSchema } from "./kubernetes-schema";
import { dnsLabel, integer, nonEmptyString, relativeGlob, urlPath } from "./primitives";
import { checkPipelineReferences, defaultReviewSource } from "./references";

/**
 * The schema of slipway.yaml: one product's pipeline (apps and the ordered chain of environments).
 * Every object is strict so a typo is an error, never a silently ignored key. Cross-field rules
 * (unique names, references to apps and environments, position rules) live in ./references.
 */

export const PLATFORMS = ["local", "kubernetes"] as const;
export const STRATEGIES = ["rolling", "blue-green", "recreate"] as const;
export type PlatformKind = (typeof PLATFORMS)[number];
export type DeployStrategy = (typeof STRATEGIES)[number];

const strategySchema = z.enum(STRATEGIES);
const instancesSchema = integer({ min: 1, max: 20 });

/** Procfile process types that run as long-lived workers beside `web` → how many run (0..20). */
const PROCESS_TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const workersSchema = z
  .record(z.string(), integer({ min: 0, max: 20 }))
  .superRefine((workers, ctx) => {
    for (const type of Object.keys(workers)) {
      if (type === "web" || type === "release") {
        ctx.addIssue({ code: "custom", path: [type], message: "web and release are not workers: web serves HTTP (see instances), release runs once per deployment" });
      } else if (!PROCESS_TYPE.test(type)) {
        ctx.addIssue({ code: "custom", path: [type], message: `"${type}" is not a Procfile process type: letters, digits, "_" or "-"` });
      }
    }
  })
  .describe("Long-running Procfile process types besides web and how many of each run, e.g. { worker: 2, clock: 1 }.");

export const appSchema = z
  .strictObject({
    name: dnsLabel().describe("Unique app name, e.g. portal."),
    description: z.string().optional().describe("What the app is, for people."),
    team: dnsLabel().optional().describe("The team that owns the app (a team's name, e.g. payments): the board and the portfolio filter by it."),
    migrations: z
      .strictObject({
        paths: z.array(relativeGlob()).min(1).describe('Glob patterns of migration files, e.g. "services/portal/migrations/**".'),
        job: nonEmptyString().default("migrate").describe("Job that applies the migrations before the new version starts."),
      })
      .optional()
      .describe("Database migrations shipped with the app."),
    seed: z
      .strictObject({ job: nonEmptyString().default("seed").describe("Job that seeds a fresh environment.") })
      .optional()
      .describe("Seed data for new (review) environments."),
    healthPath: urlPath().default("/health").describe("HTTP path answering 200 when the app is healthy."),
  })
  .describe("One deployable component of the product. All apps of a release deploy together.");

export const smokeCheckSchema = z
  .strictObject({
    name: nonEmptyString().describe("Name shown in the deployment steps."),
    app: z.string().describe("App to call (a declared app)."),
    path: urlPath().describe("HTTP path, e.g. /."),
    expectStatus: integer({ min: 100, max: 599 }).default(200).describe("Expected HTTP status."),
    expectBody: z.string().optional().describe("Text the response body must contain."),
  })
  .describe("An HTTP check run after the deployment; a failure fails the deployment.");

export const deployHookSchema = z
  .strictObject({
    name: nonEmptyString().describe("Name shown in the deployment steps."),
    app: z.string().describe("App whose job runs (a declared app)."),
    job: nonEmptyString().describe("Job to run."),
    when: z.enum(["after-deploy"]).default("after-deploy").describe("When the hook runs."),
  })
  .describe("A job run as a step of every deployment into this environment.");

const burnRateWindowSchema = z
  .strictObject({
    long: durationSchema().describe("Long window: the burn must be sustained this long."),
    short: durationSchema().describe("Short window: and still be happening now (resets quickly after recovery)."),
    threshold: z.number().gt(0).describe("Burn rate (multiples of the budget-neutral error rate) both windows must exceed."),
  })
  .describe("One multi-window burn-rate rule (SRE workbook, chapter 5).");

export const sloSchema = z
  .strictObject({
    availability: z.number().gt(0).lt(100).describe("Availability objective in percent, e.g. 99.9."),
    window: durationSchema().prefault("30d").describe("Rolling window the objective is measured over."),
    burnRate: z
      .strictObject({
        fast: burnRateWindowSchema.prefault({ long: "1h", short: "5m", threshold: 14.4 }).describe("Pages fast: 2% of a 30-day budget in one hour."),
        slow: burnRateWindowSchema.prefault({ long: "6h", short: "30m", threshold: 6 }).describe("Pages slower: 5% of the budget in six hours."),
      })
      .prefault({})
      .describe("When the error budget burns too fast."),
    autoRollback: z.boolean().default(true).describe("Roll back to the warm previous release by itself when a burn-rate rule fires after a deployment."),
    watchAfterDeploy: durationSchema().prefault("2h").describe("How long after a deployment the burn rate can trigger an automatic rollback."),
    minRequests: integer({ min: 1 }).default(20).describe("Fewer requests than this in a rule's short window are too little evidence to act on."),
  })
  .describe("Service level objective, used for error-budget burn rates.");

export const environmentSchema = z
  .strictObject({
    name: dnsLabel().describe("Unique environment name, e.g. staging."),
    description: z.string().optional(),
    branch: nonEmptyString().optional().describe('First environment only: the branch whose releases enter the chain (default "main").'),
    platform: z.enum(PLATFORMS).default("local").describe("Where it runs: local processes or Kubernetes."),
    kubernetes: kubernetesEnvironmentSchema.optional().describe("platform: kubernetes only: cluster context, namespace and routing."),
    instances: instancesSchema.default(1).describe("Instances per app (1..20)."),
    strategy: strategySchema.default("rolling").describe("How a new release replaces the old one."),
    warmFor: durationSchema().prefault("30m").describe("After a blue-green switch, how long the previous release stays warm for an instant rollback."),
    apps: z
      .record(z.string(), z.strictObject({ strategy: strategySchema.optional(), instances: instancesSchema.optional(), workers: workersSchema.optional() }))
      .prefault({})
      .describe("Per-app overrides of strategy and instances, and the app's workers, keyed by app name."),
    autoPromote: z.boolean().default(false).describe("Releases move in automatically as soon as the gates pass."),
    gates: gatesSchema.prefault({}),
    overrides: overridesSchema.prefault({}),
    fastTrack: fastTrackSchema.optional(),
    smoke: z.array(smokeCheckSchema).prefault([]).describe("HTTP checks after each deployment."),
    hooks: z.array(deployHookSchema).prefault([]).describe("Jobs run after each deployment."),
    verifications: verificationJobsSchema,
    slo: sloSchema.optional(),
    access: z
      .strictObject({
        deploy: z.array(z.enum(ROLES)).min(1).optional().describe("Roles that may deploy into this environment, or clone it into a review environment (default: everyone who may deploy)."),
        viewConfig: z.array(z.enum(ROLES)).min(1).optional().describe("Roles that may see this environment's config variables, or have them (secrets by reference) copied into their review environment (default: everyone)."),
      })
      .optional()
      .describe("Who may deploy into this environment and see its config; admins always may."),
  })
  .describe("One environment of the chain. A release enters it from the environment before it.");

export const reviewEnvironmentsSchema = z
  .strictObject({
    source: dnsLabel().optional().describe('Environment review environments are cloned from (default "staging", else the second-to-last environment).'),
    sources: z.array(dnsLabel()).min(1).optional().describe("Environments a review environment may be cloned from, with `source` among them (default: `source` only). Cloning also needs the right to deploy into the source."),
    defaultTtl: durationSchema().prefault("48h").describe("Lifetime of a new review environment."),
    maxTtl: durationSchema().prefault("14d").describe("Longest lifetime, extensions included (>= defaultTtl)."),
    idleSleepAfter: durationSchema().prefault("2h").describe("Scale to zero after this long without traffic."),
    quota: z
      .strictObject({
        perPerson: integer({ min: 1 }).default(3).describe("Review environments one person may own at once."),
        total: integer({ min: 1 }).default(20).describe("Review environments alive at once."),
      })
      .prefault({}),
  })
  .describe("On-demand review environments, cloned from a source environment.");

export const notificationChannelSchema = z
  .strictObject({
    name: dnsLabel().describe("Name of the channel, e.g. releases-slack."),
    type: z.enum(["slack", "webhook"]).describe("slack: a Slack-compatible incoming webhook; webhook: JSON signed with HMAC-SHA256."),
    url: z
      .url({ protocol: /^https?$/ })
      .optional()
      .describe("Where to send; prefer urlEnv for URLs that are secrets."),
    urlEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "expected an environment variable name" })
      .optional()
      .describe("Environment variable holding the URL."),
    secretEnv: z
      .string()
      .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "expected an environment variable name" })
      .optional()
      .describe("webhook: environment variable holding the HMAC secret."),
    events: z
      .array(z.enum(["deployment.started", "deployment.succeeded", "deployment.failed", "deployment.rolled-back", "approval.needed", "approval.given", "approval.rejected", "gate.blocked", "verification.failed"]))
      .optional()
      .describe("Events to send (default: all)."),
  })
  .refine((c) => Boolean(c.url) !== Boolean(c.urlEnv), { message: "set exactly one of url or urlEnv", path: ["url"] })
  .describe("Where Slipway announces deployments and approvals.");

export const pipelineConfigSchema = z
  .strictObject({
    version: z.literal(1, { error: (issue) => (issue.input === undefined ? undefined : `expected version 1; got ${JSON.stringify(issue.input)}`) }).describe("Format version of this file. Always 1."),
    pipeline: z.strictObject({ name: dnsLabel().describe("Product name, e.g. shop.") }).describe("The product this file describes."),
    apps: z.array(appSchema).min(1).describe("Deployable components; every release contains one build of each."),
    environments: z.array(environmentSchema).min(1).describe("The chain, in promotion order: first → last (the last is usually prod)."),
    reviewEnvironments: reviewEnvironmentsSchema.prefault({}),
    notifications: z.array(notificationChannelSchema).prefault([]).describe("Chat and webhook notifications."),
    metrics: metricsSchema.prefault({}),
  })
  .superRefine(checkPipelineReferences, { when: () => true })
  // Defaults that depend on other fields: the first environment's branch, the review source.
  .transform((config) => ({
    ...config,
    environments: config.environments.map((env, index) => (index === 0 ? { ...env, branch: env.branch ?? "main" } : env)),
    reviewEnvironments: {
      ...config.reviewEnvironments,
      source: config.reviewEnvironments.source ?? defaultReviewSource(config.environments.map((env) => env.name)),
      sources: config.reviewEnvironments.sources ?? [config.reviewEnvironments.source ?? defaultReviewSource(config.environments.map((env) => env.name))],
    },
  }))
  .meta({
    title: "Slipway pipeline (slipway.yaml)",
    description: "One product's apps and its ordered chain of environments, with the gates between them.",
  });

export type PipelineConfigInput = z.input<typeof pipelineConfigSchema>;
export type PipelineConfig = z.output<typeof pipelineConfigSchema>;
export type AppConfig = z.output<typeof appSchema>;
export type EnvironmentConfig = z.output<typeof environmentSchema>;
export type SmokeCheck = z.output<typeof smokeCheckSchema>;
export type DeployHook = z.output<typeof deployHookSchema>;
export type SloConfig = z.output<typeof sloSchema>;
export type NotificationChannel = z.output<typeof notificationChannelSchema>;
export type ReviewEnvironmentsConfig = PipelineConfig["reviewEnvironments"];

export type { ApprovalRule, ApprovalsConfig, FastTrackConfig, Freeze, GatesConfig, OneOffFreeze, OverridesConfig, RecurringFreeze, SoakGate, TimeWindow, Weekday } from "./gates-schema";
export { APPROVER_ROLES } from "@/lib/auth/roles";
export { WEEKDAYS } from "./gates-schema";
