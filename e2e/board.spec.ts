import { expect, test } from "@playwright/test";
import { DEMO, signedInAs, BOARD, environmentPage } from "./helpers";

test("a demo user signs in and sees the pipeline board", async ({ page }) => {
  await page.goto(BOARD);
  // Signed out, the board sends you to sign in and, once signed in, back to the board (not the portfolio).
  await expect(page).toHaveURL(/\/signin\?callbackUrl=%2Fpipelines%2Fshop$/);
  await expect(page.getByText("Local mode.")).toBeVisible();
  await page
    .locator("form", { has: page.locator(`input[name="email"][value="${DEMO.deliveryLead}"]`) })
    .getByRole("button")
    .click();
  await expect(page).toHaveURL(/\/pipelines\/shop$/);

  const board = page.getByRole("table", { name: "Pipeline board" });
  const headers = board.locator("thead th");
  await expect(headers).toHaveCount(6);
  for (const [i, env] of ["dev", "qa", "uat", "staging", "prod"].entries()) {
    await expect(headers.nth(i + 1).getByRole("link", { name: env, exact: true })).toBeVisible();
  }
  for (const app of ["portal", "admin", "api-gateway"]) {
    await expect(board.getByRole("rowheader", { name: new RegExp(`^${app}`) })).toBeVisible();
  }
  // The release once per column (issue 15 item 17); each cell: the app's build version, when and by whom, and health.
  await expect(board.locator('td[data-env="prod"][data-row="release"]').getByTestId("column-release")).toHaveText(/^[0-9a-f]{7}$/);
  const prodPortal = board.locator('td[data-env="prod"][data-app="portal"]');
  await expect(prodPortal.getByRole("link")).toHaveText(/^\d+\.\d+\.\d+/);
  await expect(prodPortal).not.toContainText(/[0-9a-f]{7}/);
  await expect(prodPortal).toContainText(/ago · /);
  await expect(prodPortal).toContainText(/healthy|unknown|degraded|unhealthy/);

  // Review environments are listed apart, marked as cloned from their source.
  await expect(page.getByRole("heading", { name: /Review environments/ })).toBeVisible();
  await expect(page.getByText("cloned from staging")).toBeVisible();
  await expect(page.getByText("Local mode: anyone at this machine")).toBeVisible();

  // Signing out says so, on the sign-in page.
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/signin\?signed-out=1$/);
  await expect(page.getByRole("status")).toHaveText("You are signed out of Slipway.");
});

test("each environment has its own page with its apps, rules and history", async ({ page }) => {
  await signedInAs(page, DEMO.developer);
  await page.getByRole("table", { name: "Pipeline board" }).getByRole("link", { name: "prod", exact: true }).click();
  await expect(page).toHaveURL(/\/environments\/prod$/);
  await expect(page.getByRole("heading", { name: /prod/ }).first()).toBeVisible();
  await expect(page.getByText("Rules (pipeline file)")).toBeVisible();
  await expect(page.getByText("1 × tech-lead")).toBeVisible();
  await expect(page.getByRole("heading", { name: "Recent deployments" })).toBeVisible();

  await page.goto(environmentPage("no-such-env"));
  await expect(page.getByText("Not found")).toBeVisible();
});

test("relative times stay current while a page stays open", async ({ page }) => {
  // One page-wide ticker rewrites every "… ago" (components/ui/relative-time-ticker.tsx); a page
  // without auto-refresh shows it: a day later, the newest release's time no longer says what it said.
  await page.clock.install();
  await signedInAs(page, DEMO.viewer, "/releases");
  const times = page.locator("time[data-relative]");
  await expect(times.first()).toBeVisible();
  const before = await times.allTextContents();
  expect(before.length).toBeGreaterThan(1);
  await page.clock.fastForward("26:00:00");
  await expect(times.first()).not.toHaveText(before[0]!);
  await expect(times.first()).toHaveText(/ago$|^yesterday$/);
});
