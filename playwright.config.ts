import { defineConfig } from "@playwright/test";

const PORT = Number(process.env.E2E_PORT ?? 3100);
export const DATA_DIR = ".data/e2e";
/** The e2e server's apps listen from here, apart from a developer's own Slipway (4100); E2E_LOCAL_PORT_BASE moves it so two checkouts can run e2e side by side. */
const LOCAL_PORT_BASE = Number(process.env.E2E_LOCAL_PORT_BASE ?? 4600);

/**
 * End-to-end tests click through the production build in Debian's Chromium (never a downloaded
 * browser). The server runs with its own data directory, wiped at the start of every run, the e2e
 * pipeline (no deploy windows, short soaks) and the demo users.
 */
export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  reporter: process.env.CI ? [["list"]] : [["list"], ["html", { open: "never" }]],
  use: {
    baseURL: `http://localhost:${PORT}`, // not 127.0.0.1: Next rewrites it to localhost in redirects (STACK.md trap 9)
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  // Sign in once per demo user (e2e/auth.setup.ts saves e2e/.auth/<role>.json); the specs reuse those sessions.
  projects: [
    { name: "setup", testMatch: /auth\.setup\.ts$/ },
    { name: "e2e", testMatch: /\.spec\.ts$/, dependencies: ["setup"] },
  ],
  webServer: {
    command: `rm -rf ${DATA_DIR} && npm start`,
    url: `http://localhost:${PORT}/api/v1/health`,
    timeout: 600_000, // a first production build on a busy 2-core machine can take over 5 minutes
    reuseExistingServer: false,
    // SIGTERM with SLIPWAY_STOP_APPS_ON_EXIT lets Slipway stop the apps and router it started before it exits.
    gracefulShutdown: { signal: "SIGTERM", timeout: 15_000 },
    stdout: "pipe",
    stderr: "pipe",
    env: {
      PORT: String(PORT),
      SLIPWAY_DATA_DIR: DATA_DIR,
      // Two pipelines whose environment names repeat (dev, prod): every test runs with qualified references.
      SLIPWAY_PIPELINES_DIR: "e2e/pipelines",
      SLIPWAY_DEMO: "1",
      DATABASE_URL: "",
      SLIPWAY_OIDC_ISSUER: "",
      SLIPWAY_LOCAL_PORT_BASE: String(LOCAL_PORT_BASE),
      SLIPWAY_STOP_APPS_ON_EXIT: "1",
    },
  },
});
