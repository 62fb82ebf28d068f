import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AppSpec, ArtifactRef } from "../types";
import type { KubernetesPlatform } from "./kubernetes-platform";
import { simBuild, startSimPlatform } from "./testing/harness";
import type { SimCluster } from "./testing/sim-server";
import { typeOf } from "./testing/sim-store";
import { until } from "@/lib/testing/until";

let sim: SimCluster;
let p: KubernetesPlatform;
let v1: ArtifactRef;
let v2: ArtifactRef;
const spec = (environment: string, build: ArtifactRef, extra: Partial<AppSpec> = {}): AppSpec => ({
  environment,
  app: "portal",
  build,
  instances: 2,
  config: { API_KEY: "k" },
  healthPath: "/health",
  reference: `d-${build.version}`,
  ...extra,
});
const deployments = typeOf("apps/v1", "deployments")!;
const names = (namespace: string) => sim.store.list(deployments, namespace).map((d) => `${d.metadata.name}:${(d.spec as { replicas: number }).replicas}`);

beforeAll(async () => {
  const started = await startSimPlatform();
  sim = started.sim;
  p = started.open();
  v1 = simBuild(sim, "portal", "1.0.0");
  v2 = simBuild(sim, "portal", "2.0.0");
  for (const name of ["shop-gw", "shop-ing"]) sim.store.put(typeOf("v1", "namespaces")!, { apiVersion: "v1", kind: "Namespace", metadata: { name } });
});
afterAll(() => sim.close());

describe("Kubernetes routing, workers, instances and logs", () => {
  it("a gateway: rolling steps are HTTPRoute weights between the slot Services, and the address is the host", async () => {
    p.configure("gw", { namespace: "shop-gw", port: 8080, domain: "gw.example.com", gateway: { name: "main", namespace: "gateways" } });
    const first = await p.ensureActive(spec("gw", v1));
    expect(first.url).toBe("https://portal.gw.example.com");
    await p.startStandby(spec("gw", v2));
    const weights = () =>
      (sim.store.get(typeOf("gateway.networking.k8s.io/v1", "httproutes")!, "shop-gw", "portal")!.spec as { rules: { backendRefs: { name: string; weight: number }[] }[] }).rules[0]!.backendRefs.map((b) => `${b.name}=${b.weight}`);
    for (const [share, expected] of [
      [25, ["portal-blue=75", "portal-green=25"]],
      [50, ["portal-blue=50", "portal-green=50"]],
      [75, ["portal-blue=25", "portal-green=75"]],
    ] as const) {
      await p.shiftTraffic("gw", "portal", share);
      expect(weights()).toEqual(expected);
    }
    await p.switchTraffic("gw", "portal");
    expect(weights()).toEqual(["portal-green=100", "portal-blue=0"]);
    expect(sim.store.list(typeOf("v1", "services")!, "shop-gw").map((s) => s.metadata.name)).toEqual(["portal", "portal-blue", "portal-green"]);
  });

  it("an ingress class: one Ingress per app on its host, pointing at the stable Service", async () => {
    p.configure("ing", { namespace: "shop-ing", port: 8080, domain: "ing.example.com", ingressClass: "nginx" });
    await p.ensureActive(spec("ing", v1));
    const ingress = sim.store.get(typeOf("networking.k8s.io/v1", "ingresses")!, "shop-ing", "portal")!;
    expect(ingress.spec).toMatchObject({ ingressClassName: "nginx", rules: [{ host: "portal.ing.example.com", http: { paths: [{ backend: { service: { name: "portal" } } }] } }] });
  });

  it("workers run as Deployments of their slot, move with it, and are stopped before web on recreate", async () => {
    await p.ensureActive(spec("workers", v1, { workers: { worker: 2, clock: 1 } }));
    expect(names("slipway-workers")).toEqual(["portal-blue:2", "portal-clock-blue:1", "portal-worker-blue:2"]);
    await p.startStandby(spec("workers", v2, { workers: { worker: 1 } }));
    expect(names("slipway-workers")).toEqual(["portal-blue:2", "portal-clock-blue:1", "portal-green:2", "portal-worker-blue:2", "portal-worker-green:1"]);
    const mark = sim.requests.length;
    await p.stopActive("workers", "portal");
    expect(
      sim.requests
        .slice(mark)
        .filter((r) => r.startsWith("DELETE"))
        .map((r) => r.split("?")[0]!.split("/").pop()),
    ).toEqual(["portal-clock-blue", "portal-worker-blue", "portal-blue", "portal-blue-config", "portal-blue-config"]);
    // The simulated kubelet removes the deleted Deployments' pods on its own loop, as a cluster would.
    const infos = await until("the blue slot's pods to be gone", async () => {
      const listed = await p.instances("workers", "portal");
      return listed.every((i) => i.slot === "standby" && i.version) ? listed : null;
    });
    expect(infos.map((i) => `${i.slot}/${i.type}/${i.version}`).sort()).toEqual(["standby/web/2.0.0", "standby/web/2.0.0", "standby/worker/2.0.0"]);
    expect(infos.filter((i) => i.type === "worker").every((i) => i.address === null)).toBe(true);
  });

  it("reads each instance's log through the API", async () => {
    const logs = await p.logs("workers", "portal", 10);
    expect(logs.find((l) => l.type === "web")!.lines).toEqual(["portal 2.0.0 listening on :8080"]);
  });
});
