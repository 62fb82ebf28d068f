import { expect, test } from "@playwright/test";
import { bearer, createTokenInUi, DEMO, signedInAs } from "./helpers";

test.describe("security faults of issue 14", () => {
  test("a sign-in callback that leaves our origin falls back to / (item 9)", async ({ page, baseURL }) => {
    await page.goto("/signin?callbackUrl=%2F%5Cevil.example");
    await expect(page.locator('input[name="callbackUrl"]').first()).toHaveValue("/");
    await page
      .locator("form", { has: page.locator(`input[name="email"][value="${DEMO.developer}"]`) })
      .getByRole("button")
      .click();
    await expect(page).toHaveURL(`${baseURL}/`);
    await page.screenshot({ path: "test-results/security-signin-redirect.png" });
  });

  test("a server action from another origin is a 403, even with a matching X-Forwarded-Host (item 13)", async ({ request }) => {
    const response = await request.post("/audit", {
      headers: { "Next-Action": "0".repeat(40), Origin: "http://evil.example", "X-Forwarded-Host": "evil.example", "Content-Type": "text/plain;charset=UTF-8" },
      data: "[]",
    });
    expect(response.status()).toBe(403);
    expect(await response.json()).toMatchObject({ error: { code: "forbidden" } });
  });

  test("the audit trail records the caller's address, not the X-Forwarded-For it chose; NUL is a 400 (items 12, 13, 15)", async ({ page, request }) => {
    await signedInAs(page, DEMO.admin);
    const viewerToken = await createTokenInUi(page, /viewer/i, `security-e2e-${Date.now()}`);
    const refused = await request.post("/api/v1/environments/qa/rollback", { headers: { ...bearer(viewerToken), "X-Forwarded-For": "6.6.6.6" }, data: {} });
    expect(refused.status()).toBe(403);
    // The same 403 whether or not what is named exists.
    const missing = await request.post("/api/v1/deployments/dep_doesnotexist/cancel", { headers: bearer(viewerToken), data: {} });
    expect(missing.status()).toBe(403);

    const audit = await page.request.get("/api/v1/audit?outcome=denied&action=environment.rollback");
    const events = ((await audit.json()) as { items: { ip: string | null }[] }).items;
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]!.ip).not.toBe("6.6.6.6");
    expect(events[0]!.ip).toMatch(/^(127\.0\.0\.1|::1)$/);

    const adminToken = await createTokenInUi(page, /admin/i, `security-e2e-admin-${Date.now()}`);
    const nul = await request.post("/api/v1/environments/qa/deployments", { headers: { ...bearer(adminToken), "Content-Type": "application/json" }, data: '{"releaseId":"\\u0000"}' });
    expect(nul.status()).toBe(400);
    expect(await nul.json()).toMatchObject({ error: { code: "invalid_text", fields: { releaseId: "must not contain NUL (\\u0000) characters" } } });
    const path = await request.get("/api/v1/environments/q%00a", { headers: bearer(adminToken) });
    expect(path.status()).toBe(400);
    // A page's path too: refused before any lookup, never a 500.
    const pagePath = await page.request.get("/environments/q%00a");
    expect(pagePath.status()).toBe(400);
    expect(await pagePath.json()).toMatchObject({ error: { code: "invalid_text", fields: { path: expect.stringContaining("NUL") } } });
  });

  test("the Verify button checks the chain against its checkpoint (item 14)", async ({ page }) => {
    await signedInAs(page, DEMO.deliveryLead);
    await page.goto("/audit");
    await page.getByRole("button", { name: "Verify chain" }).click();
    await expect(page.getByRole("status").filter({ hasText: "Chain intact" })).toContainText("checkpointed outside the trail");
    await page.screenshot({ path: "test-results/security-audit-verify.png" });
  });
});
