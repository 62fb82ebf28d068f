import { execFile } from "node:child_process";
import { expect, test } from "@playwright/test";
import { bearer } from "./helpers";

/** Runs a CLI the way a person does in a second terminal, beside the e2e server (which holds .data/e2e). */
function cli(script: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", script, ...args], { encoding: "utf8", timeout: 90_000, env: { ...process.env, SLIPWAY_DATA_DIR: ".data/e2e", DATABASE_URL: "" } }, (error, stdout, stderr) =>
      resolve({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Issue 15, item 1: the CLIs work while the portal runs on the embedded database. */
test.describe.serial("CLIs beside the running portal", () => {
  test("npm run token prints a working token and npm run audit:verify checks the trail, while Slipway runs", async ({ request }) => {
    const token = await cli("scripts/token.ts", ["--user", "developer@example.com", "--name", "e2e-cli", "--expires-days", "1"]);
    expect(token.stderr).toContain('Token "e2e-cli" for developer@example.com');
    expect(token.code).toBe(0);
    const response = await request.get("/api/v1/environments", { headers: bearer(token.stdout.trim()) });
    expect(response.status()).toBe(200);

    const audit = await cli("scripts/audit-verify.ts", []);
    expect(audit.stderr).toContain("through the running Slipway");
    expect(audit.stdout).toMatch(/^audit trail intact: \d+ events/m);
    expect(audit.code).toBe(0);
  });
});
