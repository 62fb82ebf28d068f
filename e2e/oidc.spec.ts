import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import { expect, test, type Page } from "@playwright/test";

/**
 * Sign-in through a real OpenID Provider (oidc-provider, e2e/oidc/test-provider.ts): discovery,
 * authorization code with PKCE, ID-token validation, roles from the `groups` claim, and logout at
 * the provider. A second Slipway runs for this spec with single sign-on configured (local sign-in
 * off), on the production build the main e2e server made.
 */
const base = Number(process.env.E2E_PORT ?? 3100);
const slipwayPort = base + 50;
const idpPort = base + 51;
const slipway = `http://localhost:${slipwayPort}`;
const idp = `http://localhost:${idpPort}`;
const DATA_DIR = ".data/e2e-oidc";

const started: ChildProcess[] = [];

function start(args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ["--import", "tsx", ...args], { env: { ...process.env, ...env }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", () => {});
  child.stderr?.on("data", (chunk: Buffer) => process.env.DEBUG_E2E && process.stderr.write(chunk));
  started.push(child);
  return child;
}

async function until(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await fetch(url).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function directory(login: string, groups: string[]): Promise<void> {
  const response = await fetch(`${idp}/__test/users`, { method: "POST", body: JSON.stringify({ login, email: `${login}@corp.example`, name: login[0]!.toUpperCase() + login.slice(1), groups }) });
  expect(response.status).toBe(204);
}

async function fault(kind: string | null): Promise<void> {
  expect((await fetch(`${idp}/__test/fault`, { method: "POST", body: JSON.stringify({ fault: kind }) })).status).toBe(204);
}

/** The whole round trip a person makes: Slipway → provider's login and consent → back to Slipway. */
async function signInThroughProvider(page: Page, login: string): Promise<void> {
  await page.goto(`${slipway}/signin`);
  await page.getByRole("button", { name: "Continue with Corp SSO" }).click();
  await expect(page).toHaveURL(new RegExp(`^${idp}/interaction/`));
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill("any password");
  await page.getByRole("button", { name: "Sign-in" }).click();
  const consent = page.getByRole("button", { name: "Continue" });
  if (await consent.isVisible({ timeout: 3000 }).catch(() => false)) await consent.click();
}

async function signOut(page: Page): Promise<void> {
  await page.getByRole("button", { name: "Sign out" }).click();
  // The provider asks before it ends its own session (RP-initiated logout), then sends us back.
  await expect(page).toHaveURL(new RegExp(`^${idp}/session/end`));
  await page.getByRole("button", { name: /Yes, sign me out/ }).click();
  await expect(page).toHaveURL(`${slipway}/signin?signed-out=1`);
  await expect(page.getByText("You are signed out of Slipway and of Corp SSO.")).toBeVisible();
}

test.describe.serial("sign-in through a real OpenID provider", () => {
  test.beforeAll(async () => {
    test.setTimeout(180_000);
    fs.rmSync(DATA_DIR, { recursive: true, force: true });
    start(["e2e/oidc/test-provider.ts", "--port", String(idpPort), "--redirect", slipway], {});
    await until(`${idp}/.well-known/openid-configuration`, 30_000);
    start(["scripts/start.ts"], {
      PORT: String(slipwayPort),
      SLIPWAY_DATA_DIR: DATA_DIR,
      SLIPWAY_CONFIG: "e2e/pipelines/shop.yaml",
      SLIPWAY_DEMO: "1",
      SLIPWAY_CONTROLLER: "off",
      DATABASE_URL: "",
      SLIPWAY_OIDC_ISSUER: idp,
      SLIPWAY_OIDC_CLIENT_ID: "slipway-e2e",
      SLIPWAY_OIDC_CLIENT_SECRET: "e2e-client-secret-that-is-long-enough",
      SLIPWAY_OIDC_NAME: "Corp SSO",
      SLIPWAY_OIDC_SCOPES: "openid email profile groups",
      SLIPWAY_OIDC_ROLES_CLAIM: "groups",
      SLIPWAY_OIDC_ROLE_MAP: "eng=developer,eng-leads=tech-lead,product=pm",
    });
    await until(`${slipway}/api/v1/health`, 150_000);
    await directory("dana", ["eng"]);
    await directory("lee", ["eng", "eng-leads"]);
  });

  test.afterAll(() => {
    for (const child of started) if (child.pid) process.kill(-child.pid, "SIGTERM");
  });

  test("local sign-in is off; a person signs in at the provider and gets the roles their groups grant", async ({ page }) => {
    await page.goto(`${slipway}/signin`);
    await expect(page.getByText("Local mode")).toHaveCount(0);
    await signInThroughProvider(page, "dana");
    await expect(page).toHaveURL(`${slipway}/`);
    const header = page.getByRole("banner");
    await expect(header).toContainText("Dana");
    await expect(header).toContainText("Viewer, Developer");
  });

  test("a tech lead by group approves a prod fast-track; losing the group removes the right at the next sign-in", async ({ page }) => {
    await signInThroughProvider(page, "dana");
    // `/` is the portfolio now: the fast-track is offered on the shop's board.
    await page.goto(`${slipway}/pipelines/shop`);
    await page.getByTestId("fast-track-prod").first().click();
    const dialog = page.getByRole("dialog");
    await dialog.getByLabel(/Reason/).fill("e2e: approved through single sign-on");
    await dialog.getByRole("button", { name: "Fast-track to prod" }).click();
    await expect(page).toHaveURL(/\/deployments\/dep_/);
    const waiting = page.url();
    await signOut(page);

    await signInThroughProvider(page, "lee");
    await expect(page.getByRole("banner")).toContainText("Tech lead");
    await page.goto(waiting);
    const decision = page.getByRole("region", { name: "Your decision" });
    await decision.getByLabel("Decide as").selectOption({ label: "Tech lead" });
    await decision.getByRole("button", { name: "Approve" }).click();
    await expect(page.getByText("You approved this as tech lead.")).toBeVisible();
    await signOut(page);

    await directory("lee", ["eng"]);
    await signInThroughProvider(page, "lee");
    await expect(page.getByRole("banner")).not.toContainText("Tech lead");
    await page.goto(waiting);
    await expect(page.getByRole("heading", { name: "Why can't this ship yet?" })).toBeVisible();
    await expect(page.getByRole("region", { name: "Your decision" })).toHaveCount(0);
  });

  for (const [kind, words] of [
    ["wrong-issuer", "a wrong issuer"],
    ["wrong-audience", "a wrong audience"],
    ["expired", "an expiry in the past"],
  ] as const) {
    test(`an ID token with ${words} is refused with a clear page`, async ({ page }) => {
      await fault(kind);
      try {
        await signInThroughProvider(page, "dana");
        await expect(page).toHaveURL(new RegExp(`^${slipway}/signin\\?`));
        await expect(page.getByRole("alert").filter({ hasText: "Sign-in failed" })).toContainText("could not be verified");
        await expect(page.locator("body")).not.toContainText(/\bat \S+ \(|TypeError|stack/);
        await expect(page.getByRole("button", { name: "Sign out" })).toHaveCount(0);
      } finally {
        await fault(null);
      }
    });
  }
});
