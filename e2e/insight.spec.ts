import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";
import { auditHash, GENESIS_HASH } from "@/lib/domain/audit-chain";
import type { AuditEventDto } from "@/lib/services/audit-export";
import { DEMO, signedInAs } from "./helpers";

/** Set E2E_SCREENSHOTS to a folder to keep screenshots of these screens, for a person to look at. */
const SCREENSHOTS = process.env.E2E_SCREENSHOTS;
async function screenshot(page: Page, name: string, fullPage = true): Promise<void> {
  if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/${name}.png`, fullPage });
}

/** The number `pattern`'s first group finds in `text`. */
function numberIn(text: string, pattern: RegExp): number {
  const match = pattern.exec(text);
  if (!match) throw new Error(`expected ${pattern} in "${text}"`);
  return Number(match[1]);
}

/**
 * Re-checks an exported audit trail the way an auditor would, outside Slipway: oldest first, each
 * event must hash (with the previous event's hash) to its own hash. Returns the first event that
 * does not, or null when the chain is intact.
 */
function firstBrokenEvent(events: AuditEventDto[]): AuditEventDto | null {
  let previous = GENESIS_HASH;
  for (const e of [...events].sort((a, b) => a.seq - b.seq)) {
    const recomputed = auditHash(previous, {
      id: e.id,
      at: new Date(e.at),
      actorId: e.actorId,
      actorLabel: e.actor,
      action: e.action,
      targetType: e.targetType,
      targetId: e.targetId,
      outcome: e.outcome,
      reason: e.reason,
      data: e.data,
      source: e.source,
      ip: e.ip,
    });
    if (e.prevHash !== previous || e.hash !== recomputed) return e;
    previous = e.hash;
  }
  return null;
}

test("the delivery metrics page opens on the pipeline that deployed most, not the first by name", async ({ page }) => {
  await signedInAs(page, DEMO.deliveryLead, "/metrics");
  // handbook comes first by name but has no deployments; shop has the demo's history.
  await expect(page.getByText(/How often and how safely changes reach shop\/prod/)).toBeVisible();
});

test("the delivery metrics page charts the demo's deployment history, per environment", async ({ page }) => {
  // The e2e server starts with the demo data (SLIPWAY_DEMO=1): two weeks of releases moving up the
  // chain, with a failed prod deployment and a prod rollback. Specs that ran before add to it.
  await signedInAs(page, DEMO.deliveryLead);
  // Two pipelines are loaded (shop and handbook, both with a prod): the shop's history is the demo's.
  await page.goto("/metrics?pipeline=shop");
  await expect(page.getByRole("heading", { name: "Delivery metrics" })).toBeVisible();
  await expect(page.getByText(/How often and how safely changes reach shop\/prod, over the last 30 days/)).toBeVisible();

  const card = (label: string) =>
    page
      .locator("div.rounded-lg")
      .filter({ has: page.getByText(label, { exact: true }) })
      .first();
  const succeeded = numberIn(await card("Deployment frequency").innerText(), /(\d+) deployments? succeeded in the last 30 days/);
  expect(succeeded).toBeGreaterThanOrEqual(5); // the demo's r1, r2, r3 and r4's redeploy, and the rollback to r2
  await expect(card("Change failure rate")).toContainText(/\d+ of \d+ changes failed or rolled back/);
  expect(numberIn(await card("Change failure rate").innerText(), /(\d+) of \d+ changes/)).toBeGreaterThanOrEqual(2); // r4's failed prod deployment and r3, rolled back
  await expect(card("Time to restore")).toContainText(/median of \d+ outages?/);
  await expect(card("Lead time for changes")).toContainText(/median of \d+ changes?/);

  // Each chart draws the history (recharts renders on the client): bars on the days with deployments, a lead-time point per day.
  const frequency = page.getByRole("figure", { name: /^Bar chart: deployments that succeeded in prod/ });
  await expect(frequency.locator(".recharts-bar-rectangle path").first()).toBeVisible();
  expect(await frequency.locator(".recharts-bar-rectangle path").count()).toBeGreaterThanOrEqual(3); // the demo's prod deployments fall on at least three days
  await expect(
    page
      .getByRole("figure", { name: /^Line chart: median lead time/ })
      .locator(".recharts-line-dot, .recharts-dot")
      .first(),
  ).toBeVisible();
  await expect(
    page
      .getByRole("figure", { name: /^Stacked bar chart: changes into prod/ })
      .locator(".recharts-bar-rectangle path")
      .first(),
  ).toBeVisible();
  await expect(
    page
      .getByRole("figure", { name: /^Bar chart: time to restore prod/ })
      .locator(".recharts-bar-rectangle path")
      .first(),
  ).toBeVisible();
  await screenshot(page, "metrics");

  // Every environment side by side; a row leads to that environment's charts.
  const byEnvironment = page.getByRole("table", { name: "Environment" });
  for (const env of ["dev", "qa", "uat", "staging", "prod"]) await expect(byEnvironment.getByRole("link", { name: env, exact: true })).toBeVisible();
  await byEnvironment.getByRole("link", { name: "staging", exact: true }).click();
  await expect(page).toHaveURL(/environment=staging/);
  await expect(page.getByText(/How often and how safely changes reach shop\/staging/)).toBeVisible();
  expect(numberIn(await card("Deployment frequency").innerText(), /(\d+) deployments? succeeded/)).toBeGreaterThanOrEqual(4); // r2…r5 reached staging within 30 days
  await expect(
    page
      .getByRole("figure", { name: /^Bar chart: deployments that succeeded in staging/ })
      .locator(".recharts-bar-rectangle path")
      .first(),
  ).toBeVisible();
});

test("the audit trail lists what happened; its exports carry a hash chain anyone can re-check, which shows an edited event", async ({ page }) => {
  await signedInAs(page, DEMO.deliveryLead);
  await page.goto("/audit");
  const events = page.getByRole("table", { name: "Audit events" });
  await expect(events.locator("tbody tr").first()).toBeVisible();
  await page.getByLabel("Action starts with").fill("demo.");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=demo\./);
  await expect(events.locator("tbody tr")).toHaveCount(1);
  await expect(events.locator("tbody tr")).toContainText("demo.seed");
  // An event's data is read when it is opened (the list carries only its size).
  const data = events.locator("tbody tr details");
  await expect(data.locator("summary")).toContainText(/show \(\d+ B\)/);
  await data.locator("summary").click();
  await expect(data.locator("pre")).toContainText('"users": [');
  await expect(data.locator("pre")).toContainText("delivery-lead@example.com");
  await page.getByRole("link", { name: "Clear filters" }).click();
  await expect(page).toHaveURL(/\/audit$/); // the exports take the page's filters: these are unfiltered

  // The JSON export: every event with both hashes, so the chain can be verified away from Slipway.
  const jsonDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export JSON" }).click();
  const json = await jsonDownload;
  expect(json.suggestedFilename()).toMatch(/^slipway-audit-\d{4}-\d{2}-\d{2}\.json$/);
  const exported = JSON.parse(fs.readFileSync((await json.path())!, "utf8")) as AuditEventDto[];
  expect(exported.map((e) => e.action)).toContain("demo.seed");
  expect(exported.length).toBeGreaterThan(1);
  expect(firstBrokenEvent(exported)).toBeNull();

  // Someone edits one event's reason in a copy (as they might in the database around its
  // trigger): the chain no longer holds, exactly at that event.
  const victim = exported[Math.floor(exported.length / 2)]!;
  const edited = exported.map((e) => (e.id === victim.id ? { ...e, reason: `${e.reason ?? ""} (edited)` } : e));
  expect(firstBrokenEvent(edited)?.id).toBe(victim.id);

  // The CSV export has the same events (and any written since), with their hashes.
  const csvDownload = page.waitForEvent("download");
  await page.getByRole("link", { name: "Export CSV" }).click();
  const csv = fs.readFileSync((await (await csvDownload).path())!, "utf8");
  expect(csv.split("\r\n")[0]).toBe("seq,at,actor,actor_id,action,target_type,target_id,outcome,reason,source,ip,data,id,prev_hash,hash");
  for (const e of exported) expect(csv).toContain(`${e.id},${e.prevHash},${e.hash}`);

  // Inside Slipway, the same check over the live trail (what npm run audit:verify does).
  await page.getByRole("button", { name: "Verify chain" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Chain intact" })).toContainText(/Chain intact: [\d,]+ events verified up to #\d+, last hash [0-9a-f]{16}…/);
});
