import { expect, test } from "@playwright/test";
import { DEMO, appUrl, ciBuild, confirmDialog, signedInAs, waitForDeployment, BOARD, environmentPage } from "./helpers";

test.describe.serial("deployments that really happen", () => {
  const version = `7.${Date.now() % 100000}.0`;

  test("CI builds a release; it is deployed to dev and promoted to qa from the board; qa's URL serves it", async ({ page, baseURL }) => {
    ciBuild(["--app", "portal", "--version", version], baseURL!);
    await signedInAs(page, DEMO.deliveryLead);

    await page.getByTestId("promote-dev").click();
    await expect(page.getByRole("dialog")).toContainText(`portal ${version}`);
    await confirmDialog(page, "Deploy to dev", "e2e: new portal");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await expect(page.locator('[data-step="Verify portal"]')).toHaveAttribute("data-state", "succeeded");

    await page.goto(BOARD);
    await page.getByTestId("promote-qa").click();
    await confirmDialog(page, "Deploy to qa");
    expect(await waitForDeployment(page)).toBe("succeeded");

    const url = await appUrl(page, "qa", "portal");
    await page.goto(url);
    await expect(page.getByText(version).first()).toBeVisible();
    await expect(page.getByText("qa", { exact: true }).first()).toBeVisible();
  });

  test("rolling qa back serves the old version again, and only qa moves", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    const devUrl = await appUrl(page, "dev", "portal");
    const qaUrl = await appUrl(page, "qa", "portal");
    await page.getByRole("button", { name: "Roll back…" }).click();
    await confirmDialog(page, "Roll back qa", "e2e: back to the previous release");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await expect(page.getByRole("heading", { name: /Rollback of/ })).toBeVisible();

    const qa = await (await page.request.get(`${qaUrl}/health`)).json();
    expect(qa.version).not.toBe(version);
    expect(qa.environment).toBe("qa");
    await page.goto(qaUrl);
    await expect(page.getByText(qa.version).first()).toBeVisible();
    // dev is untouched by qa's rollback.
    expect((await (await page.request.get(`${devUrl}/health`)).json()).version).toBe(version);

    // The board still offers dev's release to qa, saying it was just rolled back there.
    await page.goto(BOARD);
    await page.getByTestId("promote-qa").click();
    await expect(page.getByTestId("promote-qa-preview")).toContainText(/was rolled back in qa .+: find out why before promoting it again\./);
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();

    await page.goto("/deployments?environment=qa&kind=rollback");
    const rows = page.getByRole("table", { name: "Deployments" }).locator("tbody tr");
    await expect(rows.first()).toContainText("rollback");
    for (const row of await rows.all()) await expect(row).toContainText("rollback");
  });

  test("on shop's dev (handbook has a dev too) Redeploy from the environment page goes through: the page sends shop/dev", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead, environmentPage("dev"));
    // The live instances come from the per-pipeline API (a bare /api/v1/environments/dev is ambiguous).
    await expect(page.locator('[data-app="portal"] [data-instance]').first()).toBeVisible();
    await page.getByRole("button", { name: "Redeploy…" }).click();
    await confirmDialog(page, "Redeploy", "e2e: redeploy shop's dev while handbook has a dev");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    await expect(page.getByText(/ambiguous|exists in pipelines/i)).toHaveCount(0);
    expect(await waitForDeployment(page)).toBe("succeeded");
    // It went into shop's dev, not handbook's: the title links to shop's dev page.
    await expect(page.locator('h1 a[href="/pipelines/shop/environments/dev"]')).toBeVisible();
  });

  test("a viewer sees no Promote or Rollback, and the API refuses them", async ({ page, request, baseURL }) => {
    await signedInAs(page, DEMO.viewer);
    await expect(page.getByRole("table", { name: "Pipeline board" })).toBeVisible();
    await expect(page.getByRole("button", { name: /Promote to|Deploy to/ })).toHaveCount(0);
    await page.goto(environmentPage("qa"));
    await expect(page.getByRole("button", { name: "Roll back…" })).toHaveCount(0);
    await page.goto("/deployments");
    await page.getByRole("table", { name: "Deployments" }).locator("tbody tr a").first().click();
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    await expect(page.getByRole("button", { name: /Roll back|Stop rollout|Cancel deployment/ })).toHaveCount(0);

    // The session cookie does not authorize mutations on the API: only tokens do.
    const refused = await request.post(`${baseURL}/api/v1/environments/qa/rollback`, { data: {} });
    expect(refused.status()).toBe(401);
  });
});

test("50 concurrent promotion requests over HTTP: exactly one deployment, the rest 409, no 5xx", async ({ request, baseURL }) => {
  const { releaseId } = ciBuild(["--app", "admin", "--version", `8.${Date.now() % 100000}.0`], baseURL!);
  const token = (await import("node:fs")).readFileSync(".data/e2e/demo-token", "utf8").trim();
  const responses = await Promise.all(Array.from({ length: 50 }, () => request.post("/api/v1/pipelines/shop/environments/dev/deployments", { headers: { Authorization: `Bearer ${token}` }, data: { releaseId, reason: "concurrency" } })));
  const statuses = responses.map((r) => r.status()).sort();
  expect(statuses.filter((s) => s === 202)).toHaveLength(1);
  expect(statuses.filter((s) => s === 409)).toHaveLength(49);
  const history = await (await request.get(`/api/v1/pipelines/shop/deployments?environment=dev&limit=200`, { headers: { Authorization: `Bearer ${token}` } })).json();
  expect(history.items.filter((d: { releaseId: string }) => d.releaseId === releaseId)).toHaveLength(1);
});
