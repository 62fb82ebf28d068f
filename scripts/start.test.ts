import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { DEMO_USERS } from "@/db/seed/demo-users";
import { startBanner } from "@/lib/server/start-banner";

describe("npm start with a bad slipway.yaml", () => {
  it("stops before touching the database and lists every problem with its line", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-start-"));
    try {
      const config = path.join(dir, "slipway.yaml");
      fs.writeFileSync(config, ["version: 1", "pipeline: { name: shop }", "apps:", "  - name: portal", "    migraton: {}", "environments:", "  - name: dev", "    strategy: yolo", ""].join("\n"));
      const dataDir = path.join(dir, ".data");
      const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
        cwd: process.cwd(),
        env: { ...process.env, SLIPWAY_CONFIG: config, SLIPWAY_DATA_DIR: dataDir, DATABASE_URL: "" },
        encoding: "utf8",
        timeout: 60_000,
      });
      expect(result.status).toBe(1);
      expect(result.stderr).toContain("is not valid (2 problems)");
      expect(result.stderr).toMatch(/line 5, apps\[0\]: unknown key "migraton"/);
      expect(result.stderr).toMatch(/line 8, environments\[0\]\.strategy/);
      expect(fs.existsSync(dataDir)).toBe(false);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("the banner npm start prints once it serves", () => {
  const facts = { url: "http://localhost:3000", oidc: null, demoData: true, data: ".data", appsOutlive: false };

  it("lists the demo users in local mode when the demo data is there", () => {
    const banner = startBanner(facts);
    expect(banner).toContain("pick a demo user on the sign-in page");
    for (const user of DEMO_USERS) expect(banner).toContain(user.email);
  });

  it("names no demo user on a database without the demo data (SLIPWAY_DEMO=0, another DATABASE_URL)", () => {
    const banner = startBanner({ ...facts, demoData: false, data: "PostgreSQL (DATABASE_URL)" });
    expect(banner).toContain("Local mode (no identity provider configured): pick a user on the sign-in page, no password.");
    expect(banner).not.toMatch(/@example\.com|demo user/);
    expect(banner).toContain("Data: PostgreSQL (DATABASE_URL)");
  });

  it("with an identity provider, names it and no local user", () => {
    const banner = startBanner({ ...facts, oidc: { name: "Okta", issuer: "https://example.okta.com" }, appsOutlive: true });
    expect(banner).toContain("Sign in with Okta (https://example.okta.com).");
    expect(banner).not.toMatch(/@example\.com|Local mode/);
    expect(banner).toContain("`npm run apps:stop` stops them.");
  });
});
