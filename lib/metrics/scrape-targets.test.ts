import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { AppStatus, SlotStatus } from "@/lib/platform/types";
import { ScrapeTargetsFile, defaultScrapeTargetsFile, scrapeTargetGroups } from "./scrape-targets";

const slot = (releaseId: string, version: string, instances: { id: string; address: string; running: boolean }[]): SlotStatus => ({
  reference: "dep_1",
  buildId: `bld_${version}`,
  releaseId,
  digest: `sha256:${"a".repeat(64)}`,
  version,
  startedAt: "2026-06-01T09:00:00.000Z",
  instances,
});
const app = (environment: string, name: string, active: SlotStatus | null, standby: SlotStatus | null = null): AppStatus => ({
  environment,
  app: name,
  url: "http://127.0.0.1:4100",
  active,
  standby,
  maintenance: false,
  standbyShare: 0,
  asleep: false,
  lastRequestAt: null,
});

describe("scrapeTargetGroups", () => {
  it("gives every running instance of both slots its host:port and Slipway's labels, sorted", () => {
    const groups = scrapeTargetGroups([
      app("staging", "portal", slot("rel_new", "2.0.0", [{ id: "i1", address: "http://127.0.0.1:41001", running: true }]), slot("rel_old", "1.0.0", [{ id: "i0", address: "http://127.0.0.1:41000", running: true }])),
      app(
        "dev",
        "api",
        slot("rel_a", "0.1.0", [
          { id: "i9", address: "https://10.0.0.9:8443/api/", running: true },
          { id: "i8", address: "http://10.0.0.8:80", running: false },
        ]),
      ),
    ]);
    expect(groups).toEqual([
      { targets: ["10.0.0.9:8443"], labels: { environment: "dev", app: "api", release: "rel_a", build: "bld_0.1.0", version: "0.1.0", slot: "active", slipway_instance: "i9", __scheme__: "https", __metrics_path__: "/api/metrics" } },
      { targets: ["127.0.0.1:41001"], labels: { environment: "staging", app: "portal", release: "rel_new", build: "bld_2.0.0", version: "2.0.0", slot: "active", slipway_instance: "i1" } },
      { targets: ["127.0.0.1:41000"], labels: { environment: "staging", app: "portal", release: "rel_old", build: "bld_1.0.0", version: "1.0.0", slot: "standby", slipway_instance: "i0" } },
    ]);
  });

  it("has nothing for an asleep app or an address that is not a URL", () => {
    expect(scrapeTargetGroups([app("review-1", "portal", null), app("qa", "portal", slot("rel_b", "1.0.0", [{ id: "i", address: "not a url", running: true }]))])).toEqual([]);
  });
});

describe("ScrapeTargetsFile", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-scrape-targets-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const running = app("staging", "portal", slot("rel_new", "2.0.0", [{ id: "i1", address: "http://127.0.0.1:41001", running: true }]));

  it("writes the file (creating its directory), rewrites it only when the targets change, and leaves no temporary file", async () => {
    const file = defaultScrapeTargetsFile(path.join(dir, "data"));
    expect(file).toBe(path.join(dir, "data", "prometheus", "targets.json"));
    let inventory = [running];
    const targets = new ScrapeTargetsFile(file);
    const adapter = { name: "local", inventory: async () => inventory };
    expect(await targets.sync([adapter])).toBe(1);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual(scrapeTargetGroups([running]));
    expect(await targets.sync([adapter])).toBeNull();
    inventory = [];
    expect(await targets.sync([adapter])).toBe(0);
    expect(JSON.parse(fs.readFileSync(file, "utf8"))).toEqual([]);
    expect(fs.readdirSync(path.dirname(file))).toEqual(["targets.json"]);
  });

  it("keeps the file as it was when an adapter cannot say what runs, and says why", async () => {
    const file = path.join(dir, "kept", "targets.json");
    const logs: string[] = [];
    const targets = new ScrapeTargetsFile(file, (line) => logs.push(line));
    await targets.sync([{ name: "local", inventory: async () => [running] }]);
    const before = fs.readFileSync(file, "utf8");
    expect(
      await targets.sync([
        { name: "local", inventory: async () => [] },
        { name: "kubernetes", inventory: () => Promise.reject(new Error("API server unreachable")) },
      ]),
    ).toBeNull();
    expect(fs.readFileSync(file, "utf8")).toBe(before);
    expect(logs).toEqual([expect.stringContaining("kubernetes inventory failed")]);
    expect(logs[0]).toContain("API server unreachable");
  });

  it("logs a file it cannot write instead of throwing", async () => {
    const blocker = path.join(dir, "blocker");
    fs.writeFileSync(blocker, "a file where a directory should be");
    const logs: string[] = [];
    expect(await new ScrapeTargetsFile(path.join(blocker, "targets.json"), (line) => logs.push(line)).sync([{ name: "local", inventory: async () => [running] }])).toBeNull();
    expect(logs).toEqual([expect.stringContaining("could not write")]);
  });
});
