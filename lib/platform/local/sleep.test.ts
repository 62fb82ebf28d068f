import fs from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { LocalPlatform } from "./local-platform";
import { appSpec, fixtureArtifact, get, testPortBase, TEST_PORT_SPAN, removeTempDir, tempDir } from "./testing/helpers";

const artifacts = tempDir("artifacts");
const dataDir = tempDir("data");
const v1 = fixtureArtifact(artifacts, "1.0.0");
const platform = new LocalPlatform({ dataDir, portBase: testPortBase(), portSpan: TEST_PORT_SPAN, log: () => {} });

afterAll(async () => {
  await platform.shutdown({ stopApps: true });
  fs.rmSync(artifacts, { recursive: true, force: true });
  removeTempDir(dataDir);
});

describe("LocalPlatform: an idle environment sleeps and wakes on demand", () => {
  it("stops its processes, answers 'waking up' and shows the request that asks for a wake-up, then serves again", async () => {
    const environment = "review-x";
    const status = await platform.ensureActive(appSpec(v1, { environment }));
    const url = status.url!;
    expect((await get(url)).status).toBe(200);
    const seen = (await platform.status(environment, "portal"))!.lastRequestAt;
    expect(seen).toBeTruthy();
    const pids = status.active!.instances.map((i) => i.pid!);

    await platform.sleep(environment);
    const asleep = (await platform.status(environment, "portal"))!;
    expect(asleep).toMatchObject({ asleep: true, active: null });
    for (const pid of pids) expect(() => process.kill(pid, 0)).toThrow();

    const sleptAfter = (await platform.status(environment, "portal"))!.lastRequestAt!;
    const waking = await get(url);
    expect(waking.status).toBe(503);
    expect(waking.text).toContain("Waking up");
    expect(waking.headers.get("retry-after")).toBe("5");
    // A request newer than the one seen before sleeping is what the review lifecycle wakes it for.
    const requested = (await platform.status(environment, "portal"))!.lastRequestAt!;
    expect(new Date(requested).getTime()).toBeGreaterThan(new Date(sleptAfter).getTime());

    await platform.ensureActive(appSpec(v1, { environment, reference: "wake" }));
    expect((await platform.status(environment, "portal"))!.asleep).toBe(false);
    const again = await get(url);
    expect(again.status).toBe(200);
    expect(again.text).toContain("1.0.0");
  });
});
