import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { eq } from "drizzle-orm";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Connection } from "@/db/client";
import { apps, deployments, environmentApps, environments, reviewChangeRequests, sourceControlDeployments } from "@/db/schema";
import type { Actor } from "@/lib/auth/actor";
import { fixedClock } from "@/lib/domain/clock";
import { newId } from "@/lib/ids";
import { testDatabases } from "@/lib/testing/databases";
import { createTestActor, loadTestPipeline } from "@/lib/testing/fixtures";
import { makeRelease } from "@/lib/testing/releases";
import { githubClient, gitlabClient } from "../clients";
import { reportDeploymentsToSourceControl } from "../report-deployments";

const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "../__fixtures__", name), "utf8")) as Record<string, unknown>;

interface Recorded {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
}

/**
 * GitHub and GitLab as their REST documentation describes them: the documented paths, the
 * documented response bodies (recorded in __fixtures__), and the documented refusals. It checks
 * what a real API would refuse (missing auth, a body without required fields) and can fail the
 * next N requests with a 502, as an outage does.
 */
class RecordedApi {
  readonly requests: Recorded[] = [];
  failNext = 0;
  private server!: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      let text = "";
      req.on("data", (c: Buffer) => (text += c));
      req.on("end", () => {
        const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
        this.requests.push({ method: req.method!, path: req.url!, headers: req.headers, body });
        const send = (status: number, json: unknown) => res.writeHead(status, { "Content-Type": "application/json" }).end(JSON.stringify(json));
        if (this.failNext > 0) {
          this.failNext -= 1;
          return send(502, { message: "Server Error" });
        }
        const route = this.route(req.method!, req.url!, req.headers, body);
        send(route.status, route.body);
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, "127.0.0.1", resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as { port: number }).port}`;
  }

  private route(method: string, url: string, headers: http.IncomingHttpHeaders, body: Record<string, unknown>): { status: number; body: unknown } {
    let m: RegExpMatchArray | null;
    if ((m = url.match(/^\/github\/repos\/([^/]+)\/([^/]+)\/deployments$/)) && method === "POST") {
      if (headers.authorization !== "Bearer gh-token") return { status: 401, body: { message: "Bad credentials" } };
      if (headers.accept !== "application/vnd.github+json" || headers["x-github-api-version"] !== "2022-11-28") return { status: 415, body: { message: "Unsupported media type" } };
      if (typeof body.ref !== "string" || !/^[0-9a-f]{40}$/.test(body.ref)) return { status: 422, body: fixture("github-validation-failed.422.json") };
      return { status: 201, body: { ...fixture("github-create-deployment.201.json"), id: 1000 + this.requests.length, sha: body.ref, environment: body.environment } };
    }
    if ((m = url.match(/^\/github\/repos\/([^/]+)\/([^/]+)\/deployments\/(\d+)\/statuses$/)) && method === "POST") {
      const states = ["error", "failure", "inactive", "in_progress", "queued", "pending", "success"];
      if (!states.includes(String(body.state))) return { status: 422, body: { message: "Validation Failed" } };
      if (typeof body.description === "string" && body.description.length > 140) return { status: 422, body: { message: "description is too long (maximum is 140 characters)" } };
      return { status: 201, body: { ...fixture("github-create-deployment-status.201.json"), state: body.state } };
    }
    if ((m = url.match(/^\/gitlab\/projects\/([^/]+)\/deployments$/)) && method === "POST") {
      if (headers["private-token"] !== "gl-token") return { status: 401, body: { message: "401 Unauthorized" } };
      if (!["running", "success", "failed", "canceled"].includes(String(body.status)) || !body.sha || !body.ref || !body.environment) return { status: 400, body: { message: "400 Bad request" } };
      return { status: 201, body: { ...fixture("gitlab-create-deployment.201.json"), id: 2000 + this.requests.length, status: body.status, sha: body.sha } };
    }
    if ((m = url.match(/^\/gitlab\/projects\/([^/]+)\/deployments\/(\d+)$/)) && method === "PUT") {
      return { status: 200, body: { ...fixture("gitlab-update-deployment.200.json"), status: body.status } };
    }
    if ((m = url.match(/^\/gitlab\/projects\/([^/]+)\/environments\/(\d+)$/)) && method === "PUT") {
      return { status: 200, body: { ...fixture("gitlab-update-environment.200.json"), external_url: body.external_url } };
    }
    return { status: 404, body: { message: "Not Found" } };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

describe.each(testDatabases)("deployment status back to source control on $name", (database) => {
  let connection: Connection;
  let developer: Actor;
  let api: RecordedApi;
  let clients: ReturnType<typeof makeClients>;
  const makeClients = () => ({
    github: githubClient({ apiUrl: `${api.url}/github`, token: "gh-token" }),
    gitlab: gitlabClient({ apiUrl: `${api.url}/gitlab`, token: "gl-token" }),
  });
  const at = (iso: string) => ({ clients, clock: fixedClock(iso), baseUrl: "https://slipway.example.com" });

  beforeAll(async () => {
    connection = await database.open();
    await loadTestPipeline(connection.db);
    developer = await createTestActor(connection.db, ["developer"], "dev");
  });
  afterAll(() => connection.close());
  beforeEach(async () => {
    api = new RecordedApi();
    await api.start();
    clients = makeClients();
  });
  afterEach(() => api.close());

  async function deploymentOf(branch: string, environment: string, state: "running" | "succeeded" | "waiting", updatedAt: string) {
    const release = await makeRelease(connection.db, developer, `1.${Math.floor(Math.random() * 1e6)}.0`, { branch });
    const [env] = await connection.db.select().from(environments).where(eq(environments.name, environment));
    const id = newId("dep");
    const when = new Date(updatedAt);
    await connection.db.insert(deployments).values({ id, environmentId: env!.id, releaseId: release.id, kind: "promote", state, requestedBy: developer.id, requestedVia: "api", createdAt: when, updatedAt: when });
    return { id, release, environmentId: env!.id };
  }

  /** Gives every app of the environment an address, as a first deployment there does. */
  async function addressOf(environmentId: string, url: string) {
    for (const app of await connection.db.select().from(apps)) {
      await connection.db
        .insert(environmentApps)
        .values({ environmentId, appId: app.id, url })
        .onConflictDoUpdate({ target: [environmentApps.environmentId, environmentApps.appId], set: { url } });
    }
  }

  async function openRequest(provider: "github" | "gitlab", repository: string, number: number, branch: string, headRepository = repository) {
    const now = new Date("2026-03-02T09:00:00Z");
    await connection.db.insert(reviewChangeRequests).values({ provider, repository, number, headRepository, branch, headCommit: "f".repeat(40), state: "open", openedAt: now, updatedAt: now });
  }

  it("a deployment of a branch with an open pull request becomes a GitHub deployment whose status follows it, in order", async () => {
    await openRequest("github", "octocat/shop", 7, "feature/pay");
    const dep = await deploymentOf("feature/pay", "dev", "running", "2026-03-02T10:00:00Z");
    await addressOf(dep.environmentId, "http://dev.shop.example");

    expect(await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T10:00:05Z"))).toMatchObject({ tracked: 1, reported: 1, retried: 0, failed: 0 });
    const [create, status] = api.requests;
    expect(create).toMatchObject({ method: "POST", path: "/github/repos/octocat/shop/deployments" });
    expect(create!.body).toMatchObject({ ref: dep.release.commit, environment: "dev", auto_merge: false, required_contexts: [], transient_environment: false, payload: { slipwayDeploymentId: dep.id, ref: "feature/pay" } });
    expect(status).toMatchObject({ method: "POST", path: `/github/repos/octocat/shop/deployments/1001/statuses` });
    expect(status!.body).toMatchObject({ state: "in_progress", environment: "dev", environment_url: "http://dev.shop.example", log_url: `https://slipway.example.com/deployments/${dep.id}`, description: "Slipway: Rolling out to dev" });

