import { servingVersion, simBuild, startSimPlatform, visitApp } from "../kubernetes/testing/harness";
import { describePlatformContract } from "./describe-platform-contract";

// The Kubernetes adapter through @kubernetes/client-node against the simulated API server
// (lib/platform/kubernetes/testing): real HTTP, real API paths and JSON, a kubelet loop.
describePlatformContract("kubernetes", async () => {
  const { sim, open } = await startSimPlatform();
  return {
    adapter: open(),
    builds: { v1: simBuild(sim, "portal", "1.0.0"), v2: simBuild(sim, "portal", "2.0.0") },
    healthPath: "/health",
    jobs: { succeeds: "migrate", fails: "fail" },
    async serving(status) {
      return servingVersion(sim, status);
    },
    async visit(status) {
      visitApp(sim, status);
    },
    reopen: async () => open(),
    cleanup: () => sim.close(),
  };
});
