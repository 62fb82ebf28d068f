import { expect, test, type Page } from "@playwright/test";
import { DEMO, appUrl, ciBuild, confirmDialog, signedInAs, switchUser, waitForDeployment, BOARD, environmentPage } from "./helpers";

/**
 * Issue 14, items 4–7, as people see them: an unobserved soak is amber, a fast-track's soak is
 * stated before confirming and stays put, a request nobody could approve is refused naming the
 * requester, and aborting a failing rollout keeps what served before it.
 */
const STOREFRONT_LEAD = "tech-lead-storefront@example.com";

/** Disables or enables a person's account as an admin does, in Settings → Users. */
async function setDisabled(page: Page, email: string, disabled: boolean): Promise<void> {
  await signedInAs(page, DEMO.admin, "/settings/users");
  const row = page.locator("tr", { hasText: email });
  if (disabled) {
    await row.getByRole("button", { name: "Disable" }).click();
    await confirmDialog(page, "Disable account");
    await expect(row.getByRole("button", { name: "Enable" })).toBeVisible();
  } else {
    await row.getByRole("button", { name: "Enable" }).click();
    await expect(row.getByRole("button", { name: "Disable" })).toBeVisible();
  }
}

test.describe.serial("soaks, approvers and aborts", () => {
  test("the only tech-lead cannot fast-track to prod: refused at once, saying they cannot approve their own request", async ({ page, baseURL }) => {
    ciBuild(["--app", "portal", "--version", `7.${Date.now() % 100000}.0`], baseURL!);
    // The storefront team's tech lead (who owns shop) is the shop's other tech-lead: an admin
    // disables that account for this test, so the demo tech-lead is the only one who could approve.
    await setDisabled(page, STOREFRONT_LEAD, true);
    await signedInAs(page, DEMO.techLead);
    await page.goto(BOARD);
    await page.getByTestId("fast-track-prod").click();
    await confirmDialog(page, "Fast-track to prod", "e2e: only tech-lead");
    // Refused: the dialog stays open, says why, and keeps the reason typed; focus is on its button.
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("confirm-failure")).toContainText(/Nobody could ever approve this fast-track into prod: .+ is the only tech lead and cannot approve their own request/);
    await expect(dialog.getByLabel(/Reason/)).toHaveValue("e2e: only tech-lead");
    await expect(dialog.getByRole("button", { name: "Fast-track to prod" })).toBeFocused();
    await dialog.getByRole("button", { name: "Cancel" }).click();
    await expect(dialog).toBeHidden();
    await expect(page).not.toHaveURL(/\/deployments\/dep_/);
    await setDisabled(page, STOREFRONT_LEAD, false);
  });

  test("the fast-track dialog states where and from when the soak is measured; the deployment keeps it, and an unobserved soak passes amber", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto(BOARD);
    await page.getByTestId("promote-dev").click();
    await confirmDialog(page, "Deploy to dev");
    expect(await waitForDeployment(page)).toBe("succeeded");

    await page.goto(BOARD);
    await page.getByTestId("fast-track-prod").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("soak-statement")).toContainText(/soak is measured in dev, from .+ UTC \(when it started there\), complete at .+ UTC\. It stays measured there/);
    await page.screenshot({ path: "test-results/delivery-safety-fast-track-dialog.png" });
    await confirmDialog(page, "Fast-track to prod", "e2e: soak stated");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    await expect(page.getByTestId("soak-statement")).toContainText("soak is measured in dev");
    // The e2e apps get no traffic and prod allows an unobserved soak: once its 20 s are up it passes amber, marked unverified.
    const soak = page.locator('[data-gate="soak"]');
    await expect(soak).toHaveAttribute("data-unverified", "true", { timeout: 45_000 });
    await expect(soak).toContainText("pass · unverified");
    await expect(soak).toContainText("without any traffic observed — health unverified");
    await page.screenshot({ path: "test-results/delivery-safety-unverified-soak.png", fullPage: true });
    await page.getByRole("button", { name: "Cancel deployment" }).click();
    await confirmDialog(page, "Cancel the deployment");
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "cancelled");
  });

  test("aborting a rollout whose health check fails stops it at once and keeps what served before it", async ({ page, baseURL }) => {
    await signedInAs(page, DEMO.developer);
    const devAdmin = await appUrl(page, "dev", "admin");
    const before = (await (await page.request.get(`${devAdmin}/health`)).json()).version;
    ciBuild(["--app", "admin", "--version", `8.${Date.now() % 100000}.0`, "--unhealthy"], baseURL!);
    await page.goto(BOARD);
    await page.getByTestId("promote-dev").click();
    await confirmDialog(page, "Deploy to dev");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "verifying", { timeout: 30_000 });

    // Another developer — anyone who may roll dev back may abort there.
    const url = page.url();
    await switchUser(page, DEMO.deliveryLead);
    await page.goto(url);
    await page.getByTestId("abort-rollout").click();
    await confirmDialog(page, "Abort rollout", "e2e: admin is unhealthy");
    expect(await waitForDeployment(page)).toBe("failed");
    await expect(page.getByTestId("abort-note")).toContainText("stopped this rollout: e2e: admin is unhealthy");
    await expect(page.getByText(/Aborted by .+: e2e: admin is unhealthy; what served before it was kept\./).first()).toBeVisible();
    await page.screenshot({ path: "test-results/delivery-safety-aborted.png", fullPage: true });
    expect((await (await page.request.get(`${devAdmin}/health`)).json()).version).toBe(before);
    await page.goto(environmentPage("dev"));
    await expect(page.getByText("on hold").first()).toBeVisible();
    // The board's dev column says the last rollout failed and why, linking to it.
    await page.goto(BOARD);
    const failure = page
      .getByRole("columnheader")
      .filter({ has: page.getByRole("link", { name: "dev", exact: true }) })
      .getByTestId("last-failure");
    await expect(failure).toContainText(/Promotion of [0-9a-f]{7} failed/);
    await expect(failure).toContainText("e2e: admin is unhealthy");
    await failure.getByRole("link").click();
    await expect(page).toHaveURL(url);
  });
});
