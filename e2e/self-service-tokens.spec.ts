import { expect, test } from "@playwright/test";
import { DEMO, bearer, signedInAs, switchUser } from "./helpers";

const SCREENSHOTS = process.env.E2E_SCREENSHOTS;

/** Issue 15, item 2: every signed-in person creates, sees and revokes their own API tokens. */
test.describe.serial("self-service API tokens", () => {
  test("a developer creates a token in Settings, uses it, sees only their own and revokes it", async ({ page, request }) => {
    await signedInAs(page, DEMO.developer);
    await page.getByRole("link", { name: "Settings" }).click();
    await expect(page).toHaveURL(/\/settings\/tokens$/);
    await expect(page.getByRole("navigation", { name: "Settings" }).getByRole("link", { name: "Users & roles" })).toHaveCount(0);
    await expect(page.getByLabel("Acts as")).toHaveCount(0); // only admins pick another person

    await page.getByLabel("Name").fill("dana-laptop");
    await page.getByLabel(/Expires after/).fill("7");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").textContent())!.trim();
    expect(token).toMatch(/^slw_/);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/settings-tokens-developer.png`, fullPage: true });

    const allowed = await request.get("/api/v1/environments", { headers: bearer(token) });
    expect(allowed.status()).toBe(200);
    // It acts as the developer: an admin-only action is refused.
    const forbidden = await request.post("/api/v1/freezes", { headers: bearer(token), data: { environment: "qa", name: "nope", reason: "not allowed to" } });
    expect(forbidden.status()).toBe(403);

    await expect(page.getByRole("heading", { name: /^Your tokens/ })).toBeVisible();
    const row = page.getByRole("row", { name: /dana-laptop/ });
    await expect(row).toContainText("developer@example.com");
    await expect(row).toContainText(/expires/);
    await expect(page.getByRole("table")).not.toContainText("admin@example.com");

    await row.getByRole("button", { name: "Revoke" }).click();
    await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
    await expect(row).toContainText("revoked");
    expect((await request.get("/api/v1/environments", { headers: bearer(token) })).status()).toBe(401);
  });

  test("users and roles stay admin-only; an admin sees and can revoke everyone's tokens", async ({ page }) => {
    await signedInAs(page, DEMO.viewer);
    await page.goto("/settings/users");
    await expect(page.getByText("Users and roles are managed by admins.")).toBeVisible();

    await switchUser(page, DEMO.admin);
    await page.goto("/settings/tokens");
    await expect(page.getByText(/Everyone's tokens/)).toBeVisible();
    await expect(page.getByRole("row", { name: /dana-laptop/ })).toContainText("developer@example.com");
    await expect(page.getByLabel("Acts as")).toBeVisible();
  });
});
