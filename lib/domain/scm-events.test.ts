import { describe, expect, it } from "vitest";
import { isFork, parsePullRequestEvent, SourceControlPayloadError, type PullRequestEvent } from "./scm-events";

const head = "a".repeat(40);
const github = (action: string, extra: object = {}) => ({
  action,
  number: 42,
  pull_request: { title: "Checkout: VAT", html_url: "https://github.com/acme/shop/pull/42", head: { ref: "feature/checkout", sha: head.toUpperCase() } },
  sender: { login: "dana" },
  ...extra,
});
const gitlab = (action: string | undefined) => ({
  object_kind: "merge_request",
  user: { username: "dana" },
  object_attributes: { iid: 7, action, title: "Checkout", url: "https://gitlab.example/acme/shop/-/merge_requests/7", source_branch: "feature/checkout", last_commit: { id: head } },
});

describe("pull-request events", () => {
  it("maps GitHub's actions to opened, updated and closed", () => {
    expect(parsePullRequestEvent("github", "pull_request", github("opened"))).toEqual({
      provider: "github",
      action: "opened",
      branch: "feature/checkout",
      commit: head,
      number: 42,
      repository: "",
      headRepository: "",
      title: "Checkout: VAT",
      url: "https://github.com/acme/shop/pull/42",
      sender: "dana",
    });
    expect(parsePullRequestEvent("github", "pull_request", github("reopened"))).toMatchObject({ action: "opened" });
    expect(parsePullRequestEvent("github", "pull_request", github("synchronize"))).toMatchObject({ action: "updated" });
    expect(parsePullRequestEvent("github", "pull_request", github("closed"))).toMatchObject({ action: "closed" });
  });

  it("names the repository and where the head branch lives: a fork is told apart from ours", () => {
    const repo = (full_name: string) => ({ full_name });
    const ours = github("opened", { repository: repo("acme/shop"), pull_request: { title: "t", head: { ref: "feature/login", sha: head, repo: repo("acme/shop") }, base: { repo: repo("acme/shop") } } });
    expect(parsePullRequestEvent("github", "pull_request", ours)).toMatchObject({ repository: "acme/shop", headRepository: "acme/shop" });
    const fork = github("opened", { repository: repo("acme/shop"), pull_request: { title: "t", head: { ref: "feature/login", sha: head, repo: repo("alice/shop") }, base: { repo: repo("acme/shop") } } });
    expect(isFork(parsePullRequestEvent("github", "pull_request", fork) as PullRequestEvent)).toBe(true);
    // GitHub sends head.repo null once the fork is deleted: still not our branch.
    const deleted = github("closed", { repository: repo("acme/shop"), pull_request: { title: "t", head: { ref: "feature/login", sha: head, repo: null } } });
    expect(parsePullRequestEvent("github", "pull_request", deleted)).toMatchObject({ repository: "acme/shop", headRepository: "(deleted fork)" });
    const gitlabFork = gitlab("open");
    Object.assign(gitlabFork.object_attributes, { source: { path_with_namespace: "bob/shop" }, target: { path_with_namespace: "acme/shop" }, source_project_id: 9, target_project_id: 1 });
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlabFork)).toMatchObject({ repository: "acme/shop", headRepository: "bob/shop" });
    const gitlabIdsOnly = gitlab("open");
    Object.assign(gitlabIdsOnly, { project: { path_with_namespace: "acme/shop" } });
    Object.assign(gitlabIdsOnly.object_attributes, { source_project_id: 9, target_project_id: 1 });
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlabIdsOnly)).toMatchObject({ repository: "acme/shop", headRepository: "project 9" });
  });

  it("maps GitLab's merge request actions, merged counting as closed", () => {
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlab("open"))).toMatchObject({ provider: "gitlab", action: "opened", branch: "feature/checkout", commit: head, number: 7, sender: "dana" });
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlab("update"))).toMatchObject({ action: "updated" });
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlab("merge"))).toMatchObject({ action: "closed" });
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlab("close"))).toMatchObject({ action: "closed" });
  });

  it("ignores events and actions that are not ours, saying why", () => {
    expect(parsePullRequestEvent("github", "ping", {})).toEqual({ ignored: expect.stringContaining("ping") });
    expect(parsePullRequestEvent("github", "push", {})).toEqual({ ignored: expect.stringContaining("push") });
    expect(parsePullRequestEvent("github", "pull_request", github("labeled"))).toEqual({ ignored: expect.stringContaining("labeled") });
    expect(parsePullRequestEvent("gitlab", "Push Hook", {})).toEqual({ ignored: expect.stringContaining("Push Hook") });
    expect(parsePullRequestEvent("gitlab", "Merge Request Hook", gitlab("approved"))).toEqual({ ignored: expect.stringContaining("approved") });
  });

  it("names what is missing from a malformed payload", () => {
    const broken = github("opened", { pull_request: { head: { ref: "", sha: "not-a-sha" } } });
    try {
      parsePullRequestEvent("github", "pull_request", broken);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SourceControlPayloadError);
      expect((error as SourceControlPayloadError).fields).toMatchObject({ "pull_request.head.ref": expect.any(String), "pull_request.head.sha": "expected a commit SHA" });
    }
    expect(() => parsePullRequestEvent("gitlab", "Merge Request Hook", { object_kind: "merge_request" })).toThrow(SourceControlPayloadError);
  });
});
