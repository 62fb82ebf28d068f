import { expect, test } from "@playwright/test";
import { DEMO, bearer, createTokenInUi, signedInAs, BOARD } from "./helpers";

test("CI reports an end-to-end result on a staging deployment: idempotent by name, shown with its link on the board and the deployment", async ({ page, request }) => {
  await signedInAs(page, DEMO.admin);
  const ci = await createTokenInUi(page, /developer@example.com/, "e2e-verify");
  await page.getByRole("button", { name: "Done" }).click();
  const viewer = await createTokenInUi(page, /viewer@example.com/, "e2e-verify-viewer");
  await page.getByRole("button", { name: "Done" }).click();

  // The deployment that put staging's current release there.
  const staging = await (await request.get("/api/v1/environments/staging", { headers: bearer(ci) })).json();
  const releaseId = staging.apps[0].releaseId as string;
  const history = await (await request.get("/api/v1/deployments?environment=staging&status=succeeded&limit=200", { headers: bearer(ci) })).json();
  const deployment = (history.items as { id: string; releaseId: string }[]).find((d) => d.releaseId === releaseId)!;
  expect(deployment).toBeTruthy();
  const path = `/api/v1/deployments/${deployment.id}/verifications`;

  const failed = { name: "e2e", status: "failed", url: "https://ci.example.com/e2e/41", summary: "3 failed: checkout" };
  const first = await request.post(path, { headers: bearer(ci), data: failed });
  expect(first.status()).toBe(201);
  const firstJson = await first.json();
  expect(firstJson).toMatchObject({ name: "e2e", status: "failed", source: "ci", environment: "staging", releaseId, url: failed.url });
  // The same report again: 200, the same record.
  const again = await request.post(path, { headers: bearer(ci), data: failed });
  expect(again.status()).toBe(200);
  expect((await again.json()).id).toBe(firstJson.id);

  // Refused, with a specific error, changing nothing.
  expect((await request.post(path, { headers: bearer(viewer), data: failed })).status()).toBe(403);
  const bad = await request.post(path, { headers: bearer(ci), data: { name: "E2E suite", status: "green" } });
  expect(bad.status()).toBe(400);
  expect((await bad.json()).error.fields).toMatchObject({ name: expect.stringContaining("lowercase"), status: 'expected "passed" or "failed"' });

  await page.goto(BOARD);
  const cell = page.locator('td[data-row="verifications"][data-env="staging"]');
  await expect(cell.locator('[data-verification="e2e"]')).toHaveAttribute("data-status", "failed");
  await expect(cell).toContainText("e2e: failed");
  await expect(cell.getByRole("link", { name: "run" })).toHaveAttribute("href", failed.url);

  // A re-run that passed replaces the result.
  const rerun = await request.post(path, { headers: bearer(ci), data: { name: "e2e", status: "passed", url: "https://ci.example.com/e2e/42", summary: "215 passed" } });
  expect(rerun.status()).toBe(200);
  expect(await rerun.json()).toMatchObject({ id: firstJson.id, status: "passed" });
  const list = await (await request.get(path, { headers: bearer(viewer) })).json();
  expect(list.items.map((v: { name: string; status: string }) => [v.name, v.status])).toEqual([["e2e", "passed"]]);

  await page.reload();
  await expect(cell).toContainText("e2e: passed");
  await expect(cell.getByRole("link", { name: "run" })).toHaveAttribute("href", "https://ci.example.com/e2e/42");
  await page.locator('table[aria-label="Pipeline board"]').screenshot({ path: "test-results/verifications-board.png" });

  await page.goto(`/deployments/${deployment.id}`);
  const panel = page.getByRole("list", { name: "Verifications of this deployment" });
  await expect(panel).toContainText("e2e: passed");
  await expect(panel).toContainText("215 passed");
  await page.screenshot({ path: "test-results/verifications-deployment.png", fullPage: true });
});
