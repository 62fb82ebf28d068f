import { expect, test, type APIRequestContext } from "@playwright/test";
import { DEMO, appUrl, confirmDialog, signedInAs, waitForDeployment, BOARD, environmentPage } from "./helpers";

test.describe.serial("strategies, jobs and configuration", () => {
  test("a recreate rollout closes the environment: the maintenance page answers while it is closed", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    const uatUrl = await appUrl(page, "uat", "portal");
    const seen = new Map<number, { retryAfter?: string; body: string }>();
    let polling = true;
    const poll = (async (request: APIRequestContext) => {
      while (polling) {
        const response = await request.get(uatUrl, { failOnStatusCode: false }).catch(() => null);
        if (response && !seen.has(response.status())) seen.set(response.status(), { retryAfter: response.headers()["retry-after"], body: await response.text() });
        await new Promise((r) => setTimeout(r, 15));
      }
    })(page.request);

    await page.goto(BOARD);
    await page.getByTestId("promote-uat").click();
    await confirmDialog(page, "Deploy to uat");
    // uat's pre-flight checklist: the requester ticks it, then the rollout starts.
    await page.getByRole("group", { name: "Pre-flight checklist" }).getByLabel("release verified by QA").check();
    expect(await waitForDeployment(page)).toBe("succeeded");
    polling = false;
    await poll;

    expect(seen.get(503)?.body).toContain("closed for maintenance");
    expect(Number(seen.get(503)?.retryAfter)).toBeGreaterThan(0);
    expect(seen.has(200)).toBe(true);
    await expect(page.getByText("recreate").first()).toBeVisible();
    await expect(page.getByText(/closed for maintenance for [\d.]+ s/)).toBeVisible();
    await page.goto(uatUrl);
    await expect(page.getByText("uat", { exact: true }).first()).toBeVisible();
  });

  test("a config variable is edited, deployed, and reaches the app; a secret never shows anywhere", async ({ page }) => {
    const secret = `s3cr3t-${Date.now()}`;
    await signedInAs(page, DEMO.techLead);
    await page.goto(environmentPage("dev"));
    const config = page.getByRole("region").filter({ has: page.getByRole("heading", { name: "Configuration" }) });
    for (const variable of [
      { key: "GREETING", value: "hello from e2e", secret: false },
      { key: "PAYMENT_API_KEY", value: secret, secret: true },
    ]) {
      await page.getByRole("button", { name: "Add variable" }).click();
      const form = page.getByRole("form", { name: "Add a variable" });
      await form.getByLabel("Name").fill(variable.key);
      await form.getByLabel("Value").fill(variable.value);
      if (variable.secret) await form.getByLabel("secret").check();
      await form.getByLabel("Reason (audited)").fill("e2e: new setting");
      await form.getByRole("button", { name: "Save" }).click();
      await expect(page.locator(`tr[data-key="${variable.key}"]`)).toBeVisible();
    }
    await expect(page.locator('tr[data-key="PAYMENT_API_KEY"]')).toContainText("secret · ••••••");
    await expect(page.getByText("Configuration changed since the last deployment")).toBeVisible();
    await page.getByRole("button", { name: "Apply (deploy config)" }).click();
    await confirmDialog(page, "Deploy config");
    expect(await waitForDeployment(page)).toBe("succeeded");
    const deploymentUrl = page.url();

    // The apps now run with the new variables (the sample service lists their names, never values).
    const devUrl = await appUrl(page, "dev", "portal");
    await page.goto(devUrl);
    await expect(page.getByText("GREETING")).toBeVisible();
    await expect(page.getByText("PAYMENT_API_KEY")).toBeVisible();
    void config;

    // The secret's value appears in no page and no API response.
    const pages = [BOARD, environmentPage("dev"), "/deployments", deploymentUrl, "/releases"];
    const api = [
      "/api/v1/environments",
      "/api/v1/pipelines/shop/environments/dev",
      "/api/v1/pipelines/shop/environments/dev/config",
      "/api/v1/pipelines/shop/environments/dev/jobs",
      "/api/v1/deployments",
      `/api/v1/deployments/${deploymentUrl.split("/").pop()}`,
    ];
    for (const path of [...pages, ...api]) {
      const text = await (await page.request.get(path)).text();
      expect(text, path).not.toContain(secret);
    }
    expect(await (await page.request.get(devUrl)).text()).not.toContain(secret);
  });

  test("a seed runs only after a confirmation that names the environment, typing it for prod", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto(environmentPage("prod"));
    await page.getByTestId("seed-portal").click();
    const dialog = page.getByRole("dialog");
    const confirm = dialog.getByRole("button", { name: "Seed prod" });
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Type prod to confirm/).fill("pro");
    await expect(confirm).toBeDisabled();
    await dialog.getByLabel(/Type prod to confirm/).fill("prod");
    await confirm.click();
    const job = page.locator('[data-job="seed"]').first();
    await expect(job).toHaveAttribute("data-state", "succeeded", { timeout: 20_000 });
    await job.locator("summary").click();
    await expect(job).toContainText(/seed/i);

    await page.goto(environmentPage("qa"));
    await page.getByTestId("seed-portal").click();
    await expect(page.getByRole("dialog").getByLabel(/Type qa to confirm/)).toHaveCount(0);
    await page.getByRole("dialog").getByRole("button", { name: "Seed qa" }).click();
    await expect(page.locator('[data-job="seed"]').first()).toHaveAttribute("data-state", /queued|running|succeeded/);
  });
});
