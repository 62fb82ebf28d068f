import type { SourceControlProvider } from "./deployment-states";

/** A refusal or failure from a provider's API, with whether trying again can help. */
export class SourceControlApiError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

export interface DeploymentReport {
  repository: string;
  environment: string;
  commit: string;
  ref: string;
  /** The provider-specific state (see providerState). */
  state: string;
  description: string;
  environmentUrl: string | null;
  logUrl: string | null;
  transient: boolean;
  slipwayDeploymentId: string;
}

/** Creates a deployment once and moves its status; both calls are what the provider documents. */
export interface SourceControlClient {
  readonly provider: SourceControlProvider;
  /** GitLab creates a deployment with its status; GitHub needs a status posted after it. */
  readonly createSetsState: boolean;
  /** Creates the provider's deployment; returns its id. */
  createDeployment(report: DeploymentReport): Promise<string>;
  /** Sets the state of a deployment created before. */
  setStatus(externalId: string, report: DeploymentReport): Promise<void>;
}

interface ClientOptions {
  apiUrl: string;
  token: string;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

async function call(options: ClientOptions, provider: string, method: string, path: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const url = `${options.apiUrl.replace(/\/+$/, "")}${path}`;
  let response: Response;
  try {
    response = await (options.fetch ?? fetch)(url, {
      method,
      headers: { ...headers, "Content-Type": "application/json", "User-Agent": "Slipway" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new SourceControlApiError(`${provider} ${method} ${path}: ${(error as Error).message}`, true);
  }
  const text = await response.text();
  if (!response.ok) {
    // 5xx, 429 and GitHub's secondary rate limit (403 with Retry-After) pass; other 4xx are ours to fix.
    const retryable = response.status >= 500 || response.status === 429 || (response.status === 403 && response.headers.has("retry-after"));
    throw new SourceControlApiError(`${provider} ${method} ${path}: HTTP ${response.status} ${text.slice(0, 300)}`, retryable);
  }
  try {
    return text ? JSON.parse(text) : {};
  } catch {
    throw new SourceControlApiError(`${provider} ${method} ${path}: the answer is not JSON`, true);
  }
}

function idOf(body: unknown, what: string): string {
  const id = (body as { id?: unknown } | null)?.id;
  if (typeof id !== "number" && typeof id !== "string") throw new SourceControlApiError(`${what}: the answer has no id`, true);
  return String(id);
}

/**
 * GitHub's REST API (`2022-11-28`): "Create a deployment" (`POST /repos/{owner}/{repo}/deployments`,
 * `auto_merge: false` and no required contexts, so a deployment is recorded whatever the checks say)
 * and "Create a deployment status" (`POST …/deployments/{id}/statuses`). The token needs
 * `deployments: write` (fine-grained) or `repo_deployment` (classic).
 */
export function githubClient(options: ClientOptions): SourceControlClient {
  const headers = { Accept: "application/vnd.github+json", Authorization: `Bearer ${options.token}`, "X-GitHub-Api-Version": "2022-11-28" };
  const repoPath = (repository: string) => `/repos/${repository.split("/").map(encodeURIComponent).join("/")}`;
  return {
    provider: "github",
    createSetsState: false,
    async createDeployment(report) {
      const body = await call(options, "GitHub", "POST", `${repoPath(report.repository)}/deployments`, headers, {
        ref: report.commit,
        task: "deploy",
        auto_merge: false,
        required_contexts: [],
        environment: report.environment,
        description: report.description,
        transient_environment: report.transient,
        payload: { slipwayDeploymentId: report.slipwayDeploymentId, ref: report.ref },
      });
      return idOf(body, "GitHub create deployment");
    },
    async setStatus(externalId, report) {
      await call(options, "GitHub", "POST", `${repoPath(report.repository)}/deployments/${encodeURIComponent(externalId)}/statuses`, headers, {
        state: report.state,
        description: report.description,
        environment: report.environment,
        ...(report.environmentUrl ? { environment_url: report.environmentUrl } : {}),
        ...(report.logUrl ? { log_url: report.logUrl } : {}),
        auto_inactive: !report.transient,
      });
    },
  };
}

/**
 * GitLab's REST API v4: "Create a deployment" (`POST /projects/:id/deployments`; it creates the
 * environment when missing), "Update a deployment" (`PUT /projects/:id/deployments/:deployment_id`)
 * and the environment's `external_url` (`PUT /projects/:id/environments/:environment_id`). The
 * token needs the `api` scope and Developer access.
 */
export function gitlabClient(options: ClientOptions): SourceControlClient {
  const headers = { "PRIVATE-TOKEN": options.token };
  const project = (repository: string) => `/projects/${encodeURIComponent(repository)}`;
  return {
    provider: "gitlab",
    createSetsState: true,
    async createDeployment(report) {
      const body = (await call(options, "GitLab", "POST", `${project(report.repository)}/deployments`, headers, {
        environment: report.environment,
        sha: report.commit,
        ref: report.ref,
        tag: false,
        status: report.state,
      })) as { environment?: { id?: number } };
      const environmentId = body.environment?.id;
      if (report.environmentUrl && environmentId !== undefined) {
        await call(options, "GitLab", "PUT", `${project(report.repository)}/environments/${environmentId}`, headers, { external_url: report.environmentUrl });
      }
      return idOf(body, "GitLab create deployment");
    },
    async setStatus(externalId, report) {
      await call(options, "GitLab", "PUT", `${project(report.repository)}/deployments/${encodeURIComponent(externalId)}`, headers, { status: report.state });
    },
  };
}
