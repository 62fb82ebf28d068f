import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { DEMO, approveOnPage, ciBuild, confirmDialog, signedInAs, switchUser, waitForDeployment, environmentPage } from "./helpers";

// Issue 15, the smaller faults a newcomer met in their first hour (items 5–21), one test each.
// Screenshots at phone width go to test-results/390/ for a person to look at.

/** Console errors and uncaught page errors from now on. */
function collectErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

test.describe.serial("a newcomer's first hour", () => {
  let promotionUrl = "";

  test("item 8: /favicon.ico is served", async ({ request }) => {
    const response = await request.get("/favicon.ico");
    expect(response.status()).toBe(200);
    expect(response.headers()["content-type"]).toMatch(/image/);
  });

  test("item 7: each Promote dialog says what its environment's strategy and gates will do", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    // uat is recreated (its api-gateway asks for it): closed for a few seconds, nothing warm.
    await page.getByTestId("promote-uat").click();
    const uat = page.getByTestId("promote-uat-preview");
    await expect(uat).toContainText("uat is recreated: it closes");
    await expect(uat).toContainText("Nothing stays warm");
    await expect(uat).not.toContainText("stays warm for");
    await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
    // prod is blue-green, and waits for approvals and the checklist.
    await page.getByTestId("promote-prod").click();
    const prod = page.getByTestId("promote-prod-preview");
    await expect(prod).toContainText("prod switches all traffic to the new release once it is verified; the current release stays warm for 30 min after the switch");
    await expect(prod).toContainText("It needs approval by 1 tech lead and 1 product manager (not by you) before it starts.");
    await expect(prod).toContainText("You tick 2 pre-flight checklist items on its page before it starts.");
    await expect(prod).not.toContainText("until in");
    await confirmDialog(page, "Deploy to prod", "e2e: first hour");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    promotionUrl = page.url();
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "waiting");
  });

  test("item 8: a waiting prod deployment's page hydrates without errors", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    const errors = collectErrors(page);
    await page.goto(promotionUrl);
    await expect(page.getByRole("heading", { name: "Why can't this ship yet?" })).toBeVisible();
    await page.waitForLoadState("networkidle");
    await page.reload();
    await page.waitForLoadState("networkidle");
    expect(errors.filter((e) => /418|hydrat/i.test(e))).toEqual([]);
  });

  test("item 11: my requests say what they wait on; a decision leaves the approver's inbox", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto("/approvals");
    const mine = page.getByTestId("my-request").filter({ has: page.getByRole("link", { name: "Promotion to prod" }) });
    await expect(mine).toContainText("needs 1 tech lead and 1 product manager approval");

    await switchUser(page, DEMO.techLead);
    await page.goto("/approvals");
    const toDecide = page.getByRole("region", { name: /Waiting for your decision/ });
    await expect(toDecide.getByRole("link", { name: "Promotion to prod" })).toBeVisible();
    await approveOnPage(page, promotionUrl, "Tech lead");
    await page.goto("/approvals");
    await expect(page.getByRole("region", { name: /Waiting for your decision/ }).getByRole("link", { name: "Promotion to prod" })).toHaveCount(0);
    await expect(page.getByRole("list", { name: "Decided by you" })).toContainText("you approved");
  });

  test("item 18: the cancel dialog names its buttons by their effect", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto(promotionUrl);
    await page.getByTestId("cancel-deployment").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByRole("button")).toHaveText(["Keep the deployment", "Cancel the deployment"]);
    await dialog.getByRole("button", { name: "Keep the deployment" }).click();
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "waiting");
    await page.getByTestId("cancel-deployment").click();
    await confirmDialog(page, "Cancel the deployment");
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "cancelled");
  });

  test("item 10: Settings → Users shows when a signed-in person was last seen", async ({ page }) => {
    await signedInAs(page, DEMO.admin);
    await page.goto("/settings/users");
    for (const email of [DEMO.admin, DEMO.deliveryLead]) {
      const row = page.getByRole("row").filter({ hasText: email });
      await expect(row.getByRole("cell").nth(3)).toHaveText(/just now|ago/); // after Person, Roles, In teams and pipelines
    }
  });

  test("item 14: freeze validation speaks the form's words and local time", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto("/freezes");
    const form = page.getByRole("form", { name: "Declare a freeze" });
    // Nothing is chosen for the person (the first option, handbook / dev, was): the button waits.
    await expect(form.getByRole("button", { name: "Freeze", exact: true })).toBeDisabled();
    // Two pipelines have a dev: the options are references, shown "shop / dev".
    await form.getByLabel("Environment").selectOption("shop/dev");
    await form.getByLabel("Name").fill("backwards");
    await form.getByLabel(/Reason/).fill("End before start, on purpose");
    await form.getByLabel(/From/).fill("2030-01-02T10:00");
    await form.getByLabel("a time").check();
    await form.getByLabel("Until").fill("2030-01-01T10:00");
    await form.getByRole("button", { name: "Freeze shop / dev" }).click();
    const message = form.locator("#freeze-end-error");
    await expect(message).toHaveText(/^the end must be after the start \(2 Jan 2030 10:00 [^)]+\); it is 1 Jan 2030 10:00 /);
    await expect(form).not.toContainText(/startsAt|endsAt|2030-01-0\dT/);
  });

  test("a freeze of every environment of one pipeline is declared from the form, listed as such, and cancelled", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto("/freezes");
    const form = page.getByRole("form", { name: "Declare a freeze" });
    await form.getByLabel("Environment").selectOption({ label: "all of handbook" });
    await expect(form).toContainText("Deployments into every environment of handbook, the first of its chain included, wait");
    await form.getByLabel("Name").fill("handbook rewrite");
    await form.getByLabel(/Reason/).fill("Docs move to the new site");
    await form.getByLabel(/From/).fill("2030-01-02T10:00"); // upcoming: nothing else in this run waits on it
    await form.getByRole("button", { name: "Freeze all of handbook" }).click();
    const upcoming = page.getByRole("table", { name: "Upcoming freezes" });
    const row = upcoming.getByRole("row").filter({ hasText: "handbook rewrite" });
    await expect(row).toContainText("all of handbook");
    await page.screenshot({ path: "test-results/freeze-whole-pipeline.png", fullPage: true });
    await row.getByRole("button", { name: "Cancel…" }).click();
    await expect(page.getByRole("dialog")).toContainText("deployments into every environment of handbook go on as usual");
    await confirmDialog(page, "Cancel freeze", "declared by the e2e test");
    await expect(upcoming.getByRole("row").filter({ hasText: "handbook rewrite" })).toHaveCount(0);
    // Its row went with its button: focus moves to the page's main region, not to <body>.
    await expect(page.locator("#main")).toBeFocused();
    // In the history it reads as cancelled (it never began), not as a lifted freeze that "was" in force.
    await page.getByRole("link", { name: "Show lifted and ended" }).click();
    const past = page.getByRole("table", { name: "Lifted and ended freezes" }).getByRole("row").filter({ hasText: "handbook rewrite" });
    await expect(past).toContainText("was to run from");
    await expect(past).toContainText("cancelled by");
    await expect(past.getByText("cancelled", { exact: true })).toBeVisible();
  });

  test("item 19: Compare tells 'never ran' from 'not running now'", async ({ page }) => {
    await signedInAs(page, DEMO.developer);
    await page.goto("/compare?from=staging&to=prod");
    const table = page.getByRole("table", { name: "Releases ahead" });
    await expect(table.getByRole("columnheader", { name: "In prod" })).toBeVisible();
    const cells = table.getByTestId("ran-in");
    expect(await cells.count()).toBeGreaterThan(0);
    for (const text of await cells.allTextContents()) expect(text).toMatch(/^(never ran|not running now( · ran .+)?)$/);
  });

  test("item 5: a torn-down review environment keeps its page, its verdicts and its place in History", async ({ page }) => {
    await signedInAs(page, DEMO.developer);
    await page.goto(environmentPage("checkout-redesign"));
    await page.getByTestId("teardown-review").click();
    await confirmDialog(page, "Tear down checkout-redesign");
    await expect(page).toHaveURL(/\/pipelines\/shop$/);
    await expect
      .poll(
        async () => {
          await page.goto(environmentPage("checkout-redesign"));
          return page.getByTestId("gone-banner").count();
        },
        { timeout: 30_000, intervals: [1000] },
      )
      .toBe(1);
    await expect(page.getByTestId("gone-banner")).toContainText("Its record stays");
    await expect(page.getByRole("heading", { name: /Verdict/ })).toBeVisible();
    await expect(page.getByRole("heading", { name: "Recent deployments" })).toBeVisible();
    await expect(page.getByTestId("teardown-review")).toHaveCount(0);

    await page.goto("/deployments");
    const filter = page.getByRole("search", { name: "Filter deployments" });
    // Listed under its pipeline, qualified (handbook has environments too), and marked gone.
    await expect(filter.getByLabel("Environment").locator('optgroup[label="shop"] option[value="shop/checkout-redesign"]')).toHaveText("checkout-redesign (gone)");
    await filter.getByLabel("Environment").selectOption("shop/checkout-redesign");
    await filter.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/environment=shop%2Fcheckout-redesign/);
    await expect(page.getByRole("table", { name: "Deployments" }).getByRole("link", { name: "checkout-redesign" }).first()).toBeVisible();
  });

  test("item 6: while a rolling rollout shifts traffic, its badge says so and how far", async ({ page, baseURL }) => {
    const version = `5.${Date.now() % 100000}.0`;
    ciBuild(["--app", "portal", "--version", version], baseURL!);
    await signedInAs(page, DEMO.deliveryLead);
    await page.getByTestId("promote-dev").click();
    await confirmDialog(page, "Deploy to dev", "e2e: watch the traffic shift");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    // The state stays "verifying" (data-state) while the badge says what happens: the shift steps pause 2 s each.
    await expect(page.getByTestId("deployment-state")).toHaveText(/shifting traffic (25|50|75) %/, { timeout: 60_000 });
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "verifying");
    expect(await waitForDeployment(page)).toBe("succeeded");
  });

  test("item 20: every page works at 390 px wide", async ({ page }) => {
    // Some twenty pages in one test (35 s alone): beside vitest in npm test it needs more than the default minute.
    test.setTimeout(180_000);
    await page.setViewportSize({ width: 390, height: 844 });
    await signedInAs(page, DEMO.admin);
    await page.goto("/deployments");
    const deployment = await page
      .getByRole("table", { name: "Deployments" })
      .getByRole("link", { name: /ago|just now/ })
      .first()
      .getAttribute("href");
    await page.goto("/releases");
    const release = await page.locator('a[href^="/releases/rel_"]').first().getAttribute("href");
    const pages: [string, string][] = [
      ["board", "/"],
      ["deployments", "/deployments"],
      ["deployment", deployment!],
      ["releases", "/releases"],
      ["release", release!],
      ["compare", "/compare?from=staging&to=prod"],
      ["approvals", "/approvals"],
      ["freezes", "/freezes"],
      ["incidents", "/incidents"],
      ["metrics", "/metrics"],
      ["audit", "/audit"],
      ["settings-users", "/settings/users"],
      ["settings-tokens", "/settings/tokens"],
      ["environment-prod", environmentPage("prod")],
      ["environment-staging", environmentPage("staging")],
      ["environment-torn-down", environmentPage("checkout-redesign")],
    ];
    fs.mkdirSync("test-results/390", { recursive: true });
    const problems: string[] = [];
    for (const [name, url] of pages) {
      await page.goto(url);
      await page.waitForLoadState("networkidle");
      await page.screenshot({ path: `test-results/390/${name}.png`, fullPage: true });
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      if (width > 390) problems.push(`${name} is ${width} px wide`);
      const signOut = await page.getByRole("button", { name: "Sign out" }).boundingBox();
      if (!signOut || signOut.x + signOut.width > 390) problems.push(`${name}: Sign out is off screen`);
      // No step name is cut short ("Retire previo…").
      const cut = await page.locator("[data-step] summary > span.font-medium").evaluateAll((spans) => spans.filter((s) => s.scrollWidth > s.clientWidth + 1).map((s) => s.textContent));
      if (cut.length) problems.push(`${name}: step names cut: ${cut.join(", ")}`);
    }
    expect(problems).toEqual([]);
  });
});
