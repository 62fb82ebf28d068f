import { expect, test } from "@playwright/test";
import { DEMO, approveOnPage, bearer, createTokenInUi, signIn } from "./helpers";

const STOREFRONT_LEAD = "tech-lead-storefront@example.com";
const PLATFORM_LEAD = "tech-lead-platform@example.com";
const SCREENSHOTS = process.env.E2E_SCREENSHOTS;

/**
 * Team-scoped rights reach their team's pipelines only: the platform team's tech lead sees shop's
 * waiting prod deployment but may not decide on it (no button; the API refuses), the storefront
 * team's tech lead approves it.
 */
test.describe.serial("a tech lead decides in their own team's pipelines only", () => {
  let deploymentUrl = "";
  let deploymentId = "";
  let leadToken = "";

  test("shop's prod promotion waits for approvals", async ({ page, request }) => {
    // Asked for through the API with qualified references, by the delivery lead's token (made in Settings by an admin).
    await signIn(page, DEMO.admin);
    leadToken = await createTokenInUi(page, /delivery-lead@example\.com/, "cross-team-lead");
    const staging = await (await request.get("/api/v1/pipelines/shop/environments/staging", { headers: bearer(leadToken) })).json();
    const releaseId = (staging.apps as { releaseId: string | null }[]).find((a) => a.releaseId)?.releaseId;
    expect(releaseId).toMatch(/^rel_/);
    const asked = await request.post("/api/v1/pipelines/shop/environments/prod/deployments", { headers: bearer(leadToken), data: { releaseId, reason: "e2e: cross-team approvals" } });
    expect(asked.status()).toBe(202);
    deploymentId = (await asked.json()).id;
    deploymentUrl = `/deployments/${deploymentId}`;
    await page.goto(deploymentUrl);
    await expect(page.getByTestId("deployment-state")).toHaveAttribute("data-state", "waiting");
    await expect(page.locator('[data-gate="approvals"]')).toContainText("needs 1 tech lead and 1 product manager approval");
  });

  test("the platform team's tech lead sees it waiting but has no decision to make on it", async ({ page }) => {
    await signIn(page, PLATFORM_LEAD, "/");
    const shop = page.locator('[data-testid="portfolio-pipeline"][data-pipeline="shop"]');
    const waiting = shop.locator(`[data-testid="portfolio-waiting"][href="/deployments/${deploymentId}"]`);
    await expect(waiting).toContainText("waiting");
    await expect(waiting).not.toContainText("your decision");
    await expect(shop).not.toContainText("needs your decision");

    await page.goto(deploymentUrl);
    await expect(page.getByRole("heading", { name: "Why can't this ship yet?" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Your decision" })).toHaveCount(0);
    await expect(page.getByRole("button", { name: "Approve" })).toHaveCount(0);
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/cross-team-no-decision.png`, fullPage: true });

    await page.goto("/approvals");
    await expect(page.locator(`a[href="/deployments/${deploymentId}"]`)).toHaveCount(0);
  });

  test("the API refuses the platform tech lead's approval with a 403 that says why, and audits it", async ({ page, request }) => {
    await signIn(page, DEMO.admin);
    const token = await createTokenInUi(page, /tech-lead-platform@example\.com/, "platform-lead-e2e");
    const refused = await request.post(`/api/v1/deployments/${deploymentId}/approvals`, { headers: bearer(token), data: { decision: "approve", role: "tech-lead" } });
    expect(refused.status()).toBe(403);
    expect((await refused.json()).error.message).toBe("Not allowed: you need the tech lead role to approve deployments in this pipeline (yours is granted for other teams or pipelines only).");
    // The same person may act in their own team's pipeline (handbook): seeing its prod there is allowed.
    expect((await request.get("/api/v1/pipelines/handbook", { headers: bearer(token) })).status()).toBe(200);

    const audit = await page.request.get(`/api/v1/audit?action=deployment.approve`);
    const events = (await audit.json()) as { items: { outcome: string; targetId: string; actor: { email: string } | null }[] };
    expect(events.items.some((e) => e.outcome === "denied" && e.targetId === deploymentId)).toBe(true);

    // Still waiting, with no approval recorded.
    const after = await request.get(`/api/v1/deployments/${deploymentId}`, { headers: bearer(token) });
    expect((await after.json()).state).toBe("waiting");
  });

  test("the storefront team's tech lead sees the decision, in the portfolio and on the page, and approves", async ({ page }) => {
    await signIn(page, STOREFRONT_LEAD, "/");
    const shop = page.locator('[data-testid="portfolio-pipeline"][data-pipeline="shop"]');
    await expect(shop.locator(`[data-testid="portfolio-waiting"][href="/deployments/${deploymentId}"]`)).toContainText("your decision");
    // (The approvals inbox lists it too — lib/services tests pin that; its page still looks environments up by bare name, which ui-refs qualifies.)
    await approveOnPage(page, deploymentUrl, "Tech lead");
    await expect(page.locator('[data-gate="approvals"]')).toContainText("product manager");
    if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/cross-team-approved.png`, fullPage: true });
  });

  test("the requester takes the request back, so later specs start from a clean prod queue", async ({ request }) => {
    const cancelled = await request.post(`/api/v1/deployments/${deploymentId}/cancel`, { headers: bearer(leadToken), data: { reason: "e2e: done with cross-team approvals" } });
    expect(cancelled.status()).toBe(200);
    expect((await cancelled.json()).state).toBe("cancelled");
  });
});
