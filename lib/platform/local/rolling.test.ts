import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { PlatformError } from "../types";
import { LocalPlatform } from "./local-platform";
import { appSpec, fixtureArtifact, get, testPortBase, TEST_PORT_SPAN, removeTempDir, tempDir } from "./testing/helpers";

const artifacts = tempDir("artifacts");
const dataDir = tempDir("data");
const v1 = fixtureArtifact(artifacts, "1.0.0");
const v2 = fixtureArtifact(artifacts, "2.0.0");
const portBase = testPortBase();
const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {} });

afterAll(async () => {
  await platform.shutdown({ stopApps: true });
  fs.rmSync(artifacts, { recursive: true, force: true });
  removeTempDir(dataDir);
});

async function shares(url: string, requests: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < requests; i++) {
    const slot = (await get(url)).headers.get("x-slipway-slot") ?? "none";
    seen[slot] = (seen[slot] ?? 0) + 1;
  }
  return seen;
}

describe("LocalPlatform: rolling traffic shift", () => {
  it("sends exactly the given share to the standby, then everything after the switch, and survives a restart", async () => {
    const environment = "rolling";
    await platform.ensureActive(appSpec(v1, { environment }));
    await platform.startStandby(appSpec(v2, { environment }));
    const url = (await platform.status(environment, "portal"))!.url!;

    await platform.shiftTraffic(environment, "portal", 25);
    expect(await shares(url, 100)).toEqual({ [v1.buildId]: 75, [v2.buildId]: 25 });
    expect((await platform.status(environment, "portal"))!.standbyShare).toBe(25);

    await platform.shiftTraffic(environment, "portal", 75);
    expect(await shares(url, 20)).toEqual({ [v1.buildId]: 5, [v2.buildId]: 15 });

    // A restarted Slipway (new platform object, same data) keeps the split.
    await platform.shutdown({ stopApps: false });
    const again = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {} });
    await again.init();
    expect(await shares(url, 4)).toEqual({ [v1.buildId]: 1, [v2.buildId]: 3 });

    await again.switchTraffic(environment, "portal");
    expect(await shares(url, 10)).toEqual({ [v2.buildId]: 10 });
    expect((await again.status(environment, "portal"))!.standbyShare).toBe(0);

    await again.shiftTraffic(environment, "portal", 0);
    await again.stopStandby(environment, "portal");
    const refused = await again.shiftTraffic(environment, "portal", 50).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(PlatformError);
    await again.shutdown({ stopApps: true });
  });
});

describe("LocalPlatform: a slot belongs to whoever started it", () => {
  it("a retry reuses the standby; another deployment of the same build gets its own slot", async () => {
    const again = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {} });
    const environment = "identity";
    await again.ensureActive(appSpec(v1, { environment, reference: "first" }));
    const first = await again.startStandby(appSpec(v2, { environment, reference: "dep-a" }));
    const retried = await again.startStandby(appSpec(v2, { environment, reference: "dep-a" }));
    expect(retried.instances.map((i) => i.pid)).toEqual(first.instances.map((i) => i.pid));
    const other = await again.startStandby(appSpec(v2, { environment, reference: "dep-b" }));
    expect(other.reference).toBe("dep-b");
    expect(other.instances[0]!.pid).not.toBe(first.instances[0]!.pid);
    await again.shutdown({ stopApps: true });
  });
});
