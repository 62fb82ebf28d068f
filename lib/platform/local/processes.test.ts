import { describe, expect, it } from "vitest";
import { KeyedMutex } from "./mutex";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { until } from "@/lib/testing/until";
import { appEnvironment, groupsHoldingOurs, isOurProcess, spawnApp, stopProcesses } from "./processes";

const input = { environment: "qa", app: "portal", instance: "portal-2", dataDir: "/d/qa/portal", reference: "dep-9", port: 41000 };

describe("appEnvironment", () => {
  it("passes only the allow-list, config and the platform's variables", () => {
    const env = appEnvironment({ ...input, config: { FEATURE: "on", NODE_ENV: "staging" } }, { PATH: "/bin", HOME: "/root", AUTH_SECRET: "s", DATABASE_URL: "postgres://x", LANG: "C" });
    expect(env).toEqual({
      PATH: "/bin",
      HOME: "/root",
      LANG: "C",
      NODE_ENV: "staging",
      FEATURE: "on",
      PORT: "41000",
      SLIPWAY_ENVIRONMENT: "qa",
      SLIPWAY_APP: "portal",
      SLIPWAY_INSTANCE: "portal-2",
      SLIPWAY_DATA_DIR: "/d/qa/portal",
      SLIPWAY_REFERENCE: "dep-9",
    });
  });

  it("refuses config that would override the platform's variables or is not a variable name", () => {
    expect(() => appEnvironment({ ...input, config: { PORT: "1" } }, {})).toThrow(/reserved/);
    expect(() => appEnvironment({ ...input, config: { SLIPWAY_APP: "x" } }, {})).toThrow(/reserved/);
  });

  it("gives the addresses of siblings served elsewhere as SLIPWAY_URL_<APP> (a partial review environment's)", () => {
    const env = appEnvironment({ ...input, config: {}, siblings: { admin: "http://127.0.0.1:4101", "api-gateway": "http://127.0.0.1:4102" } }, {});
    expect(env).toMatchObject({ SLIPWAY_URL_ADMIN: "http://127.0.0.1:4101", SLIPWAY_URL_API_GATEWAY: "http://127.0.0.1:4102" });
    expect(Object.keys(appEnvironment({ ...input, config: {} }, {})).filter((k) => k.startsWith("SLIPWAY_URL_"))).toEqual([]);
    expect(() => appEnvironment({ ...input, config: { "A-B": "x" } }, {})).toThrow(/not a valid environment variable name/);
  });
});

describe("KeyedMutex", () => {
  it("runs operations on one key one at a time, in order, and survives failures", async () => {
    const mutex = new KeyedMutex();
    const events: string[] = [];
    const step =
      (name: string, ms: number, fail = false) =>
      async () => {
        events.push(`start ${name}`);
        await new Promise((resolve) => setTimeout(resolve, ms));
        events.push(`end ${name}`);
        if (fail) throw new Error(name);
      };
    await Promise.allSettled([mutex.run("a", step("1", 20, true)), mutex.run("a", step("2", 1)), mutex.run("b", step("3", 1))]);
    expect(events.indexOf("end 1")).toBeLessThan(events.indexOf("start 2"));
    expect(events.indexOf("start 3")).toBeLessThan(events.indexOf("end 1"));
  });
});

describe("isOurProcess", () => {
  it("does not take a live pid for ours unless it runs our artifact (pids get reused after a restart)", () => {
    expect(isOurProcess(process.pid, "/nowhere/store/abc.mjs")).toBe(false);
    expect(isOurProcess(0, "/x")).toBe(false);
    expect(isOurProcess(2 ** 22 + 12345, "/x")).toBe(false);
  });
});

describe("stopProcesses", () => {
  it("stops what an instance started after its shell died, and leaves a gone group alone", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-group-"));
    const storePath = path.join(dir, "release");
    fs.mkdirSync(storePath);
    try {
      // A Procfile command's shell with the app as its child, as `web: node server.js` runs.
      const shell = spawnApp({
        command: "sleep 300 & echo $! > app.pid; wait",
        env: { PATH: process.env.PATH ?? "/usr/bin:/bin", SLIPWAY_RELEASE_DIR: storePath, SLIPWAY_INSTANCE: "web-1", SLIPWAY_REFERENCE: "test" },
        logPath: path.join(dir, "log"),
        cwd: dir,
      });
      await until("the app to start", () => fs.existsSync(path.join(dir, "app.pid")) && fs.readFileSync(path.join(dir, "app.pid"), "utf8").trim() !== "");
      const app = Number(fs.readFileSync(path.join(dir, "app.pid"), "utf8"));
      // /proc/<pid>/stat after "(comm) ": state, then 18 fields on, the start time (clock ticks since boot).
      const stat = (pid: number) => {
        try {
          const text = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
          const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
          return { state: fields[0], startTime: fields[19] };
        } catch {
          return null;
        }
      };
      const appStarted = stat(app)?.startTime;
      expect(appStarted).toBeTruthy();
      // Alive: not a zombie, and the same process (a pid freed meanwhile may already run another
      // program: this machine's pid_max is 32,768 and the suite starts thousands of processes).
      const alive = (pid: number) => {
        const now = stat(pid);
        return now !== null && now.state !== "Z" && now.state !== "X" && now.startTime === appStarted;
      };
      process.kill(shell.pid!, "SIGKILL");
      await until("the shell to be gone", () => !isOurProcess(shell.pid!, storePath));
      expect(alive(app)).toBe(true);
      expect(groupsHoldingOurs([{ pid: shell.pid!, storePath }])).toEqual(new Set([shell.pid]));
      expect(groupsHoldingOurs([{ pid: shell.pid!, storePath: "/another/release" }])).toEqual(new Set());

      await stopProcesses([{ pid: shell.pid!, storePath }], 500);
      // stopProcesses returns once nothing of ours is left running; a process that was signalled may
      // still be on its way out (its memory, and so its environment, gone before it is a zombie):
      // wait for it to go rather than catch it mid-exit. Without the signal it would sleep 300 s.
      await until("the app to be gone", () => !alive(app));
      expect(groupsHoldingOurs([{ pid: shell.pid!, storePath }])).toEqual(new Set());
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
