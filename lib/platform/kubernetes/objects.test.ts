import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PlatformError } from "../types";
import type { KubernetesPlatform } from "./kubernetes-platform";
import { configObjects, deploymentObject, httpRouteObject, ingressObject, jobObjects, namespaceObject, pinnedImage, serviceObject, slotServiceObject, type EnvironmentTarget } from "./objects";
import { FAST, simBuild, startSimPlatform } from "./testing/harness";
import type { SimCluster } from "./testing/sim-server";
import { RESOURCE_TYPES } from "./testing/sim-store";
import { objectProblems } from "./validate-object";

const full: EnvironmentTarget = {
  environment: "staging",
  namespace: "shop-staging",
  config: {
    namespace: "shop-staging",
    port: 3000,
    domain: "staging.example.com",
    ingressClass: "nginx",
    imagePullSecrets: ["registry"],
    serviceAccount: "shop",
    resources: { requests: { cpu: "250m", memory: "256Mi" }, limits: { memory: "512Mi" } },
    commands: { migrate: ["npm", "run", "migrate"] },
  },
};
const build = {
  buildId: "01JBUILD",
  releaseId: "01JRELEASE-with-a-rather-long-identifier-that-exceeds-the-label-limit-of-63",
  app: "portal",
  version: "1.4.0+build.7",
  commit: "c".repeat(40),
  digest: `sha256:${"a".repeat(64)}`,
  artifact: `ghcr.io/acme/portal@sha256:${"a".repeat(64)}`,
};
const spec = { environment: "staging", app: "portal", build, instances: 3, config: { DATABASE_URL: "postgres://secret" }, healthPath: "/healthz", reference: "deployment-1", workers: { worker: 2 } };

describe("generated Kubernetes objects", () => {
  it("are valid against the official schemas, for every kind and option", () => {
    const objects = [
      namespaceObject(full, "staging"),
      ...configObjects(full, spec, "blue"),
      deploymentObject(full, spec, "blue", "web", 3, new Date().toISOString()),
      deploymentObject(full, spec, "green", "worker", 2, new Date().toISOString()),
      serviceObject(full, "portal", { live: "blue", maintenance: false, retryAfterSeconds: 30, standbyShare: 25, asleep: false, lastRequestAt: null }),
      slotServiceObject(full, "portal", "green"),
      ingressObject(full, "portal")!,
      ...jobObjects(full, { environment: "staging", app: "portal", build, job: "migrate", config: { TOKEN: "x" }, reference: "deployment-1", timeoutMs: 90_000 }),
    ];
    for (const object of objects) expect({ kind: object.kind, problems: objectProblems(object) }).toEqual({ kind: object.kind, problems: [] });
    const route = httpRouteObject({ ...full, config: { ...full.config, ingressClass: undefined, gateway: { name: "main", namespace: "gateways" } } }, "portal", {
      live: "green",
      maintenance: false,
      retryAfterSeconds: 60,
      standbyShare: 25,
      asleep: false,
      lastRequestAt: null,
    })!;
    expect((route.spec as { rules: { backendRefs: { name: string; weight: number }[] }[] }).rules[0]!.backendRefs).toEqual([
      { name: "portal-green", port: 80, weight: 75 },
      { name: "portal-blue", port: 80, weight: 25 },
    ]);
  });

  it("keep config variables out of the ConfigMap and the pod spec: only the Secret has them", () => {
    const [configMap, secret] = configObjects(full, spec, "blue");
    expect(JSON.stringify(configMap)).not.toContain("postgres://secret");
    expect(secret).toMatchObject({ kind: "Secret", stringData: { DATABASE_URL: "postgres://secret" } });
    expect(JSON.stringify(deploymentObject(full, spec, "blue", "web", 3, "t"))).not.toContain("postgres://secret");
  });

  it("give a partial review environment's app its inherited siblings' addresses in the ConfigMap", () => {
    const [configMap] = configObjects(full, { ...spec, siblings: { "api-gateway": "https://api-gateway.staging.example" } }, "blue");
    expect(configMap!.data).toMatchObject({ SLIPWAY_URL_API_GATEWAY: "https://api-gateway.staging.example" });
    expect(Object.keys(configObjects(full, spec, "blue")[0]!.data as object).filter((k) => k.startsWith("SLIPWAY_URL_"))).toEqual([]);
  });

  it("refuse an image not pinned by digest, or pinned to another digest than the build's", () => {
    for (const artifact of [null, "ghcr.io/acme/portal:1.4.0", "file:///tmp/portal.tar.gz", `ghcr.io/acme/portal@sha256:${"a".repeat(63)}`]) {
      const error = (() => {
        try {
          pinnedImage("staging", { ...build, artifact });
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(PlatformError);
      expect((error as PlatformError).permanent).toBe(true);
      expect((error as Error).message).toMatch(/^Environment "staging" runs on Kubernetes, which needs an OCI image pinned by digest/);
    }
    expect(() => pinnedImage("staging", { ...build, digest: `sha256:${"b".repeat(64)}` })).toThrow(/the build's registered digest is sha256:b/);
    expect(pinnedImage("staging", build)).toBe(build.artifact);
  });
});

describe("every object the adapter applies through a whole lifecycle", () => {
  let sim: SimCluster;
  let platform: KubernetesPlatform;
  beforeAll(async () => {
    const started = await startSimPlatform();
    sim = started.sim;
    platform = started.open(FAST);
  });
  afterAll(() => sim.close());

  it("is valid against the official schemas as the API server stored it", async () => {
    const v1 = simBuild(sim, "portal", "1.0.0");
    const v2 = simBuild(sim, "portal", "2.0.0");
    const base = { environment: "lifecycle", app: "portal", instances: 2, config: { GREETING: "hi" }, healthPath: "/health", workers: { worker: 1 } };
    await platform.provision("lifecycle");
    await platform.ensureActive({ ...base, build: v1, reference: "d1" });
    await platform.startStandby({ ...base, build: v2, reference: "d2" });
    await platform.shiftTraffic("lifecycle", "portal", 50);
    await platform.switchTraffic("lifecycle", "portal");
    await platform.setMaintenance("lifecycle", "portal", true, 30);
    await platform.runJob({ environment: "lifecycle", app: "portal", build: v2, job: "migrate", config: {}, reference: "d2" });
    await platform.sleep("lifecycle");
    let checked = 0;
    for (const type of RESOURCE_TYPES.filter((t) => t.kind !== "Pod" && t.kind !== "HTTPRoute")) {
      for (const object of sim.store.list(type, undefined)) {
        expect({ name: `${object.kind}/${object.metadata.name}`, problems: objectProblems(object) }).toEqual({ name: `${object.kind}/${object.metadata.name}`, problems: [] });
        checked++;
      }
    }
    expect(checked).toBe(9); // Namespace, Service, web + worker Deployments, ConfigMap + Secret of the live slot and of the Job, the Job
  });
});
