import { expect, test } from "@playwright/test";
import { DEMO, bearer, signIn } from "./helpers";

const SCREENSHOTS = process.env.E2E_SCREENSHOTS;
const STOREFRONT_LEAD = "tech-lead-storefront@example.com";

/** Issue 18, item 2: teams own pipelines, roles are granted per team, tokens can be restricted to a pipeline. */
test.describe.serial("teams and scoped roles", () => {
  test("the sign-in list offers the team tech leads with their team role", async ({ page }) => {
    await page.goto("/signin");
    const button = page.locator("form", { has: page.locator(`input[name="email"][value="${STOREFRONT_LEAD}"]`) }).getByRole("button");
    await expect(button).toContainText("Tech lead · storefront");
    await expect(page.locator("form", { has: page.locator('input[name="email"][value="tech-lead-platform@example.com"]') }).getByRole("button")).toContainText("Tech lead · platform");
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/signin-teams.png`, fullPage: true });
  });

  test("an admin sees teams with members and owned pipelines, creates a team and staffs it", async ({ page }) => {
    await signIn(page, DEMO.admin);
    await page.goto("/settings/teams");
    const storefront = page.getByTestId("team-storefront");
    await expect(storefront).toContainText("shop");
    await expect(storefront).toContainText(STOREFRONT_LEAD);
    await expect(storefront).toContainText("Tech lead");
    await expect(page.getByLabel("Owner team of shop")).toHaveValue("storefront");

    await page.getByLabel("Name", { exact: true }).fill("data");
    await page.getByLabel("Display name").fill("Data");
    await page.getByRole("button", { name: "Create team" }).click();
    await expect(page.getByTestId("team-data")).toContainText("no pipelines");

    await page.locator("select[name=team]").selectOption("data");
    await page.getByLabel("Person (email)").fill(DEMO.developer);
    await page.locator("fieldset", { hasText: "Roles (none: remove)" }).getByLabel("Developer").check();
    await page.getByRole("button", { name: "Save roles" }).click();
    await expect(page.getByTestId("team-data")).toContainText(DEMO.developer);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/settings-teams.png`, fullPage: true });

    await page.goto("/settings/users");
    await expect(page.getByRole("list", { name: `${STOREFRONT_LEAD}'s team and pipeline roles` })).toContainText("Tech lead · team storefront");
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/settings-users-grants.png`, fullPage: true });
  });

  test("a token restricted to shop is listed as such and refused for organisation-wide changes, audited", async ({ page, request }) => {
    await signIn(page, DEMO.admin);
    await page.goto("/settings/tokens");
    await page.getByLabel("Name").fill("shop-only");
    // The header's pipeline switcher is labelled too: the form's own select.
    await page.locator('form select[name="pipeline"]').selectOption("shop");
    await page.getByRole("button", { name: "Create token" }).click();
    const token = (await page.getByTestId("new-token").textContent())!.trim();
    await expect(page.getByRole("row", { name: /shop-only/ })).toContainText("pipeline shop only");
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/settings-tokens-pipeline.png`, fullPage: true });

    expect((await request.get("/api/v1/teams", { headers: bearer(token) })).status()).toBe(200);
    const refused = await request.post("/api/v1/teams", { headers: bearer(token), data: { name: "sneaky" } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.message).toBe("Not allowed: this token is restricted to pipeline shop.");
    const audit = await page.request.get("/api/v1/audit?action=team.manage");
    const events = (await audit.json()) as { items: { outcome: string; reason: string }[] };
    expect(events.items.some((e) => e.outcome === "denied" && e.reason === "Not allowed: this token is restricted to pipeline shop.")).toBe(true);
  });

  test("a team-only tech lead sees Teams but cannot change them", async ({ page }) => {
    await signIn(page, STOREFRONT_LEAD);
    await page.goto("/settings/teams");
    await expect(page.getByTestId("team-storefront")).toBeVisible();
    await expect(page.getByRole("button", { name: "Create team" })).toHaveCount(0);
    await expect(page.getByLabel("Owner team of shop")).toHaveCount(0);
  });
});
