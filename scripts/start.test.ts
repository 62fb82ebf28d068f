import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";

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
