import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, expect, it } from "vitest";
import { kubernetesReader } from "./reader";
import { FAST, simBuild, startSimPlatform } from "./testing/harness";
import { typeOf } from "./testing/sim-store";

const dir = mkdtempSync(path.join(tmpdir(), "k8s-reader-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("the web server's reader lists a Kubernetes environment's instances and logs from slipway.yaml and the kubeconfig", async () => {
  const { sim, open } = await startSimPlatform();
  try {
    sim.store.put(typeOf("v1", "namespaces")!, { apiVersion: "v1", kind: "Namespace", metadata: { name: "shop-prod" } });
    const config = path.join(dir, "slipway.yaml");
    writeFileSync(config, "version: 1\npipeline: { name: shop }\napps: [{ name: portal }]\nenvironments:\n  - name: prod\n    platform: kubernetes\n    kubernetes: { namespace: shop-prod }\n");
    const controller = open();
    controller.configure("prod", { namespace: "shop-prod", port: 8080 });
    await controller.ensureActive({ environment: "prod", app: "portal", build: simBuild(sim, "portal", "3.0.0"), instances: 2, config: {}, healthPath: "/health", reference: "d" });
    const reader = kubernetesReader(config, { ...FAST, kubeconfig: sim.kubeconfig() });
    const instances = await reader.instances("prod", "portal");
    expect(instances.map((i) => `${i.slot}/${i.type}/${i.version}/${i.running}`)).toEqual(["active/web/3.0.0/true", "active/web/3.0.0/true"]);
    expect((await reader.logs("prod", "portal", 5)).map((l) => l.lines)).toEqual([["portal 3.0.0 listening on :8080"], ["portal 3.0.0 listening on :8080"]]);
    await expect(kubernetesReader(path.join(dir, "missing.yaml"), { kubeconfig: sim.kubeconfig() }).instances("prod", "portal")).rejects.toThrow(/missing\.yaml is not valid: .*not found/);
  } finally {
    await sim.close();
  }
});
