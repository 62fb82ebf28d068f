import { spawn, type ChildProcess } from "node:child_process";
import { expect, test, type Page } from "@playwright/test";
import { DEMO, appUrl, approveOnPage, ciBuild, confirmDialog, signedInAs, switchUser, waitForDeployment, BOARD, environmentPage } from "./helpers";

/** Set E2E_SCREENSHOTS to a folder to keep screenshots of these screens, for a person to look at. */
const SCREENSHOTS = process.env.E2E_SCREENSHOTS;
async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage });
}

async function servedVersion(page: Page, url: string): Promise<string | null> {
  const response = await page.request.get(`${url}/health`, { failOnStatusCode: false, timeout: 5_000 }).catch(() => null);
  return response?.ok() ? ((await response.json()) as { version: string }).version : null;
}

/** The panel on a rollback's page that says why Slipway acted, and offers on-call's decision. */
function automaticRollbackPanel(page: Page) {
  return page.locator("section").filter({ has: page.getByRole("heading", { name: /Slipway rolled staging back by itself/ }) });
}

/**
 * `npm run demo:traffic` against staging, as a person would start it in a second terminal: real
 * HTTP to every app of staging (it finds their addresses through the API with the demo token).
 * Its output is attached to the test's report.
 */
function startTraffic(baseURL: string): { process: ChildProcess; output: () => string } {
  let output = "";
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo-traffic.ts", "--env", "staging", "--rps", "20", "--duration", "2m", "--url", baseURL], {
    env: { ...process.env, SLIPWAY_DATA_DIR: ".data/e2e" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  return { process: child, output: () => output };
}

/** Ctrl+C for demo:traffic (SIGINT): it stops sending, prints its totals and exits; SIGKILL if it hangs. */
async function stopTraffic(traffic: { process: ChildProcess }): Promise<void> {
  const child = traffic.process;
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGINT");
  const timeout = new Promise((resolve) => setTimeout(resolve, 5_000, "timeout"));
  if ((await Promise.race([exited, timeout])) === "timeout") child.kill("SIGKILL");
}

test.describe.serial("an error budget burning after a deployment: Slipway rolls staging back by itself", () => {
  const faultyVersion = `4.${Date.now() % 100000}.0`;
  let faultyCommit = "";
  let stagingUrl = "";
  let goodVersion = "";
  let faultyDeploymentUrl = "";
  let rollbackUrl = "";

  test("a portal that fails 30% of its requests passes the chain and staging's smoke check", async ({ page, baseURL }) => {
    test.setTimeout(90_000);
    // The good release: whatever staging serves now (the demo's, restored when Slipway started).
    await signedInAs(page, DEMO.developer);
    stagingUrl = await appUrl(page, "staging", "portal");
    goodVersion = (await servedVersion(page, stagingUrl))!;
    expect(goodVersion).toBeTruthy();

    // CI builds a faulty portal. With --error-rate 0.3 the sample service fails requests 4, 7, 10…
    // of its app routes, deterministically: the smoke check (the first request, GET /) passes and
    // every gate is green, so only real traffic can show the fault — the case an SLO watch is for.
    const { output } = ciBuild(["--app", "portal", "--version", faultyVersion, "--error-rate", "0.3"], baseURL!);
    faultyCommit = /commit ([0-9a-f]{7})/.exec(output)![1]!;

    await page.goto(BOARD);
    await page.getByTestId("promote-dev").click();
    await expect(page.getByRole("dialog")).toContainText(`portal ${faultyVersion}`);
    await confirmDialog(page, "Deploy to dev");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await page.goto(BOARD);
    await page.getByTestId("promote-qa").click();
    await confirmDialog(page, "Deploy to qa");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await page.goto(BOARD);
    await page.getByTestId("promote-uat").click();
    await confirmDialog(page, "Deploy to uat");
    await page.getByRole("group", { name: "Pre-flight checklist" }).getByLabel("release verified by QA").check();
    expect(await waitForDeployment(page)).toBe("succeeded");

    // Staging waits for a delivery lead (and for the soak in uat, which saw no traffic).
    await page.goto(BOARD);
    await page.getByTestId("promote-staging").click();
    await expect(page.getByRole("dialog")).toContainText(`portal ${faultyVersion}`);
    await confirmDialog(page, "Deploy to staging", "e2e: the new portal");
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    faultyDeploymentUrl = page.url();
    await switchUser(page, DEMO.deliveryLead);
    await approveOnPage(page, faultyDeploymentUrl, "Delivery lead");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await expect(page.locator('[data-step="Smoke check: portal home page"]')).toHaveAttribute("data-state", "succeeded");
    expect(await servedVersion(page, stagingUrl)).toBe(faultyVersion);
  });

  test("under real traffic the budget burns; Slipway rolls staging back to the good release by itself and holds it", async ({ page, baseURL }) => {
    test.setTimeout(90_000);
    const traffic = startTraffic(baseURL!);
    try {
      await signedInAs(page, DEMO.deliveryLead);
      // Watching the history, as a person would (it refreshes itself): the rollback appears,
      // requested by Slipway's automation, with the burn rate that made it act.
      await page.goto("/deployments?environment=staging");
      const newest = page.getByRole("table", { name: "Deployments" }).locator("tbody tr").first();
      await expect(newest).toContainText("automatic", { timeout: 60_000 });
      await expect(newest).toContainText("rollback");
      await expect(newest).toContainText("Slipway automation");
      await expect(newest).toContainText(new RegExp(`Error budget burning \\d+\\.\\d× too fast after deploying ${faultyCommit}: .* above the fast rule's 14\\.4× for a 99\\.5% objective\\.`));

      // Staging's address serves the good release again, while the traffic goes on.
      await expect.poll(() => servedVersion(page, stagingUrl), { timeout: 30_000, intervals: [250] }).toBe(goodVersion);
      expect(traffic.process.exitCode, "demo:traffic kept sending until the rollback").toBeNull();

      await newest.getByRole("link").first().click();
      await expect(page).toHaveURL(/\/deployments\/dep_/);
      rollbackUrl = page.url();
      expect(await waitForDeployment(page)).toBe("succeeded");
      await expect(page.getByRole("heading", { name: /Rollback of\s*staging/ })).toBeVisible();
      // The rollback's own page says what it left behind, and where to lift it.
      await expect(page.getByTestId("deployment-hold")).toContainText(
        /staging is on hold since .+: staging takes no automatic promotion, so the hold marks the rollback until .+ lifts it; deployments people ask for go ahead\..* It is lifted on staging's page/,
      );
      const panel = automaticRollbackPanel(page);
      await expect(panel).toBeVisible();
      await expect(panel).toContainText("99.5% objective");
      await expect(panel).toContainText("(figures from the apps' own /metrics)"); // the e2e pipeline's metrics.provider: platform
      const windows = panel.getByRole("table", { name: "Burn-rate windows" });
      const fast = windows.getByRole("row", { name: /^fast/ });
      await expect(fast).toContainText("1 h:");
      await expect(fast).toContainText("5 min:");
      await expect(fast).toContainText("14.4×");
      await expect(fast.getByText("yes")).toBeVisible();
      await expect(windows.getByRole("row", { name: /^slow/ })).toContainText("6×");
      // On-call has not decided yet: both choices are offered to a delivery lead.
      await expect(panel.getByRole("button", { name: "Confirm rollback" })).toBeVisible();
      await expect(panel.getByRole("button", { name: "Undo…" })).toBeVisible();
      await screenshot(page, "slo-automatic-rollback");
      await stopTraffic(traffic);

      // The faulty deployment is marked rolled back; the board and staging's page show the hold.
      await page.goto(faultyDeploymentUrl);
      await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "rolled-back");
      await page.goto(BOARD);
      const board = page.getByRole("table", { name: "Pipeline board" });
      const stagingColumn = board.getByRole("columnheader").filter({ has: page.getByRole("link", { name: "staging", exact: true }) });
      await expect(stagingColumn.getByRole("link", { name: "On hold" })).toBeVisible(); // the column also lists "staging is on hold after a rollback"
      await expect(board.locator('td[data-env="staging"][data-app="portal"]').getByRole("link").first()).toHaveText(goodVersion);
      await page.goto(environmentPage("staging"));
      await expect(page.getByRole("status").filter({ hasText: "On hold" })).toContainText("Rolled back by Slipway automation: Error budget burning");
      await screenshot(page, "slo-staging-on-hold", false);

      await page.goto("/deployments");
      await screenshot(page, "slo-deployments-history");
    } finally {
      await stopTraffic(traffic);
      await test.info().attach("demo-traffic output", { body: traffic.output(), contentType: "text/plain" });
    }
  });

  test("a tech lead confirms the rollback; the decision is recorded on the page and in the audit trail", async ({ page }) => {
    await signedInAs(page, DEMO.techLead);
    await page.goto(rollbackUrl);
    const panel = automaticRollbackPanel(page);
    await panel.getByRole("button", { name: "Confirm rollback" }).click();
    await confirmDialog(page, "Confirm", "e2e: 30% of portal requests failed");
    const decision = panel.getByTestId("rollback-decision");
    await expect(decision).toContainText("confirmed by Tomás Novak");
    await expect(decision).toContainText("e2e: 30% of portal requests failed");
    await expect(panel.getByRole("button", { name: "Confirm rollback" })).toHaveCount(0);
    await expect(panel.getByRole("button", { name: "Undo…" })).toHaveCount(0);
    await screenshot(page, "slo-rollback-confirmed", false);
    // Still held: confirming keeps the hold until someone lifts it.
    await page.goto(environmentPage("staging"));
    await expect(page.getByRole("status").filter({ hasText: "On hold" })).toBeVisible();

    const rollbackId = rollbackUrl.split("/").pop()!;
    await page.goto(`/audit?targetId=${rollbackId}`);
    const events = page.getByRole("table", { name: "Audit events" });
    await expect(events.locator("tbody tr").filter({ hasText: "rollback.confirm" })).toContainText("tech-lead@example.com");
  });

  test("the fix follows up the chain while staging stays on hold", async ({ page, baseURL }) => {
    // The team ships the fix as far as qa. (This also leaves qa ahead of uat again, as the later
    // specs expect: they promote from qa into uat.)
    const fixVersion = `4.${(Date.now() % 100000) + 1}.1`;
    ciBuild(["--app", "portal", "--version", fixVersion], baseURL!);
    await signedInAs(page, DEMO.developer);
    await page.getByTestId("promote-dev").click();
    await expect(page.getByRole("dialog")).toContainText(`portal ${fixVersion}`);
    await confirmDialog(page, "Deploy to dev");
    expect(await waitForDeployment(page)).toBe("succeeded");
    await page.goto(BOARD);
    await page.getByTestId("promote-qa").click();
    await confirmDialog(page, "Deploy to qa");
    expect(await waitForDeployment(page)).toBe("succeeded");
    expect(await servedVersion(page, await appUrl(page, "qa", "portal"))).toBe(fixVersion);
    expect(await servedVersion(page, stagingUrl)).toBe(goodVersion);
  });
});
