import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { DEMO, signIn } from "./helpers";

/**
 * Issue 18 item 3: the portfolio at `/` lists every pipeline with each environment's state, and
 * filters by app name, failing health, team and "needs my decision" through the URL. What the page
 * shows is checked against the API's answer, so the spec holds for one demo pipeline or three.
 */

type ApiEnvironment = { name: string; kind: "fixed" | "review"; position: number | null; apps: { releaseId: string | null }[] };

/** The pipelines and their environments as the API tells them: the per-pipeline API when it exists, else the single-pipeline one. */
async function pipelinesFromApi(page: Page): Promise<{ name: string; environments: ApiEnvironment[] }[]> {
  const list = await page.request.get("/api/v1/pipelines");
  const names: string[] = list.status() === 200 ? ((await list.json()) as { items: { name: string }[] }).items.map((p) => p.name) : [((await (await page.request.get("/api/v1/pipeline")).json()) as { name: string }).name];
  return Promise.all(
    names.map(async (name) => {
      const scoped = await page.request.get(`/api/v1/pipelines/${name}/environments`);
      const response = scoped.status() === 200 ? scoped : await page.request.get("/api/v1/environments");
      return { name, environments: ((await response.json()) as { items: ApiEnvironment[] }).items };
    }),
  );
}

async function screenshot(page: Page, name: string) {
  fs.mkdirSync("test-results/portfolio", { recursive: true });
  await page.screenshot({ path: `test-results/portfolio/${name}.png`, fullPage: true });
}