    // Nothing new: nothing sent.
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T10:00:10Z"));
    expect(api.requests).toHaveLength(2);

    await connection.db
      .update(deployments)
      .set({ state: "succeeded", updatedAt: new Date("2026-03-02T10:01:00Z") })
      .where(eq(deployments.id, dep.id));
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T10:01:05Z"));
    expect(api.requests).toHaveLength(3);
    expect(api.requests[2]).toMatchObject({ path: "/github/repos/octocat/shop/deployments/1001/statuses", body: expect.objectContaining({ state: "success", description: "Slipway: Live in dev" }) });
    const [row] = await connection.db.select().from(sourceControlDeployments).where(eq(sourceControlDeployments.deploymentId, dep.id));
    expect(row).toMatchObject({ externalId: "1001", reportedState: "success", desiredState: "success", attempts: 0, lastError: null });
  });

  it("a provider that is down is retried with backoff, never creating a second deployment", async () => {
    await openRequest("github", "octocat/shop", 8, "feature/retry");
    const dep = await deploymentOf("feature/retry", "qa", "running", "2026-03-02T11:00:00Z");
    api.failNext = 1;
    expect(await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T11:00:01Z"))).toMatchObject({ reported: 0, retried: 1 });
    let [row] = await connection.db.select().from(sourceControlDeployments).where(eq(sourceControlDeployments.deploymentId, dep.id));
    expect(row).toMatchObject({ attempts: 1, externalId: null, nextAttemptAt: new Date("2026-03-02T11:00:06Z") });
    expect(row!.lastError).toContain("HTTP 502");

    // Not due yet: nothing sent.
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T11:00:03Z"));
    expect(api.requests).toHaveLength(1);

    // The deployment was created, then its status failed: the retry posts the status only.
    api.failNext = 0;
    const original = clients.github.setStatus.bind(clients.github);
    let statusFailures = 1;
    clients.github = { ...clients.github, setStatus: async (id, report) => (statusFailures-- > 0 ? Promise.reject(new Error("socket hang up")) : original(id, report)) };
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T11:00:07Z"));
    [row] = await connection.db.select().from(sourceControlDeployments).where(eq(sourceControlDeployments.deploymentId, dep.id));
    expect(row).toMatchObject({ externalId: "1002", attempts: 2, reportedState: null });
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T11:01:00Z"));
    [row] = await connection.db.select().from(sourceControlDeployments).where(eq(sourceControlDeployments.deploymentId, dep.id));
    expect(row).toMatchObject({ externalId: "1002", reportedState: "in_progress", attempts: 0 });
    expect(api.requests.filter((r) => r.path.endsWith("/deployments"))).toHaveLength(2); // the failed 502 and the one that created it
  });

  it("a refusal that retrying cannot fix is given up at once, with the provider's reason", async () => {
    await openRequest("github", "octocat/shop", 9, "feature/refused");
    const dep = await deploymentOf("feature/refused", "uat", "running", "2026-03-02T12:00:00Z");
    clients.github = githubClient({ apiUrl: `${api.url}/github`, token: "wrong" });
    expect(await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T12:00:01Z"))).toMatchObject({ failed: 1 });
    const [row] = await connection.db.select().from(sourceControlDeployments).where(eq(sourceControlDeployments.deploymentId, dep.id));
    expect(row!.failedAt).toEqual(new Date("2026-03-02T12:00:01Z"));
    expect(row!.lastError).toContain("HTTP 401");
    expect(row!.lastError).toContain("Bad credentials");
  });

  it("GitLab: a merge request's review environment gets a deployment with its URL; waiting is not reported", async () => {
    const [staging] = await connection.db.select().from(environments).where(eq(environments.name, "staging"));
    await openRequest("gitlab", "group/shop", 12, "feature/gl");
    await connection.db.update(reviewChangeRequests).set({ environmentId: staging!.id }).where(eq(reviewChangeRequests.number, 12));
    await addressOf(staging!.id, "http://staging.shop.example");
    const dep = await deploymentOf("some-other-branch", "staging", "waiting", "2026-03-02T13:00:00Z");
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T13:00:01Z"));
    expect(api.requests).toHaveLength(0);

    await connection.db
      .update(deployments)
      .set({ state: "running", updatedAt: new Date("2026-03-02T13:00:02Z") })
      .where(eq(deployments.id, dep.id));
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T13:00:03Z"));
    expect(api.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["POST /gitlab/projects/group%2Fshop/deployments", "PUT /gitlab/projects/group%2Fshop/environments/9"]);
    expect(api.requests[0]!.body).toEqual({ environment: "staging", sha: dep.release.commit, ref: "some-other-branch", tag: false, status: "running" });
    expect(api.requests[1]!.body).toEqual({ external_url: "http://staging.shop.example" });

    await connection.db
      .update(deployments)
      .set({ state: "succeeded", updatedAt: new Date("2026-03-02T13:01:00Z") })
      .where(eq(deployments.id, dep.id));
    await reportDeploymentsToSourceControl(connection.db, at("2026-03-02T13:01:01Z"));
    expect(api.requests[2]).toMatchObject({ method: "PUT", path: "/gitlab/projects/group%2Fshop/deployments/2001", body: { status: "success" } });
  });

  it("a later call reads only what changed since the previous scan (bounded reads), with a small overlap", async () => {
    await openRequest("github", "octocat/shop", 30, "feature/since");
    await deploymentOf("feature/since", "uat", "succeeded", "2026-03-02T15:00:00Z");
    const later = await reportDeploymentsToSourceControl(connection.db, { ...at("2026-03-02T16:00:05Z"), since: new Date("2026-03-02T16:00:00Z") });
    expect(later).toMatchObject({ tracked: 0, scannedAt: new Date("2026-03-02T16:00:05Z") });
    const overlapping = await reportDeploymentsToSourceControl(connection.db, { ...at("2026-03-02T15:00:20Z"), since: new Date("2026-03-02T15:00:10Z") });
    expect(overlapping.tracked).toBe(1);
  });

  it("a fork's branch of the same name, a closed request or a provider without a token is not reported", async () => {
    await openRequest("github", "octocat/shop", 20, "feature/fork", "someone/shop");
    await openRequest("github", "octocat/shop", 21, "feature/closed");
    await connection.db.update(reviewChangeRequests).set({ state: "closed" }).where(eq(reviewChangeRequests.number, 21));
    await openRequest("gitlab", "group/shop", 22, "feature/no-token");
    await deploymentOf("feature/fork", "dev", "succeeded", "2026-03-02T14:00:00Z");
    await deploymentOf("feature/closed", "qa", "succeeded", "2026-03-02T14:00:00Z");
    await deploymentOf("feature/no-token", "uat", "succeeded", "2026-03-02T14:00:00Z");
    const result = await reportDeploymentsToSourceControl(connection.db, { ...at("2026-03-02T14:00:01Z"), clients: { github: clients.github } });
    expect(result.tracked).toBe(0);
    expect(api.requests).toHaveLength(0);
  });
});
