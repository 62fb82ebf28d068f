import { expect, test } from "@playwright/test";
import { DEMO, bearer, buildBody, createTokenInUi, registerBuild, signedInAs } from "./helpers";

test("an admin creates a token; CI registers a build with it; the build shows on its release", async ({ page, request }) => {
  await signedInAs(page, DEMO.admin);
  const token = await createTokenInUi(page, /developer@example.com/, "e2e-ci");
  await expect(page.getByText("it will not be shown again")).toBeVisible();
  await page.getByRole("button", { name: "Done" }).click();
  await page.reload();
  await expect(page.getByRole("cell", { name: "e2e-ci", exact: true })).toBeVisible();
  await expect(page.getByTestId("new-token")).toHaveCount(0);

  // CI: register a build of portal, then cut a release; admin and api-gateway carry what runs in dev.
  const body = buildBody("portal", { changedFiles: ["services/portal/migrations/0008_orders.sql"], ciUrl: "https://ci.example.com/run/1" });
  const build = await registerBuild(request, token, body);
  expect(build.status).toBe(201);
  expect(build.json).toMatchObject({ app: "portal", version: body.version, digest: body.digest });

  const release = await request.post("/api/v1/releases", { headers: bearer(token), data: { commit: body.commit, branch: "develop", builds: [build.json.id] } });
  expect(release.status()).toBe(201);
  const releaseJson = await release.json();
  expect(releaseJson.builds.map((b: { app: string }) => b.app)).toEqual(["portal", "admin", "api-gateway"]);
  expect(releaseJson.builds[0]).toMatchObject({ id: build.json.id, digest: body.digest });

  const fetched = await request.get(`/api/v1/releases/${releaseJson.id}`, { headers: bearer(token) });
  expect(fetched.status()).toBe(200);
  expect((await fetched.json()).runs).toEqual([]);

  await page.goto(`/releases/${releaseJson.id}`);
  const row = page.locator('tr[data-app="portal"]');
  await expect(row).toContainText(body.version);
  await expect(row).toContainText(body.digest.slice(0, 19));
  await expect(row).toContainText("passed");
  await expect(row.getByRole("link", { name: "CI run" })).toHaveAttribute("href", "https://ci.example.com/run/1");
  await page.goto("/releases");
  await expect(page.getByRole("link", { name: body.commit.slice(0, 7) })).toBeVisible();

  // Revoking the token stops CI at once.
  await page.goto("/settings/tokens");
  await page
    .getByRole("row", { name: /e2e-ci/ })
    .getByRole("button", { name: "Revoke" })
    .click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByRole("row", { name: /e2e-ci/ }).getByText("revoked")).toBeVisible();
  expect((await registerBuild(request, token, buildBody("portal"))).status).toBe(401);
});

test("a viewer cannot reach admin pages or change anything", async ({ page, request }) => {
  await signedInAs(page, DEMO.admin);
  const viewerToken = await createTokenInUi(page, /viewer@example.com/, "viewer-read");

  await page.context().clearCookies();
  await signedInAs(page, DEMO.viewer);
  // Settings holds only the viewer's own API tokens (issue 15): people and everyone's tokens stay admin-only.
  await page.goto("/settings/users");
  await expect(page.getByText("You don't have access to this page")).toBeVisible();
  await expect(page.getByRole("button", { name: /Add user/ })).toHaveCount(0);
  await page.goto("/settings/tokens");
  await expect(page.getByRole("heading", { name: /^Your tokens/ })).toBeVisible();
  await expect(page.getByLabel("Acts as")).toHaveCount(0);
  await expect(page.getByRole("row", { name: /viewer-read/ })).toContainText("viewer@example.com");
  await expect(page.getByRole("table")).not.toContainText("admin@example.com");

  // Reads work with the viewer's token; every mutation is refused with 403 and changes nothing.
  expect((await request.get("/api/v1/environments", { headers: bearer(viewerToken) })).status()).toBe(200);
  const before = await (await request.get("/api/v1/builds?limit=200", { headers: bearer(viewerToken) })).json();
  const refused = await request.post("/api/v1/builds", { headers: bearer(viewerToken), data: buildBody("portal") });
  expect(refused.status()).toBe(403);
  expect((await refused.json()).error).toMatchObject({ code: "forbidden", message: expect.stringContaining("developer") });
  const release = await request.post("/api/v1/releases", { headers: bearer(viewerToken), data: { commit: "a".repeat(40), branch: "develop" } });
  expect(release.status()).toBe(403);
  const after = await (await request.get("/api/v1/builds?limit=200", { headers: bearer(viewerToken) })).json();
  expect(after.items.length).toBe(before.items.length);
});