test.describe.serial("portfolio", () => {
  test("lists every pipeline with its environments in chain order, what each runs and its review environments", async ({ page }) => {
    await signIn(page, DEMO.deliveryLead, "/");
    await expect(page.getByRole("heading", { name: "Portfolio" })).toBeVisible();
    const pipelines = await pipelinesFromApi(page);
    expect(pipelines.length).toBeGreaterThan(0);
    await expect(page.getByTestId("portfolio-pipeline")).toHaveCount(pipelines.length);
    for (const pipeline of pipelines) {
      const section = page.locator(`[data-testid="portfolio-pipeline"][data-pipeline="${pipeline.name}"]`);
      const fixed = pipeline.environments.filter((e) => e.kind === "fixed").sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
      const tiles = section.getByTestId("portfolio-environment");
      await expect(tiles).toHaveCount(fixed.length);
      for (const [i, env] of fixed.entries()) {
        const tile = tiles.nth(i);
        await expect(tile).toHaveAttribute("data-env", env.name);
        const releases = new Set(env.apps.map((a) => a.releaseId).filter(Boolean));
        const release = tile.getByTestId("portfolio-release");
        if (releases.size === 1) await expect(release.getByRole("link")).toHaveAttribute("href", `/releases/${[...releases][0]}`);
        else if (releases.size === 0) await expect(release).toHaveText("nothing deployed");
        else await expect(release).toContainText(`mixed: ${releases.size} releases`);
      }
      const reviews = pipeline.environments.filter((e) => e.kind === "review").length;
      await expect(section.getByTestId("portfolio-review-count")).toHaveText(`${reviews} review environment${reviews === 1 ? "" : "s"}`);
    }
    await screenshot(page, "portfolio");
  });

  test("search by app name narrows the list, through the URL, and Back returns to everything", async ({ page }) => {
    await signIn(page, DEMO.developer, "/");
    const all = await page.getByTestId("portfolio-pipeline").count();
    const search = page.getByRole("searchbox", { name: "App name" });
    await search.fill("portal");
    await search.press("Enter");
    await expect(page).toHaveURL(/[?&]app=portal/);
    const matching = page.getByTestId("portfolio-pipeline");
    await expect(matching.first()).toBeVisible();
    const narrowed = await matching.count();
    expect(narrowed).toBeLessThanOrEqual(all);
    for (const list of await page.getByTestId("portfolio-matched-apps").allTextContents()) expect(list).toContain("portal");

    await page.getByRole("searchbox", { name: "App name" }).fill("no-app-is-named-this");
    await page.getByRole("searchbox", { name: "App name" }).press("Enter");
    await expect(page.getByText("No pipeline matches these filters")).toBeVisible();
    await expect(page.getByTestId("portfolio-pipeline")).toHaveCount(0);

    await page.goBack();
    await expect(page).toHaveURL(/[?&]app=portal/);
    await expect(page.getByTestId("portfolio-pipeline")).toHaveCount(narrowed);
    await page.getByRole("link", { name: "Clear filters" }).first().click();
    await expect(page.getByTestId("portfolio-pipeline")).toHaveCount(all);
  });

  test("failing health shows exactly the pipelines with an unhealthy or degraded environment", async ({ page }) => {
    await signIn(page, DEMO.developer, "/");
    // What the unfiltered page says about each pipeline's health.
    const failing: string[] = [];
    for (const section of await page.getByTestId("portfolio-pipeline").all()) {
      const tones = await section.getByTestId("portfolio-health").evaluateAll((els) => els.map((e) => e.getAttribute("data-health")));
      if (tones.some((t) => t === "red" || t === "amber")) failing.push((await section.getAttribute("data-pipeline"))!);
    }
    await page.getByLabel("Failing health").check();
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/[?&]failing=1/);
    const shown = page.getByTestId("portfolio-pipeline");
    if (failing.length === 0) await expect(page.getByText("No pipeline matches these filters")).toBeVisible();
    else await expect(shown).toHaveCount(failing.length);
    expect(await shown.evaluateAll((els) => els.map((e) => e.getAttribute("data-pipeline")))).toEqual(failing);
  });

  test("needs my decision shows the pipelines with a deployment waiting on me; team filter when teams exist", async ({ page }) => {
    await signIn(page, DEMO.techLead, "/");
    const count = page.getByRole("link", { name: /Approvals/ }).locator("span");
    const pending = (await count.count()) ? Number(await count.textContent()) : 0;
    await page.getByLabel("Needs my decision").check();
    await page.getByRole("button", { name: "Filter" }).click();
    await expect(page).toHaveURL(/[?&]mine=1/);
    if (pending === 0) {
      await expect(page.getByTestId("portfolio-pipeline")).toHaveCount(0);
    } else {
      const shown = page.getByTestId("portfolio-pipeline");
      expect(await shown.count()).toBeGreaterThan(0);
      for (const section of await shown.all()) await expect(section.getByText("your decision").first()).toBeVisible();
    }

    await page.goto("/");
    const team = page.getByLabel("Team");
    if ((await team.count()) === 0) return; // no teams yet: the filter is not offered
    const teams = (await team.locator("option").evaluateAll((els) => els.map((e) => (e as HTMLOptionElement).value))).filter(Boolean);
    for (const name of teams) {
      await page.goto(`/?team=${name}`);
      for (const section of await page.getByTestId("portfolio-pipeline").all()) await expect(section.getByTitle("Owning team")).toBeVisible();
    }
  });

  test("a pipeline links to its board and its environments to their pages; the old URL redirects", async ({ page }) => {
    await signIn(page, DEMO.developer, "/");
    const first = page.getByTestId("portfolio-pipeline").first();
    const name = (await first.getAttribute("data-pipeline"))!;
    const env = (await first.getByTestId("portfolio-environment").last().getAttribute("data-env"))!;
    await first.getByRole("heading").getByRole("link", { name }).click();
    await expect(page).toHaveURL(new RegExp(`/pipelines/${name}$`));
    await expect(page.getByRole("table", { name: "Pipeline board" })).toBeVisible();
    await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toContainText(`Portfolio›${name}`);
    await screenshot(page, "pipeline-board");

    await page.getByRole("table", { name: "Pipeline board" }).getByRole("link", { name: env, exact: true }).click();
    await expect(page).toHaveURL(new RegExp(`/pipelines/${name}/environments/${env}$`));
    await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toContainText(`Portfolio›${name}›${env}`);
    await screenshot(page, "environment");

    // A bookmark of the old, unqualified URL lands on the qualified page (the name is unambiguous here).
    const pipelines = await pipelinesFromApi(page);
    const owners = pipelines.filter((p) => p.environments.some((e) => e.name === env));
    await page.goto(`/environments/${env}`);
    if (owners.length === 1) await expect(page).toHaveURL(new RegExp(`/pipelines/${name}/environments/${env}$`));
    else await expect(page.getByRole("heading", { name: `Which ${env}?` })).toBeVisible();

    await page.goto("/pipelines/no-such-pipeline");
    await expect(page.getByText("Not found")).toBeVisible();
  });

  test("a pipeline where nothing runs yet says how the first release gets in; the header's switcher follows the page", async ({ page }) => {
    // Nothing in these tests deploys into handbook: its board is a new pipeline's.
    await signIn(page, DEMO.developer, "/pipelines/handbook");
    const hint = page.getByTestId("first-release-hint");
    await expect(hint).toContainText("Nothing runs in handbook yet");
    await expect(hint).toContainText("POST /api/v1/pipelines/handbook/builds");
    // The token page it links to offers a token restricted to handbook.
    await hint.getByRole("link", { name: "Settings → API tokens" }).click();
    await expect(page).toHaveURL(/\/settings\/tokens\?pipeline=handbook$/);
    await expect(page.locator('select[name="pipeline"]')).toHaveValue("handbook");
    await page.goBack();
    // Its review environments clone dev (its pipeline file), not a staging it does not have.
    await expect(page.getByText("cloned from dev, so a delivery lead can verify a feature while dev stays as it is")).toBeVisible();
    const switcher = page.getByLabel("Go to a pipeline's board");
    await expect(switcher).toHaveValue("handbook");
    // shop has run releases from its first hour: no hint there.
    await switcher.selectOption("shop");
    await expect(page).toHaveURL(/\/pipelines\/shop$/);
    await expect(page.getByTestId("first-release-hint")).toHaveCount(0);

    // A deployment's page does not name its pipeline in the URL; the switcher, tab and breadcrumbs do.
    // On a page filtered by pipeline, another pipeline is the same page filtered by it; arrow keys only move the choice.
    await page.goto("/deployments?pipeline=handbook");
    await expect(switcher).toHaveValue("handbook");
    await switcher.focus();
    await page.keyboard.press("ArrowDown");
    await expect(page).toHaveURL(/\/deployments\?pipeline=handbook$/);
    await page.keyboard.press("Escape");
    await expect(switcher).toHaveValue("handbook");
    await switcher.selectOption("shop");
    await expect(page).toHaveURL(/\/deployments\?pipeline=shop$/);
    await expect(switcher).toHaveValue("shop");
    // The page's own filter follows (its form was kept with the old default).
    await expect(page.getByRole("search", { name: "Filter deployments" }).locator('select[name="pipeline"]')).toHaveValue("shop");
    await page.getByRole("table", { name: "Deployments" }).locator("tbody tr").first().getByRole("link").first().click();
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    await expect(page).toHaveTitle(/^(Promotion to|Fast-track to|Rollback of|Redeploy of|Config change in) [\w-]+ · shop · Slipway$/);
    await expect(page.getByRole("navigation", { name: "Breadcrumb" })).toContainText(/^Portfolio›shop›[\w-]+›Deployments$/);
    await expect(switcher).toHaveValue("shop");
    // "Portfolio (all pipelines)" leaves the pipeline.
    await switcher.selectOption("");
    await expect(page).toHaveURL(/\/$/);
  });
});
