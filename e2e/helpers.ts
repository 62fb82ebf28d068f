import { execFileSync } from "node:child_process";
import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const DEMO = {
  viewer: "viewer@example.com",
  developer: "developer@example.com",
  deliveryLead: "delivery-lead@example.com",
  techLead: "tech-lead@example.com",
  pm: "pm@example.com",
  admin: "admin@example.com",
} as const;

/** The e2e pipeline's board (e2e/pipelines/shop.yaml names the pipeline `shop`); `/` is the portfolio. */
export const BOARD = "/pipelines/shop";

/** An environment's page in the e2e pipeline. */
export const environmentPage = (name: string) => `${BOARD}/environments/${name}`;

/** Signs in the way a person does: on the local sign-in page, by picking a user; lands on `landing` (the board by default). */
export async function signIn(page: Page, email: string, landing: string = BOARD): Promise<void> {
  await page.goto(`/signin?callbackUrl=${encodeURIComponent(landing)}`);
  await page
    .locator("form", { has: page.locator(`input[name="email"][value="${email}"]`) })
    .getByRole("button")
    .click();
  await expect(page).not.toHaveURL(/\/signin/);
}

/**
 * Where e2e/auth.setup.ts keeps the session it signed in once for the demo user `email`:
 * `e2e/.auth/<role>.json` (Playwright's storageState: cookies and local storage; gitignored), e.g.
 * `e2e/.auth/delivery-lead.json` for delivery-lead@example.com. Usable as `test.use({ storageState })`.
 */
export function sessionFile(email: string): string {
  return fileURLToPath(new URL(`./.auth/${email.split("@")[0]}.json`, import.meta.url));
}

/**
 * Puts `page` in the session auth.setup.ts signed in for `email` (whoever was signed in before is
 * signed out) and opens the board, where signIn leaves a person: no trip through the sign-in page.
 * The specs of the sign-in flow itself use signIn. Throws if the setup project did not run.
 */
export async function signedInAs(page: Page, email: string, landing: string = BOARD): Promise<void> {
  const state = JSON.parse(fs.readFileSync(sessionFile(email), "utf8")) as { cookies: Parameters<ReturnType<Page["context"]>["addCookies"]>[0] };
  await page.context().clearCookies();
  await page.context().addCookies(state.cookies);
  await page.goto(landing);
  await expect(page).not.toHaveURL(/\/signin/);
}

/** Creates an API token in Settings as an admin would, and returns it (it is shown once). */
export async function createTokenInUi(page: Page, forUserLabel: RegExp, name: string): Promise<string> {
  await page.goto("/settings/tokens");
  await page.getByLabel("Acts as").selectOption({ label: (await page.getByLabel("Acts as").locator("option").allTextContents()).find((l) => forUserLabel.test(l))! });
  await page.getByLabel("Name").fill(name);
  await page.getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent())?.trim();
  expect(token).toMatch(/^slw_/);
  return token!;
}

export function bearer(token: string) {
  return { Authorization: `Bearer ${token}` };
}

let counter = Date.now() % 1_000_000;
/** A fresh, valid build body for the API (unique version, commit and digest). */
export function buildBody(app: string, overrides: Record<string, unknown> = {}) {
  counter += 1;
  const n = counter.toString(16);
  return {
    app,
    version: `9.${counter}.0`,
    commit: n.padStart(40, "a"),
    branch: "develop",
    digest: `sha256:${n.padStart(64, "b")}`,
    tests: { passed: true, total: 12, failed: 0 },
    ...overrides,
  };
}

export async function registerBuild(request: APIRequestContext, token: string, body: Record<string, unknown>) {
  const response = await request.post("/api/v1/builds", { headers: bearer(token), data: body });
  return { status: response.status(), json: await response.json() };
}

/** Runs `npm run demo:build` against the e2e server, as a CI job would: a real artifact, registered through the API. */
export function ciBuild(args: string[], baseURL: string): { releaseId: string; output: string } {
  const output = execFileSync(process.execPath, ["--import", "tsx", "scripts/demo-build.ts", ...args, "--url", baseURL], {
    env: { ...process.env, SLIPWAY_DATA_DIR: ".data/e2e" },
    encoding: "utf8",
  });
  const releaseId = /release\s+(rel_\w+)/.exec(output)?.[1];
  if (!releaseId) throw new Error(`demo:build printed no release:\n${output}`);
  return { releaseId, output };
}

/** Confirms the open dialog with its primary button (the one named `confirm`). */
export async function confirmDialog(page: Page, confirm: string | RegExp, reason?: string): Promise<void> {
  const dialog = page.getByRole("dialog");
  if (reason) await dialog.getByLabel(/Reason/).fill(reason);
  await dialog.getByRole("button", { name: confirm }).click();
}

/** Waits on a deployment page until the deployment itself (not one of its steps) ends; returns its final state. */
export async function waitForDeployment(page: Page): Promise<string> {
  await expect(page).toHaveURL(/\/deployments\/dep_/);
  const state = page.getByTestId("deployment-state");
  await expect(state).toHaveAttribute("data-state", /^(succeeded|failed|cancelled|superseded|rolled-back)$/, { timeout: 60_000 });
  return (await state.getAttribute("data-state"))!;
}

/** The address of `app` in `environment`, as its environment page links it. */
export async function appUrl(page: Page, environment: string, app: string): Promise<string> {
  await page.goto(environmentPage(environment));
  const link = page.getByRole("row", { name: new RegExp(`^${app}\\b`) }).getByRole("link", { name: /localhost:\d+/ });
  const href = await link.getAttribute("href");
  if (!href) throw new Error(`No address for ${app} in ${environment}`);
  return href;
}

/** Signs out whoever is signed in and continues as `email`, in the session auth.setup.ts saved for them. */
export async function switchUser(page: Page, email: string): Promise<void> {
  await signedInAs(page, email);
}

/** On a waiting deployment's page: decide as the signed-in person, in `role`. */
export async function approveOnPage(page: Page, deploymentUrl: string, role: string): Promise<void> {
  await page.goto(deploymentUrl);
  const decision = page.getByRole("region", { name: "Your decision" });
  await decision.getByLabel("Decide as").selectOption({ label: role });
  await decision.getByRole("button", { name: "Approve" }).click();
  await expect(page.getByText(new RegExp(`approved\\s+by .* as`, "i")).first()).toBeVisible();
}
