import { z } from "zod";

/**
 * Pull-request (GitHub) and merge-request (GitLab) events, reduced to what a review environment
 * needs: which branch, which commit, and whether the request was opened, updated or closed.
 */
export type SourceControlProvider = "github" | "gitlab";

export interface PullRequestEvent {
  provider: SourceControlProvider;
  action: "opened" | "updated" | "closed";
  /** The source branch of the pull/merge request. */
  branch: string;
  /** The newest commit on that branch, as the provider saw it. */
  commit: string;
  number: number;
  /** The repository the request was opened against (`owner/name`); "" when the payload does not say. */
  repository: string;
  /**
   * Where the head branch lives: `repository` itself, or a fork (`alice/shop`). A fork whose
   * repository is gone is "(deleted fork)". Same branch name, other repository: never the same environment.
   */
  headRepository: string;
  title: string;
  url: string | null;
  /** Who did it at the provider (a login or username; not a Slipway user). */
  sender: string | null;
}

export const DELETED_FORK = "(deleted fork)";

/** Whether the request's branch lives in another repository than the one it was opened against. */
export function isFork(event: Pick<PullRequestEvent, "repository" | "headRepository">): boolean {
  return event.headRepository !== event.repository;
}

/** An event we understood but do not act on (a label change, a review comment…). */
export interface IgnoredEvent {
  ignored: string;
}

const sha = z.string().regex(/^[0-9a-f]{7,64}$/i, { error: "expected a commit SHA" });

const githubPullRequest = z.object({
  action: z.string(),
  number: z.number().int(),
  pull_request: z.object({
    title: z.string().default(""),
    html_url: z.string().nullish(),
    head: z.object({ ref: z.string().min(1), sha, repo: z.object({ full_name: z.string().min(1) }).nullish() }),
    base: z.object({ repo: z.object({ full_name: z.string().min(1) }).nullish() }).nullish(),
  }),
  repository: z.object({ full_name: z.string().min(1) }).nullish(),
  sender: z.object({ login: z.string() }).nullish(),
});

const gitlabMergeRequest = z.object({
  object_kind: z.literal("merge_request"),
  user: z.object({ username: z.string() }).nullish(),
  project: z.object({ path_with_namespace: z.string().min(1) }).nullish(),
  object_attributes: z.object({
    source: z.object({ path_with_namespace: z.string().min(1) }).nullish(),
    target: z.object({ path_with_namespace: z.string().min(1) }).nullish(),
    source_project_id: z.number().int().nullish(),
    target_project_id: z.number().int().nullish(),
    iid: z.number().int(),
    action: z.string().optional(),
    title: z.string().default(""),
    url: z.string().nullish(),
    source_branch: z.string().min(1),
    last_commit: z.object({ id: sha }),
  }),
});

const GITHUB_ACTIONS: Record<string, PullRequestEvent["action"]> = { opened: "opened", reopened: "opened", synchronize: "updated", closed: "closed" };
const GITLAB_ACTIONS: Record<string, PullRequestEvent["action"]> = { open: "opened", reopen: "opened", update: "updated", close: "closed", merge: "closed" };

export class SourceControlPayloadError extends Error {
  constructor(
    message: string,
    readonly fields: Record<string, string>,
  ) {
    super(message);
  }
}

function fieldsOf(error: z.ZodError): Record<string, string> {
  return Object.fromEntries(error.issues.map((i) => [i.path.join(".") || "body", i.message]));
}

/**
 * Normalizes a webhook delivery. `eventName` is GitHub's `X-GitHub-Event` or GitLab's
 * `X-Gitlab-Event` header. Throws SourceControlPayloadError when a pull-request event lacks what we
 * need; returns `{ ignored }` for events that are fine but not ours to act on.
 */
export function parsePullRequestEvent(provider: SourceControlProvider, eventName: string, payload: unknown): PullRequestEvent | IgnoredEvent {
  if (provider === "github") {
    if (eventName === "ping") return { ignored: "ping: the webhook is set up" };
    if (eventName !== "pull_request") return { ignored: `GitHub "${eventName}" events are not used (send pull_request events)` };
    const parsed = githubPullRequest.safeParse(payload);
    if (!parsed.success) throw new SourceControlPayloadError("The pull_request payload is not what GitHub sends.", fieldsOf(parsed.error));
    const action = GITHUB_ACTIONS[parsed.data.action];
    if (!action) return { ignored: `pull request ${parsed.data.action}: nothing to do` };
    const pr = parsed.data.pull_request;
    const repository = pr.base?.repo?.full_name ?? parsed.data.repository?.full_name ?? "";
    // GitHub sends head.repo null when the fork was deleted: still a fork, never the base branch.
    const headRepository = pr.head.repo === undefined ? repository : (pr.head.repo?.full_name ?? DELETED_FORK);
    return { provider, action, branch: pr.head.ref, commit: pr.head.sha.toLowerCase(), number: parsed.data.number, repository, headRepository, title: pr.title, url: pr.html_url ?? null, sender: parsed.data.sender?.login ?? null };
  }
  if (eventName !== "Merge Request Hook") return { ignored: `GitLab "${eventName}" events are not used (send merge request events)` };
  const parsed = gitlabMergeRequest.safeParse(payload);
  if (!parsed.success) throw new SourceControlPayloadError("The merge request payload is not what GitLab sends.", fieldsOf(parsed.error));
  const attributes = parsed.data.object_attributes;
  const action = GITLAB_ACTIONS[attributes.action ?? ""];
  if (!action) return { ignored: `merge request ${attributes.action ?? "event"}: nothing to do` };
  const repository = attributes.target?.path_with_namespace ?? parsed.data.project?.path_with_namespace ?? "";
  const forked = attributes.source_project_id != null && attributes.target_project_id != null && attributes.source_project_id !== attributes.target_project_id;
  const headRepository = attributes.source?.path_with_namespace ?? (forked ? `project ${attributes.source_project_id}` : repository);
  return {
    provider,
    action,
    branch: attributes.source_branch,
    commit: attributes.last_commit.id.toLowerCase(),
    number: attributes.iid,
    repository,
    headRepository,
    title: attributes.title,
    url: attributes.url ?? null,
    sender: parsed.data.user?.username ?? null,
  };
}
