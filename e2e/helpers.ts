import { expect, type APIRequestContext, type Page } from "@playwright/test";

export const DEMO = {
  viewer: "viewer@example.com",
  developer: "developer@example.com",
  deliveryLead: "delivery-lead@example.com",
  techLead: "tech-lead@example.com",
  pm: "pm@example.com",
  admin: "admin@example.com",
} as const;

/** Signs in the way a person does: on the local sign-in page, by picking a user. */
export async function signIn(page: Page, email: string): Promise<void> {
  await page.goto("/signin");
  await page.locator("form", { has: page.locator(`input[name="email"][value="${email}"]`) }).getByRole("button").click();
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
