import { expect, test, type Page } from "@playwright/test";
import { DEMO, bearer, createTokenInUi, signedInAs, BOARD } from "./helpers";

const SCREENSHOTS = process.env.E2E_SCREENSHOTS;

async function expectNoHorizontalOverflow(page: Page) {
  const { scroll, viewport } = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, viewport: window.innerWidth }));
  expect(scroll).toBeLessThanOrEqual(viewport + 1);
}

/** Issue 15, item 4: a long word wraps instead of widening the page; the UI and the API cap text alike. */
test.describe.serial("long text", () => {
  test("a 1,000-character one-word freeze reason wraps on the board and the Freezes page; 1,001 is refused by the API and cannot be typed in the UI", async ({ page, request }) => {
    await signedInAs(page, DEMO.admin);
    const token = await createTokenInUi(page, /admin@example.com/, "e2e-long-text");
    const word = "x".repeat(1000);
    const tooLong = await request.post("/api/v1/freezes", { headers: bearer(token), data: { environment: "shop/dev", name: "long", reason: word + "x" } });
    expect(tooLong.status()).toBe(400);
    expect(JSON.stringify(await tooLong.json())).toContain("at most 1000 characters");

    const created = await request.post("/api/v1/freezes", { headers: bearer(token), data: { environment: "shop/dev", name: "e2e long reason", reason: word, endsAt: new Date(Date.now() + 3_600_000).toISOString() } });
    expect(created.status()).toBe(201);
    const { id } = (await created.json()) as { id: string };
    try {
      await page.goto(BOARD);
      await expect(page.getByTestId("gate-state-dev")).toContainText("e2e long reason");
      await expectNoHorizontalOverflow(page);
      await page.goto("/freezes");
      await expect(page.getByText("e2e long reason").first()).toBeVisible();
      await expectNoHorizontalOverflow(page);
      if (SCREENSHOTS) await page.screenshot({ path: `${SCREENSHOTS}/freezes-long-reason.png`, fullPage: true });

      // The UI's limit is the API's: the form fields stop at 1000 characters.
      await expect(page.locator('input[name="reason"]')).toHaveAttribute("maxlength", "1000");
      await page.getByTestId(`lift-freeze-${id}`).click();
      const reason = page.getByRole("dialog").getByLabel(/Reason/);
      await expect(reason).toHaveAttribute("maxlength", "1000");
      await reason.fill("lifted by the e2e long-text test");
      await page.getByRole("dialog").getByRole("button", { name: "Lift freeze" }).click();
      await expect(page.getByTestId(`lift-freeze-${id}`)).toHaveCount(0);
      await expectNoHorizontalOverflow(page);
    } finally {
      await request.delete(`/api/v1/freezes/${id}`, { headers: bearer(token), data: { reason: "e2e long text done" } });
    }
  });
});
