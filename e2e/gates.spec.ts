import { expect, test } from "@playwright/test";
import { DEMO, appUrl, approveOnPage, bearer, ciBuild, confirmDialog, signedInAs, switchUser, waitForDeployment, BOARD } from "./helpers";

test.describe.serial("gates, approvals and the fast-track", () => {
  let promotionUrl = "";

  test("a prod promotion waits and says why; the requester ticks the checklist; tech-lead then pm approve; it rolls out blue-green", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    const prodUrl = await appUrl(page, "prod", "portal");
    await page.goto(BOARD);
    await page.getByTestId("promote-prod").click();
    await confirmDialog(page, "Deploy to prod", "e2e: weekly release");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    promotionUrl = page.url();
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "waiting");
    await expect(page.getByRole("heading", { name: "Why can't this ship yet?" })).toBeVisible();
    await expect(page.locator('[data-gate="approvals"]')).toHaveAttribute("data-status", "pending");
    await expect(page.locator('[data-gate="approvals"]')).toContainText("needs 1 tech lead and 1 product manager approval");
    await expect(page.locator('[data-gate="checklist"]')).toContainText("0 of 2 checklist items ticked");
    // The requester cannot approve their own request: no decision controls for them.
    await expect(page.getByRole("region", { name: "Your decision" })).toHaveCount(0);
    const checklist = page.getByRole("group", { name: "Pre-flight checklist" });
    await checklist.getByLabel("release verified in staging").check();
    await checklist.getByLabel("deploy announced in #releases").check();
    await expect(page.locator('[data-gate="checklist"]')).toHaveAttribute("data-status", "pass");

    await switchUser(page, DEMO.techLead);
    await page.goto("/approvals");
    await expect(page.getByRole("link", { name: /Promotion to prod/ })).toBeVisible();
    await approveOnPage(page, promotionUrl, "Tech lead");
    await expect(page.locator('[data-gate="approvals"]')).toContainText("product manager");

    await switchUser(page, DEMO.pm);
    await approveOnPage(page, promotionUrl, "Product manager");
    expect(await waitForDeployment(page)).toBe("succeeded");
    // One clean sentence (issue 15 item 9: it read "until in 30 min..").
    await expect(page.getByTestId("warm-until")).toHaveText(/^The previous release stays warm for an instant rollback for another \d+ min \(until \d\d:\d\d UTC\)\.$/);
    const served = (await (await page.request.get(`${prodUrl}/health`)).json()).version;
    await page.goto(prodUrl);
    await expect(page.getByText(served).first()).toBeVisible();
  });

  test("rolling prod back while the previous release is warm serves it again at once", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    const prodUrl = await appUrl(page, "prod", "portal");
    const before = (await (await page.request.get(`${prodUrl}/health`)).json()).version;
    await page.getByRole("button", { name: "Roll back…" }).click();
    await confirmDialog(page, "Roll back prod", "e2e: warm rollback");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    await expect.poll(async () => (await (await page.request.get(`${prodUrl}/health`)).json()).version, { timeout: 10_000 }).not.toBe(before);
    expect(await waitForDeployment(page)).toBe("succeeded");
    await page.locator('[data-step="Roll back portal"] summary').click();
    await expect(page.locator('[data-step="Roll back portal"]')).toContainText(/was still warm: switched back in [\d.]+ ms/);
    await page.goto(BOARD);
    const prodColumn = page
      .getByRole("table", { name: "Pipeline board" })
      .getByRole("columnheader")
      .filter({ has: page.getByRole("link", { name: "prod", exact: true }) });
    await expect(prodColumn.getByText("On hold", { exact: true })).toBeVisible(); // the gate-state chip; the closed Promote dialog also mentions the hold, in a sentence
  });

  test("a developer cannot approve, in the UI or through the API", async ({ page, request, baseURL }) => {
    ciBuild(["--app", "admin", "--version", `6.${Date.now() % 100000}.0`], baseURL!);
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto(BOARD);
    await page.getByTestId("promote-dev").click();
    await confirmDialog(page, "Deploy to dev");
    expect(await waitForDeployment(page)).toBe("succeeded");
    // A prod promotion that waits for approvals, requested by the lead.
    await page.goto(BOARD);
    await page.getByTestId("fast-track-prod").click();
    await confirmDialog(page, "Fast-track to prod", "e2e: waiting for approvals");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    const waitingUrl = page.url();

    await switchUser(page, DEMO.developer);
    await page.goto(waitingUrl);
    await expect(page.getByRole("heading", { name: "Why can't this ship yet?" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Your decision" })).toHaveCount(0);
    await page.goto("/approvals");
    await expect(page.getByText("Nothing waits for you")).toBeVisible();
    const developerToken = (await import("node:fs")).readFileSync(".data/e2e/demo-token", "utf8").trim();
    const refused = await request.post(`/api/v1/deployments/${waitingUrl.split("/").pop()}/approvals`, { headers: bearer(developerToken), data: { decision: "approve", role: "tech-lead" } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.message).toContain("tech lead");

    await switchUser(page, DEMO.deliveryLead);
    await page.goto(waitingUrl);
    await page.getByRole("button", { name: "Cancel deployment" }).click();
    await confirmDialog(page, "Cancel the deployment");
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "cancelled");
  });

  test("a fast-track from develop goes straight to prod with tech-lead AND pm approval, and the board shows what it skipped", async ({ page, baseURL }) => {
    const version = `5.${Date.now() % 100000}.0`;
    ciBuild(["--app", "portal", "--version", version], baseURL!);
    await signedInAs(page, DEMO.deliveryLead);
    await page.getByTestId("promote-dev").click();
    await confirmDialog(page, "Deploy to dev");
    expect(await waitForDeployment(page)).toBe("succeeded");

    await page.goto(BOARD);
    await page.getByTestId("fast-track-prod").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog).toContainText("Bypassed:");
    await expect(dialog).toContainText("qa, uat, staging");
    await expect(dialog).toContainText("tech lead and product manager, no stronger than a promotion's");
    // What it waits for, said before confirming: prod's approvals and its checklist.
    const waits = dialog.getByRole("list", { name: "What a fast-track to prod waits for now" });
    await expect(waits).toContainText("It needs approval by 1 tech lead and 1 product manager (not by you) before it starts.");
    await expect(waits).toContainText("You tick 2 pre-flight checklist items on its page before it starts.");
    await expect(dialog.getByRole("button", { name: "Fast-track to prod" })).toBeDisabled(); // a reason is required
    await confirmDialog(page, "Fast-track to prod", "e2e: urgent payment fix");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    const url = page.url();
    await expect(page.getByRole("heading", { name: /Fast-track to/ })).toBeVisible();
    await expect(page.getByText(/Skipped qa, uat, staging/)).toBeVisible();
    const checklist = page.getByRole("group", { name: "Pre-flight checklist" });
    await checklist.getByLabel("release verified in staging").check();
    await checklist.getByLabel("deploy announced in #releases").check();
    // Each tick is saved by its own request: wait until both are recorded before signing out.
    await expect(checklist.getByText(/ticked by/)).toHaveCount(2);

    await switchUser(page, DEMO.techLead);
    await approveOnPage(page, url, "Tech lead");
    await switchUser(page, DEMO.pm);
    await approveOnPage(page, url, "Product manager");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await expect(page.locator('[data-step="Hook sync-branch"]')).toHaveAttribute("data-state", "succeeded");

    const prodUrl = await appUrl(page, "prod", "portal");
    expect((await (await page.request.get(`${prodUrl}/health`)).json()).version).toBe(version);
    await page.goto("/deployments?kind=fast-track");
    await expect(page.getByRole("table", { name: "Deployments" }).locator("tbody tr").first()).toContainText("fast-track");
    await page.goto(BOARD);
    const staging = page
      .getByRole("table", { name: "Pipeline board" })
      .getByRole("columnheader")
      .filter({ has: page.getByRole("link", { name: "staging", exact: true }) });
    await expect(staging).toContainText("fast-tracked past this environment");
  });
});
