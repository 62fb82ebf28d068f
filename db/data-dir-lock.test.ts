import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DataDirLockedError, lockDataDir } from "./data-dir-lock";

const dirs: string[] = [];
const tempDir = () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-lock-"));
  dirs.push(dir);
  return path.join(dir, "nested", ".data"); // the lock creates missing parents
};
afterEach(() => dirs.splice(0).forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

describe("the data directory lock", () => {
  it("refuses a second process while the first is alive, naming it", async () => {
    const dir = tempDir();
    const other = spawn(process.execPath, ["-e", "setTimeout(() => {}, 30000)"]);
    try {
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, "slipway.pid"), String(other.pid));
      let error: unknown;
      try {
        lockDataDir(dir);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(DataDirLockedError);
      expect((error as Error).message).toContain(`pid ${other.pid}`);
      expect((error as Error).message).toContain("SLIPWAY_DATA_DIR");
    } finally {
      other.kill();
    }
  });

  it("takes over a stale lock left by a process that died", () => {
    const dir = tempDir();
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "slipway.pid"), "999999999");
    const release = lockDataDir(dir);
    expect(fs.readFileSync(path.join(dir, "slipway.pid"), "utf8")).toBe(String(process.pid));
    release();
    expect(fs.existsSync(path.join(dir, "slipway.pid"))).toBe(false);
  });

  it("is re-entrant within one process", () => {
    const dir = tempDir();
    const release = lockDataDir(dir);
    expect(() => lockDataDir(dir)).not.toThrow();
    release();
  });
});
