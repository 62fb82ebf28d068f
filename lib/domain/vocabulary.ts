/**
 * Closed vocabularies stored as text columns. One list per concept, used by the drizzle CHECK
 * constraints, the zod input schemas and the UI, so the three can never disagree.
 */
export const ENVIRONMENT_KINDS = ["fixed", "review"] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** Fixed environments are `active` (or `retired` when removed from slipway.yaml); review ones move through the rest. */
export const ENVIRONMENT_STATES = [
  "active",
  "retired",
  "provisioning",
  "ready",
  "sleeping",
  "waking",
  "tearing-down",
  "torn-down",
  "failed",
] as const;
export type EnvironmentState = (typeof ENVIRONMENT_STATES)[number];

export const REVIEW_VERDICTS = ["accepted", "changes-requested"] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

export const DEPLOYMENT_KINDS = ["promote", "fast-track", "rollback", "redeploy", "config"] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

export const DEPLOYMENT_STATES = [
  "waiting",
  "queued",
  "running",
  "verifying",
  "succeeded",
  "failed",
  "cancelled",
  "superseded",
  "rolled-back",
] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** States in which a deployment still occupies (or waits for) its environment. */
export const ACTIVE_DEPLOYMENT_STATES = ["waiting", "queued", "running", "verifying"] as const satisfies readonly DeploymentState[];

export const STRATEGIES = ["rolling", "blue-green", "recreate"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const STEP_STATES = ["pending", "running", "succeeded", "failed", "skipped", "cancelled"] as const;
export type StepState = (typeof STEP_STATES)[number];

export const GATE_KINDS = ["tests", "soak", "verified", "window", "freeze", "approvals", "incident", "checklist"] as const;
export type GateKind = (typeof GATE_KINDS)[number];

export const GATE_STATUSES = ["pass", "fail", "pending", "waived"] as const;
export type GateStatus = (typeof GATE_STATUSES)[number];

export const APPROVAL_DECISIONS = ["approve", "reject"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** Health as last observed on the platform; `unknown` until the first observation. */
export const HEALTH_STATUSES = ["healthy", "degraded", "unhealthy", "unknown"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** Where a mutation came from: the web UI, the REST API, the command line, or Slipway's own automation. */
export const REQUEST_SOURCES = ["ui", "api", "cli", "automation", "webhook"] as const;
export type RequestSource = (typeof REQUEST_SOURCES)[number];

export const INCIDENT_STATES = ["open", "resolved"] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
