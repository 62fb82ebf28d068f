/**
 * Closed vocabularies stored as text columns. One list per concept, used by the drizzle CHECK
 * constraints, the zod input schemas and the UI, so the three can never disagree.
 */
export const ENVIRONMENT_KINDS = ["fixed", "review"] as const;
export type EnvironmentKind = (typeof ENVIRONMENT_KINDS)[number];

/** Fixed environments are `active` (or `retired` when removed from slipway.yaml); review ones move through the rest. */
export const ENVIRONMENT_STATES = ["active", "retired", "provisioning", "ready", "sleeping", "waking", "tearing-down", "torn-down", "failed"] as const;
export type EnvironmentState = (typeof ENVIRONMENT_STATES)[number];

/** Environments that no longer exist (their records stay for history): their names are free again. */
export const GONE_ENVIRONMENT_STATES = ["torn-down", "retired"] as const satisfies readonly EnvironmentState[];

/** Review environments that still exist and may be deployed to, extended, given a verdict or torn down. */
export const LIVE_REVIEW_ENVIRONMENT_STATES = ["provisioning", "ready", "sleeping", "waking", "failed"] as const satisfies readonly EnvironmentState[];

/** Environments whose processes are not expected to run: gone, or asleep. */
export const ASLEEP_OR_GONE_ENVIRONMENT_STATES = [...GONE_ENVIRONMENT_STATES, "sleeping"] as const satisfies readonly EnvironmentState[];

/** Environments whose processes are not serving: gone, asleep, or being torn down. */
export const STOPPED_ENVIRONMENT_STATES = [...ASLEEP_OR_GONE_ENVIRONMENT_STATES, "tearing-down"] as const satisfies readonly EnvironmentState[];

/** Environments whose platform state is legitimately in flux or gone: stopped, or starting up. */
export const UNSETTLED_ENVIRONMENT_STATES = [...STOPPED_ENVIRONMENT_STATES, "provisioning", "waking"] as const satisfies readonly EnvironmentState[];

/** Review environments the controller still has to move along (tear down, or wake). */
export const MOVING_ENVIRONMENT_STATES = ["tearing-down", "waking"] as const satisfies readonly EnvironmentState[];

/** Asleep, or waking up: what the wake-up loop looks at. */
export const RESUMABLE_ENVIRONMENT_STATES = ["sleeping", "waking"] as const satisfies readonly EnvironmentState[];

/** Review environments that have run a release and can be looked at (a verdict given). */
export const VERIFIABLE_ENVIRONMENT_STATES = ["ready", "sleeping", "waking"] as const satisfies readonly EnvironmentState[];

export const REVIEW_VERDICTS = ["accepted", "changes-requested"] as const;
export type ReviewVerdict = (typeof REVIEW_VERDICTS)[number];

export const DEPLOYMENT_KINDS = ["promote", "fast-track", "rollback", "redeploy", "config"] as const;
export type DeploymentKind = (typeof DEPLOYMENT_KINDS)[number];

export const DEPLOYMENT_STATES = ["waiting", "queued", "running", "verifying", "succeeded", "failed", "cancelled", "superseded", "rolled-back"] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** States in which a deployment still occupies (or waits for) its environment. */
export const ACTIVE_DEPLOYMENT_STATES = ["waiting", "queued", "running", "verifying"] as const satisfies readonly DeploymentState[];

/** Active but not yet rolling out: the only states a deployment can be cancelled or superseded from. */
export const PENDING_DEPLOYMENT_STATES = ["waiting", "queued"] as const satisfies readonly DeploymentState[];

/** Touching the platform right now: at most one per environment. */
export const ROLLING_OUT_DEPLOYMENT_STATES = ["running", "verifying"] as const satisfies readonly DeploymentState[];

/** Work the controller still has to do: queued or rolling out (a waiting one waits on its gates). */
export const CONTROLLER_DEPLOYMENT_STATES = ["queued", "running", "verifying"] as const satisfies readonly DeploymentState[];

/** Reached the environment once: succeeded, whether or not a later rollback undid it since. */
export const SHIPPED_DEPLOYMENT_STATES = ["succeeded", "rolled-back"] as const satisfies readonly DeploymentState[];

/** No way forward any more (a succeeded deployment may still become rolled-back). */
export const FINISHED_DEPLOYMENT_STATES = ["succeeded", "failed", "cancelled", "superseded", "rolled-back"] as const satisfies readonly DeploymentState[];

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

/**
 * The health statuses that count as failing health: the board's "failing" status, the portfolio's
 * failing-health filter and badge, and the partial index that serves them. They count however old
 * the reading (the last thing known; pages mark it as stale). One list for the domain and SQL.
 */
export const FAILING_HEALTH_STATUSES = ["unhealthy", "degraded"] as const satisfies readonly HealthStatus[];

/** Where a mutation came from: the web UI, the REST API, the command line, or Slipway's own automation. */
export const REQUEST_SOURCES = ["ui", "api", "cli", "automation", "webhook"] as const;
export type RequestSource = (typeof REQUEST_SOURCES)[number];

export const INCIDENT_STATES = ["open", "resolved"] as const;
export type IncidentState = (typeof INCIDENT_STATES)[number];
