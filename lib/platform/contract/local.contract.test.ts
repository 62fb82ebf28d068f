import { LocalPlatform } from "../local/local-platform";
import { fixtureArtifact, testPortBase, TEST_PORT_SPAN, removeTempDir, tempDir } from "../local/testing/helpers";
import { describePlatformContract } from "./describe-platform-contract";

// Real processes started from Procfile tarballs (file:// URLs), the real router process, real
// ports; everything is stopped in cleanup.
describePlatformContract("local", async () => {
  const artifacts = tempDir("contract-artifacts");
  const dataDir = tempDir("contract-data");
  const portBase = testPortBase();
  const opened: LocalPlatform[] = [];
  const open = async () => {
    const platform = new LocalPlatform({ dataDir, portBase, portSpan: TEST_PORT_SPAN, log: () => {} });
    await platform.init();
    opened.push(platform);
    return platform;
  };
  return {
    adapter: await open(),
    builds: { v1: fixtureArtifact(artifacts, "1.0.0"), v2: fixtureArtifact(artifacts, "2.0.0") },
    healthPath: "/health",
    jobs: { succeeds: "migrate", fails: "fail" },
    async serving(status) {
      if (!status.url) return null;
      try {
        const response = await fetch(`${status.url}/health`);
        if (response.status !== 200) return null;
        return ((await response.json()) as { version?: string }).version ?? null;
      } catch {
        return null;
      }
    },
    async visit(status) {
      await fetch(status.url!)
        .then((r) => r.text())
        .catch(() => {});
    },
    reopen: open,
    async cleanup() {
      for (const platform of opened.reverse()) await platform.shutdown({ stopApps: true });
      removeTempDir(artifacts);
      removeTempDir(dataDir); // the platform unpacked read-only releases under it
    },
  };
});
