import { test as setup } from "@playwright/test";
import { DEMO, sessionFile, signIn } from "./helpers";

/**
 * The setup project (playwright.config.ts): signs each demo user in once, through the sign-in page,
 * and saves the session to `e2e/.auth/<role>.json`. The specs start from these sessions
 * (`signedInAs`, `switchUser`, or `test.use({ storageState: sessionFile(…) })`) instead of signing in
 * per test; the specs of the sign-in flow itself still go through the page.
 */
for (const email of Object.values(DEMO)) {
  setup(`sign in as ${email}`, async ({ page }) => {
    await signIn(page, email);
    await page.context().storageState({ path: sessionFile(email) });
  });
}
