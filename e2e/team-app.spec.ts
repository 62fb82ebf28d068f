import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect, test } from "@playwright/test";
import { httpServerApp, pythonApp } from "@/lib/testing/team-apps";
import { DEMO, bearer, createTokenInUi, signedInAs, waitForDeployment, environmentPage } from "./helpers";

/**
 * A team's own apps, as their CI would ship them: `http-server` from the npm registry as portal and
 * `python3 -m http.server` as admin, each a Procfile tarball registered by file:// URL and digest.
 * The whole chain with every gate runs in lib/controller/__tests__/team-apps.test.ts (both
 * databases); here a person sees them deploy, serve, list their instances and logs, and roll back.
 */
const ciDir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-e2e-team-"));
test.afterAll(() => fs.rmSync(ciDir, { recursive: true, force: true }));

test("a team's http-server and python apps deploy from their tarballs, show their instances and logs, and roll back; a wrong digest starts nothing", async ({ page, request }) => {
  test.setTimeout(180_000);
  await signedInAs(page, DEMO.admin);
  const token = await createTokenInUi(page, /developer@example.com/, "team-ci");
  await page.getByRole("button", { name: "Done" }).click();

  const stamp = Date.now().toString(16);
  const commit = stamp.padStart(40, "e");
  const site = httpServerApp(ciDir, "portal", `portal via http-server ${stamp}`);
  const docs = pythonApp(ciDir, "admin", `admin via python ${stamp}`);
  const register = async (app: string, artifact: { url: string; digest: string }, version: string, digest = artifact.digest) => {
    const response = await request.post("/api/v1/builds", {
      headers: bearer(token),
      // changedFiles: CI says no migration file changed, so portal's migrate job is skipped (its Procfile has none).
      data: { app, version, commit, branch: "develop", digest, artifact: artifact.url, tests: { passed: true, total: 1, failed: 0 }, changedFiles: [] },
    });
    expect(response.status()).toBe(201);
    return (await response.json()).id as string;
  };
  const builds = [await register("portal", site, `7.${stamp}.0`), await register("admin", docs, `7.${stamp}.0`)];
  const release = await request.post("/api/v1/releases", { headers: bearer(token), data: { commit, branch: "develop", builds } });
  expect(release.status()).toBe(201);
  const releaseId = (await release.json()).id as string;

  const deploy = async (body: Record<string, unknown>, to = "deployments") => {
    const response = await request.post(`/api/v1/pipelines/shop/environments/dev/${to}`, { headers: bearer(token), data: body });
    expect(response.status()).toBe(202);
    await page.goto(`/deployments/${(await response.json()).id}`);
    return waitForDeployment(page);
  };
  expect(await deploy({ releaseId })).toBe("succeeded");

  // The stable URLs serve the team's apps.
  const environment = await (await request.get("/api/v1/pipelines/shop/environments/dev", { headers: bearer(token) })).json();
  const urlOf = (app: string) => (environment.apps as { app: string; url: string }[]).find((a) => a.app === app)!.url;
  expect(await (await request.get(urlOf("portal"))).text()).toContain(`portal via http-server ${stamp}`);
  expect(await (await request.get(urlOf("admin"))).text()).toContain(`admin via python ${stamp}`);

  // What runs, through the API and on the environment page (refreshed live).
  const instances = await (await request.get("/api/v1/pipelines/shop/environments/dev/apps/admin/instances", { headers: bearer(token) })).json();
  expect(instances.items.filter((i: { slot: string }) => i.slot === "active")).toEqual([expect.objectContaining({ id: "admin-1", type: "web", version: `7.${stamp}.0`, running: true, restarts: 0 })]);
  const logs = await (await request.get("/api/v1/pipelines/shop/environments/dev/apps/admin/logs?tail=5", { headers: bearer(token) })).json();
  expect(logs.items.find((l: { slot: string }) => l.slot === "active").lines.join("\n")).toContain("GET /health");
  expect((await request.get("/api/v1/pipelines/shop/environments/dev/apps/admin/logs?tail=5000", { headers: bearer(token) })).status()).toBe(400);

  await page.goto(environmentPage("dev"));
  const panel = page.locator("section[data-app=admin]");
  const instance = panel.locator('li[data-instance="admin-1"][data-slot="active"]');
  await expect(instance).toContainText(`7.${stamp}.0`);
  await expect(instance).toContainText("0 restarts");
  await instance.locator("summary").click();
  await expect(instance.locator("pre")).toContainText("GET /health", { timeout: 15_000 });
  await page.screenshot({ path: "test-results/team-app-instances.png", fullPage: true });

  // A build whose bytes do not match its digest fails at once, naming both, and starts nothing.
  const forgedCommit = `${stamp}f`.padStart(40, "d");
  const forged = await request.post("/api/v1/builds", {
    headers: bearer(token),
    data: { app: "portal", version: `7.${stamp}.1`, commit: forgedCommit, branch: "develop", digest: `sha256:${"0".repeat(64)}`, artifact: site.url, tests: { passed: true, total: 1, failed: 0 }, changedFiles: [] },
  });
  const forgedRelease = await request.post("/api/v1/releases", { headers: bearer(token), data: { commit: forgedCommit, branch: "develop", builds: [(await forged.json()).id] } });
  expect(await deploy({ releaseId: (await forgedRelease.json()).id })).toBe("failed");
  await expect(page.getByText(/does not match its digest: expected sha256:0{64}, fetched bytes have sha256:[0-9a-f]{64}/).first()).toBeVisible();
  expect(await (await request.get(urlOf("portal"))).text()).toContain(`portal via http-server ${stamp}`);

  // Roll dev back to the release it ran before: the sample service serves again.
  expect(await deploy({ reason: "team app misbehaves" }, "rollback")).toBe("succeeded");
  const health = await (await request.get(`${urlOf("portal")}/health`)).json();
  expect(health).toMatchObject({ status: "healthy", app: "portal", environment: "dev" });
  expect(health.version).not.toBe(`7.${stamp}.0`);
});
