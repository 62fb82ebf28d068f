import type { SlipwayEnv } from "@/lib/env";
import { githubClient, gitlabClient, type SourceControlClient } from "./clients";
import type { SourceControlProvider } from "./deployment-states";

export { reportDeploymentsToSourceControl } from "./report-deployments";

/** The source-control clients the environment configures: one per provider with a token. */
export function sourceControlClients(e: Pick<SlipwayEnv, "SLIPWAY_GITHUB_TOKEN" | "SLIPWAY_GITHUB_API_URL" | "SLIPWAY_GITLAB_TOKEN" | "SLIPWAY_GITLAB_API_URL">): Partial<Record<SourceControlProvider, SourceControlClient>> {
  return {
    ...(e.SLIPWAY_GITHUB_TOKEN ? { github: githubClient({ apiUrl: e.SLIPWAY_GITHUB_API_URL, token: e.SLIPWAY_GITHUB_TOKEN }) } : {}),
    ...(e.SLIPWAY_GITLAB_TOKEN ? { gitlab: gitlabClient({ apiUrl: e.SLIPWAY_GITLAB_API_URL, token: e.SLIPWAY_GITLAB_TOKEN }) } : {}),
  };
}
