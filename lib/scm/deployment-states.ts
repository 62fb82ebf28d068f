import type { DeploymentState } from "@/db/schema/enums";

export type SourceControlProvider = "github" | "gitlab";

/** GitHub deployment status states (REST API, "Create a deployment status"). */
export type GithubDeploymentState = "error" | "failure" | "inactive" | "in_progress" | "queued" | "pending" | "success";
/** GitLab deployment statuses the REST API accepts on create and update ("Deployments API"). */
export type GitlabDeploymentStatus = "running" | "success" | "failed" | "canceled";

const GITHUB: Record<DeploymentState, GithubDeploymentState> = {
  waiting: "pending",
  queued: "queued",
  running: "in_progress",
  verifying: "in_progress",
  succeeded: "success",
  failed: "failure",
  cancelled: "inactive",
  superseded: "inactive",
  "rolled-back": "inactive",
};

// GitLab's API cannot set "created" or "blocked": a deployment that waits on gates is reported
// once it starts rolling out.
const GITLAB: Record<DeploymentState, GitlabDeploymentStatus | null> = {
  waiting: null,
  queued: null,
  running: "running",
  verifying: "running",
  succeeded: "success",
  failed: "failed",
  cancelled: "canceled",
  superseded: "canceled",
  "rolled-back": "canceled",
};

/**
 * What a provider should show for a Slipway deployment in `state`, or null when that provider has
 * no way to say it yet (GitLab before a rollout starts).
 */
export function providerState(provider: SourceControlProvider, state: DeploymentState): string | null {
  return provider === "github" ? GITHUB[state] : GITLAB[state];
}

/** Slipway's own words for the status description (GitHub keeps at most 140 characters). */
export function describeState(state: DeploymentState, environment: string): string {
  const words: Record<DeploymentState, string> = {
    waiting: `Waiting on gates for ${environment}`,
    queued: `Queued behind another deployment to ${environment}`,
    running: `Rolling out to ${environment}`,
    verifying: `Verifying in ${environment}`,
    succeeded: `Live in ${environment}`,
    failed: `Failed in ${environment}`,
    cancelled: `Cancelled before it reached ${environment}`,
    superseded: `Superseded by a newer release in ${environment}`,
    "rolled-back": `Rolled back in ${environment}`,
  };
  return `Slipway: ${words[state]}`.slice(0, 140);
}
