import { expect, test, type APIRequestContext } from "@playwright/test";
import { DEMO, bearer, ciBuild, confirmDialog, createTokenInUi, signedInAs, waitForDeployment, environmentPage } from "./helpers";

/** Issue 14, items 1 and 2: each deployment runs an exact config version; releases say what CI told about commit order. */
test.describe.serial("config versions and commit order", () => {
  // Several real rollouts per test on a shared machine.
  test.describe.configure({ timeout: 240_000 });
  const stamp = Date.now() % 100000;
  let token = "";
  const deployments: Record<string, string> = {};

  const settle = async (request: APIRequestContext, id: string) => {
    await expect.poll(async () => (await (await request.get(`/api/v1/deployments/${id}`, { headers: bearer(token) })).json()).state, { timeout: 60_000 }).toMatch(/^(succeeded|failed|cancelled)$/);
    return (await request.get(`/api/v1/deployments/${id}`, { headers: bearer(token) })).json();
  };
  const deploy = async (request: APIRequestContext, releaseId: string, extra: Record<string, unknown> = {}) => {
    const response = await request.post("/api/v1/environments/qa/deployments", { headers: bearer(token), data: { releaseId, reason: "e2e config versions", ...extra } });
    expect(response.status()).toBe(202);
    return settle(request, (await response.json()).id);
  };
  const setConfig = async (request: APIRequestContext, key: string, value: string) => {
    const response = await request.put(`/api/v1/environments/qa/config/${key}`, { headers: bearer(token), data: { value, reason: "e2e config versions" } });
    expect(response.status()).toBe(200);
  };

  test("the issue's example: R1 without config, R2 with FEATURE_X, DB_URL edited but not applied; the rollback dialog shows the difference and rolls back to R1's config", async ({ page, request, baseURL }) => {
    await signedInAs(page, DEMO.admin);
    token = await createTokenInUi(page, /admin@example\.com/, `e2e-config-${stamp}`);
    // qa takes releases that succeeded in dev: each goes to dev first.
    const r1 = ciBuild(["--app", "portal", "--version", `8.${stamp}.1`], baseURL!).releaseId;
    const r2 = ciBuild(["--app", "portal", "--version", `8.${stamp}.2`], baseURL!).releaseId;
    for (const env of ["dev"]) {
      for (const releaseId of [r1]) {
        const response = await request.post(`/api/v1/pipelines/shop/environments/${env}/deployments`, { headers: bearer(token), data: { releaseId } });
        expect(response.status()).toBe(202);
        await settle(request, (await response.json()).id);
      }
    }
    const first = await deploy(request, r1);
    expect(first.state).toBe("succeeded");
    deployments.r1 = first.id;

    await setConfig(request, "FEATURE_X", "on");
    for (const env of ["dev"]) {
      const response = await request.post(`/api/v1/pipelines/shop/environments/${env}/deployments`, { headers: bearer(token), data: { releaseId: r2 } });
      expect(response.status()).toBe(202);
      await settle(request, (await response.json()).id);
    }
    const second = await deploy(request, r2, { applyPendingConfig: true });
    expect(second.state).toBe("succeeded");
    expect(second.configSnapshotId).not.toBe(first.configSnapshotId);

    await setConfig(request, "DB_URL", "postgres://new");

    await page.goto(environmentPage("qa"));
    await page.getByTestId("rollback-qa").click();
    const dialog = page.getByRole("dialog");
    await expect(dialog.getByTestId("rollback-ungated")).toContainText("no approval, deploy window or freeze holds a rollback");
    await expect(dialog.getByTestId("rollback-config-diff")).toContainText("FEATURE_X (was on)");
    await expect(dialog.getByTestId("rollback-config-pending")).toContainText("DB_URL");
    await expect(dialog.getByRole("radio", { name: /Restore the config it ran with/ })).toBeChecked();
    await expect(dialog.getByRole("radio", { name: /Keep current config/ })).not.toBeChecked();
    await page.screenshot({ path: "test-results/rollback-config-dialog.png" });
    await confirmDialog(page, "Roll back qa", "e2e: back to R1 with its config");
    expect(await waitForDeployment(page)).toBe("succeeded");
    const id = /\/deployments\/(dep_\w+)/.exec(page.url())![1]!;
    const rollback = await settle(request, id);
    expect(rollback).toMatchObject({ kind: "rollback", releaseId: r1, configSnapshotId: first.configSnapshotId });
  });

  test("'keep current config' is an explicit choice: the release goes back, the config stays", async ({ page, request }) => {
    await request.delete("/api/v1/environments/qa/hold", { headers: bearer(token), data: { reason: "e2e: lift" } });
    await signedInAs(page, DEMO.admin);
    const releases = await (await request.get("/api/v1/deployments?environment=qa&kind=promote&limit=5", { headers: bearer(token) })).json();
    const r2 = releases.items.find((d: { id: string; releaseId: string }) => d.id !== deployments.r1)!.releaseId;
    // With the pending DB_URL edit applied, R2 runs other config than R1 ran with: the dialog offers both.
    const again = await deploy(request, r2, { applyPendingConfig: true });
    expect(again.state).toBe("succeeded");
    await page.goto(environmentPage("qa"));
    await page.getByTestId("rollback-qa").click();
    const dialog = page.getByRole("dialog");
    await dialog.getByRole("radio", { name: /Keep current config/ }).check();
    await confirmDialog(page, "Roll back qa", "e2e: release only");
    expect(await waitForDeployment(page)).toBe("succeeded");
    const rollback = await settle(request, /\/deployments\/(dep_\w+)/.exec(page.url())![1]!);
    expect(rollback.configSnapshotId).toBe(again.configSnapshotId);
    // Leave qa as other specs expect it: no hold.
    expect((await request.delete("/api/v1/environments/qa/hold", { headers: bearer(token), data: { reason: "e2e: done" } })).status()).toBeLessThan(300);
  });

  test("releases say what CI told about commit order, and say plainly when it told nothing", async ({ page, request, baseURL }) => {
    const withOrder = ciBuild(["--app", "admin", "--version", `8.${stamp}.3`], baseURL!).releaseId;
    const build = await (
      await request.post("/api/v1/builds", {
        headers: bearer(token),
        data: { app: "admin", version: `8.${stamp}.4`, commit: `${stamp}`.padStart(40, "d"), branch: "develop", digest: `sha256:${`${stamp}`.padStart(64, "e")}`, tests: { passed: true, total: 1, failed: 0 } },
      })
    ).json();
    const bare = await (await request.post("/api/v1/releases", { headers: bearer(token), data: { commit: `${stamp}`.padStart(40, "d"), branch: "develop", builds: [build.id] } })).json();
    expect(bare.commitOrder).toEqual({ known: false, committedAt: null, parents: null, buildNumber: null });
    await signedInAs(page, DEMO.developer);
    await page.goto(`/releases/${bare.id}`);
    await expect(page.getByText("commit order unknown")).toBeVisible();
    await page.goto(`/releases/${withOrder}`);
    await expect(page.getByTestId("commit-order")).toContainText("committed");
    await page.goto("/releases");
    await page.screenshot({ path: "test-results/releases-commit-order.png" });
  });
});
