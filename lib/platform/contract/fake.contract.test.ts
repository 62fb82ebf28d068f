import { FakePlatform } from "@/lib/testing/fake-platform";
import { describePlatformContract } from "./describe-platform-contract";

const build = (version: string) => ({
  buildId: `build-${version}`,
  releaseId: `release-${version}`,
  app: "portal",
  version,
  commit: "c".repeat(40),
  digest: `sha256:${version.replace(/\D/g, "").padEnd(64, "0")}`,
  artifact: `fake://portal/${version}`,
});

// The controller's tests trust the fake to behave like a platform: it must pass the same contract.
describePlatformContract("fake", async () => {
  const fake = new FakePlatform();
  fake.failingJobs.set("fail", "exit 1 (simulated)");
  return {
    adapter: fake,
    builds: { v1: build("1.0.0"), v2: build("2.0.0") },
    healthPath: "/health",
    jobs: { succeeds: "migrate", fails: "fail" },
    async serving(status) {
      const now = await fake.status(status.environment, status.app);
      if (!now || now.maintenance || now.asleep) return null;
      return fake.serving(status.environment, status.app);
    },
    async visit(status) {
      fake.request(status.environment, status.app, new Date());
    },
    // The fake's state is its "infrastructure": another Slipway sees the same object.
    reopen: async () => fake,
    async cleanup() {},
  };
});
