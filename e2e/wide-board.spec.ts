import fs from "node:fs";
import { expect, test } from "@playwright/test";
import { BOARD, DEMO, bearer, createTokenInUi, signedInAs } from "./helpers";

/**
 * A wide chain at a common laptop width (fresh-user finding): at 1,400 px a board of 8 environments
 * fits without scrolling sideways (its last column whole) and no health line wraps; an environment
 * of many apps pages them with a count and Previous/Next. The pipeline is registered here, through
 * the API, as CI would: 8 environments, 55 apps (nothing deployed: the columns' width is the point).
 */
const ENVIRONMENTS = ["dev", "qa", "uat", "perf", "staging", "preprod", "canary", "prod"];
const APPS = Array.from({ length: 55 }, (_, i) => `wide-app-${String(i).padStart(2, "0")}`);
const YAML = [
  "version: 1",
  "pipeline: { name: wide }",
  "apps:",
  ...APPS.map((name) => `  - { name: ${name} }`),
  "environments:",
  ...ENVIRONMENTS.map((name, i) => (i === 0 ? `  - { name: ${name}, branch: main }` : `  - { name: ${name} }`)),
];

test.use({ viewport: { width: 1400, height: 900 } });
fs.mkdirSync("test-results/wide-board", { recursive: true });

test.describe.serial("a wide pipeline at 1,400 px", () => {
  test.beforeAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signedInAs(page, DEMO.admin, "/");
    const token = await createTokenInUi(page, /admin@example.com/, "wide-board");
    const response = await page.request.put("/api/v1/pipelines/wide", { headers: { ...bearer(token), "content-type": "application/yaml" }, data: YAML.join("\n") });
    expect([200, 201]).toContain(response.status());
    await page.close();
  });

  test("a board of 8 environments fits the window: the last column whole, nothing to scroll sideways", async ({ page }) => {
    await signedInAs(page, DEMO.viewer, "/pipelines/wide");
    const board = page.getByRole("table", { name: "Pipeline board" });
    await expect(board.locator("thead th")).toHaveCount(ENVIRONMENTS.length + 1);
    const scroller = board.locator("xpath=..");
    const { scrollWidth, clientWidth } = await scroller.evaluate((el) => ({ scrollWidth: el.scrollWidth, clientWidth: el.clientWidth }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    const prod = await board.locator("thead th").last().boundingBox();
    expect(prod!.x + prod!.width).toBeLessThanOrEqual(1400);
    await page.screenshot({ path: "test-results/wide-board/board-8-environments.png" });
    // 55 apps: the board filters its rows. Failing health has the portfolio's name; the URL keeps "failing".
    const filters = page.getByRole("search", { name: "Filter apps" });
    await expect(filters.getByLabel("Status").locator('option[value="failing"]')).toHaveText("failing health");
    // With a filter on, Clear sits on the inputs' row, centred as the Filter button is.
    await page.goto("/pipelines/wide?q=wide-app-0");
    const middle = async (name: string) => {
      const box = (await filters.getByRole(name === "Clear" ? "link" : "button", { name, exact: true }).boundingBox())!;
      return box.y + box.height / 2;
    };
    expect(Math.abs((await middle("Clear")) - (await middle("Filter")))).toBeLessThanOrEqual(1);
  });

  test("no health line wraps on the board", async ({ page }) => {
    // The e2e pipeline's cells are deployed (demo data) and sampled: each health line is one line tall.
    await signedInAs(page, DEMO.viewer, BOARD);
    const health = page.locator("td.board-cell .health");
    await expect(health.first()).toBeVisible();
    const heights = await health.evaluateAll((els) => els.map((el) => el.getBoundingClientRect().height));
    expect(Math.max(...heights)).toBeLessThanOrEqual(20);
    await page.screenshot({ path: "test-results/wide-board/board-5-environments.png" });
  });

  test("an environment of 55 apps pages them: where the page stands, Previous and Next by keyboard, filters kept", async ({ page }) => {
    await signedInAs(page, DEMO.viewer, "/pipelines/wide/environments/qa");
    const pager = page.getByRole("navigation", { name: "App pages" });
    await expect(pager).toContainText("Page 1 of 2 · 1–50 of 55 apps");
    await expect(pager.getByRole("link", { name: "Previous", exact: true })).toHaveCount(0);
    // Their names are the words: the arrows are hidden from screen readers.
    await expect(pager.locator('[aria-hidden="true"]')).toHaveText("→");
    await pager.getByRole("link", { name: "Next", exact: true }).focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/pipelines\/wide\/environments\/qa\?page=2$/);
    await expect(pager).toContainText("Page 2 of 2 · 51–55 of 55 apps");
    await expect(page.locator("tr[data-app]")).toHaveCount(5);
    await pager.getByRole("link", { name: "Previous", exact: true }).focus();
    await page.keyboard.press("Enter");
    await expect(page).toHaveURL(/\/pipelines\/wide\/environments\/qa$/);

    // A filter narrows the count and stays in the pager's links.
    await page.goto("/pipelines/wide/environments/qa?q=wide-app-0&status=not-deployed");
    await expect(pager).toContainText("1–10 of 10 matching apps (55 in all)");
    await page.goto("/pipelines/wide/environments/qa?q=wide-app&status=not-deployed");
    await expect(pager).toContainText("Page 1 of 2 · 1–50 of 55 apps");
    await expect(pager.getByRole("link", { name: "Next", exact: true })).toHaveAttribute("href", "/pipelines/wide/environments/qa?q=wide-app&status=not-deployed&page=2");
  });
});
