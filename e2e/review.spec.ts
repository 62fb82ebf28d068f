import { expect, test, type Page } from "@playwright/test";
import { DEMO, appUrl, ciBuild, confirmDialog, signedInAs, switchUser, BOARD, environmentPage } from "./helpers";

/** Set E2E_SCREENSHOTS to a folder to keep screenshots of the review screens, for a person to look at. */
const SCREENSHOTS = process.env.E2E_SCREENSHOTS;
async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage });
}

/** Whether anything answers at `url` (a torn-down environment's address refuses connections). */
async function answers(url: string): Promise<boolean> {
  return fetch(url, { signal: AbortSignal.timeout(2_000) }).then(
    () => true,
    () => false,
  );
}

test("a branch is reviewed in its own environment cloned from staging, accepted, promoted into staging and torn down", async ({ page, baseURL }) => {
  test.setTimeout(120_000);
  // Staging runs a release (the demo's, restored when Slipway starts) and gets an item of its own.
  await signedInAs(page, DEMO.developer);
  const stagingUrl = await appUrl(page, "staging", "portal");
  expect((await page.request.get(`${stagingUrl}/health`)).status()).toBe(200);
  const stagingItem = `staging item ${Date.now()}`;
  expect((await page.request.post(`${stagingUrl}/api/items`, { data: { text: stagingItem } })).status()).toBe(201);

  // CI cuts a release on a feature branch.
  const suffix = Date.now().toString(36);
  const branch = `feature/e2e-${suffix}`;
  const name = `e2e-${suffix}`;
  const version = `7.${Date.now() % 100000}.0-review`;
  const { releaseId } = ciBuild(["--app", "portal", "--version", version, "--branch", branch], baseURL!);

  // The developer opens the spin-up dialog from the board: keyboard first, Escape cancels.
  await page.goto(BOARD);
  const open = page.getByRole("button", { name: "Spin up review environment…" });
  await open.click();
  const dialog = page.getByRole("dialog", { name: "Spin up a review environment" });
  await expect(dialog.getByLabel("Branch")).toBeFocused();
  await page.keyboard.press("Escape");
  await expect(dialog).toBeHidden();
  await open.click();
  await dialog.getByLabel("Branch").selectOption(branch);
  await expect(dialog.getByLabel("Release")).toHaveValue(releaseId);
  // The option names the release; what it holds is the select's description, under it.
  await expect(dialog.getByLabel("Release")).toHaveAccessibleDescription(new RegExp(`portal ${version.replace(/\./g, "\\.")}`));
  await expect(dialog.getByLabel(/^Name/)).toHaveAttribute("placeholder", name);
  await expect(dialog.getByLabel("Lifetime (hours)")).toHaveValue("48");
  await expect(dialog.getByLabel("Cloned from")).toHaveValue("staging");
  // By default it runs only the apps that differ from staging; a full clone is one click away.
  await expect(dialog.getByRole("radio", { name: "Only the apps that differ from the source" })).toBeChecked();
  await expect(dialog.getByRole("radio", { name: "Every app (a full clone)" })).not.toBeChecked();

  // A name in use is refused next to its field, and nothing is created.
  await dialog.getByLabel(/^Name/).fill("staging");
  await dialog.getByRole("button", { name: "Spin up" }).click();
  await expect(dialog.getByText("already in use")).toBeVisible();
  await expect(dialog.getByLabel(/^Name/)).toHaveAttribute("aria-invalid", "true");
  await screenshot(page, "spin-up-dialog", false);
  await dialog.getByLabel(/^Name/).fill("");
  await dialog.getByRole("button", { name: "Spin up" }).click();

  // Its page follows the provisioning step by step, until it is ready.
  await expect(page).toHaveURL(new RegExp(`/environments/${name}$`));
  // Its steps while it provisions; a quiet machine may finish before the page's first render, so its ready state counts too.
  const status = page.getByTestId("review-status");
  await expect(page.getByRole("list", { name: "Provisioning steps" }).locator("[data-step]").first().or(page.locator('[data-testid="review-status"][data-state="ready"]'))).toBeVisible();
  // The portal it is bringing is its own from the start: never "served by staging", not even while it provisions.
  await expect(page.locator('tr[data-app="admin"] [data-served-by="staging"]')).toBeVisible();
  await expect(page.locator('tr[data-app="portal"] [data-served-by]')).toHaveCount(0);
  await screenshot(page, "review-provisioning");
  await expect(status).toHaveAttribute("data-state", "ready", { timeout: 60_000 });
  await expect(page.getByRole("list", { name: "Provisioning steps" })).toHaveCount(0);

  // Its address: the branch's version, with staging's data; what is added there stays there.
  const addresses = page.getByRole("list", { name: "Addresses" });
  const reviewUrl = (await addresses.getByRole("link", { name: /Open portal/ }).getAttribute("href"))!;
  expect(reviewUrl).not.toBe(stagingUrl);
  // Every app has an address: the portal (the build that changed) its own, the others wherever they run.
  await expect(addresses.getByRole("listitem")).toHaveCount(3);
  await expect(addresses.locator('li[data-served-by="own"]').filter({ hasText: "portal" })).toHaveCount(1);
  // Only the portal was built on the branch: staging serves admin and api-gateway, at its own addresses.
  await expect(addresses.locator('li[data-served-by="staging"]')).toHaveCount(2);
  const stagingAdmin = await addresses.getByRole("link", { name: /Open admin \(served by staging\)/ }).getAttribute("href");
  await expect(page.locator('td[data-served-by="staging"]').filter({ hasText: "Served by staging" })).toHaveCount(2);
  expect(stagingAdmin).toBe(await appUrl(page, "staging", "admin"));
  await page.goto(reviewUrl);
  await expect(page.getByText(version).first()).toBeVisible();
  await expect(page.getByText(stagingItem)).toBeVisible();
  const reviewItem = `review item ${Date.now()}`;
  await page.getByPlaceholder("Add an item").fill(reviewItem);
  await page.getByRole("button", { name: "Add" }).click();
  await expect(page.getByText(reviewItem)).toBeVisible();
  const stagingItems = (await (await page.request.get(`${stagingUrl}/api/items`)).json()).items.map((i: { text: string }) => i.text);
  expect(stagingItems).toContain(stagingItem);
  expect(stagingItems).not.toContain(reviewItem);

  // The board lists it: its address, ready, awaiting a verdict.
  await page.goto(BOARD);
  const row = page.locator(`tr[data-review="${name}"]`);
  await expect(row.getByTestId("review-status")).toHaveAttribute("data-state", "ready");
  await expect(row.getByRole("link", { name: `Open ${name} (portal) in a new tab` })).toHaveAttribute("href", reviewUrl);
  await expect(row).toContainText("awaiting verdict");
  await screenshot(page, "board-review-environments");
  // One review environment per branch: the dialog says where the branch runs and does not offer a second.
  await page.getByRole("button", { name: "Spin up review environment…" }).click();
  const again = page.getByRole("dialog", { name: "Spin up a review environment" });
  await again.getByLabel("Branch").selectOption(branch);
  await expect(again.getByText(`Already running in ${name}: open it, or tear it down to spin up another.`)).toBeVisible();
  await expect(again.getByRole("button", { name: "Spin up" })).toBeDisabled();
  await page.keyboard.press("Escape");
  await expect(again).toBeHidden();

  // The delivery lead asks for changes (saying which), then accepts.
  await switchUser(page, DEMO.deliveryLead);
  await page.goto(environmentPage(name));
  const verdict = page.getByRole("form", { name: "Your verdict" });
  await verdict.getByRole("button", { name: "Request changes" }).click();
  await expect(verdict.getByText("say which changes are needed")).toBeVisible();
  await expect(verdict.getByLabel(/Comment/)).toHaveAttribute("aria-invalid", "true");
  await verdict.getByLabel(/Comment/).fill("The basket total ignores the discount");
  await verdict.getByRole("button", { name: "Request changes" }).click();
  const verdicts = page.getByRole("list", { name: "Verdicts" });
  await expect(verdicts.getByRole("listitem")).toHaveCount(1);
  await expect(verdicts).toContainText("changes requested");
  await expect(verdicts).toContainText("The basket total ignores the discount");
  await verdict.getByLabel(/Comment/).fill("Discount fixed: checked with finance");
  await verdict.getByRole("button", { name: "Accept" }).click();
  await expect(verdicts.getByRole("listitem")).toHaveCount(2);
  await expect(verdicts.getByRole("listitem").last()).toContainText("accepted");

  // The accepted release goes into staging through staging's own gates. Its owner asks: the demo has
  // one delivery lead, who could not approve their own request (such a request is refused at once).
  await switchUser(page, DEMO.developer);
  await page.goto(environmentPage(name));
  await page.getByTestId("promote-staging").click();
  await confirmDialog(page, "Deploy to staging", "e2e: accepted in review");
  await expect(page).toHaveURL(/\/deployments\/dep_/);
  const promotionUrl = page.url();
  await expect(page.getByRole("heading", { name: /Promotion to\s*staging/ })).toBeVisible();
  await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "waiting");
  await expect(page.locator('[data-gate="approvals"]')).toContainText("delivery lead");

  // Back on the review environment: where its release went, and a hint to tear it down.
  await page.goto(environmentPage(name));
  await expect(page.getByRole("link", { name: "Its deployment to staging", exact: true })).toHaveAttribute("href", new URL(promotionUrl).pathname);
  await expect(page.getByText(/tear it down to free its slot/)).toBeVisible();
  await screenshot(page, "review-environment-accepted");

  // Torn down from its page: the person lands on the board, and its address stops answering.
  await page.getByTestId("teardown-review").click();
  await expect(page.getByRole("dialog")).toContainText("Its record stays");
  await confirmDialog(page, `Tear down ${name}`);
  await expect(page).toHaveURL(/\/pipelines\/shop$/);
  await expect(page.getByText(`${name} is being torn down`)).toBeVisible();
  await expect.poll(() => answers(reviewUrl), { timeout: 10_000, intervals: [250] }).toBe(false);
  expect(await answers(stagingUrl)).toBe(true);

  // Staging's waiting promotion is withdrawn, so later tests find staging as it was.
  await page.goto(promotionUrl);
  await page.getByRole("button", { name: "Cancel deployment" }).click();
  await confirmDialog(page, "Cancel the deployment");
  await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "cancelled");
});
