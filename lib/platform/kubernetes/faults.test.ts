import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { driftOf } from "@/lib/controller/drift";
import { PlatformError, type AppSpec, type ArtifactRef } from "../types";
import { KubernetesPlatform } from "./kubernetes-platform";
import { kubernetesAccessProblems } from "./startup-check";
import { FAST, namespaceOf, simBuild, startSimPlatform } from "./testing/harness";
import type { SimCluster } from "./testing/sim-server";
import { typeOf } from "./testing/sim-store";

let sim: SimCluster;
let open: Awaited<ReturnType<typeof startSimPlatform>>["open"];
let p: KubernetesPlatform;
let v1: ArtifactRef;
let n = 0;
let environment: string;
const spec = (build: ArtifactRef, reference = `d-${build.version}`): AppSpec => ({ environment, app: "portal", build, instances: 2, config: {}, healthPath: "/health", reference });
const failure = async (promise: Promise<unknown>): Promise<PlatformError> => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(PlatformError);
  return error as PlatformError;
};
const patches = () => sim.requests.filter((r) => r.startsWith("PATCH") && r.includes(namespaceOf(environment))).length;

beforeAll(async () => {
  ({ sim, open } = await startSimPlatform());
  p = open();
  v1 = simBuild(sim, "portal", "1.0.0");
});
afterAll(() => sim.close());
beforeEach(() => {
  environment = `faults-${++n}`;
  sim.faults.api.length = 0;
});

describe("Kubernetes faults become deployment failures naming the environment, the object and the API's reason", () => {
  it("an unreachable API server", async () => {
    const closed = new KubernetesPlatform({ ...FAST, kubeconfig: sim.kubeconfig().replace(sim.url, "http://127.0.0.1:9"), namespaceFor: namespaceOf });
    const error = await failure(closed.startStandby(spec(v1)));
    expect(error.message).toMatch(new RegExp(`^Environment "${environment}": read Namespace slipway-${environment} failed: the Kubernetes API server http://127.0.0.1:9 \\(context "sim"\\) is unreachable: .*ECONNREFUSED`));
    expect(error.permanent).toBe(false);
  });

  it("forbidden by RBAC: permanent, with the API's own message", async () => {
    sim.faults.forbiddenNamespaces.add(namespaceOf(environment));
    const error = await failure(p.startStandby(spec(v1)));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(
      `Environment "${environment}": read Namespace slipway-${environment} failed: Forbidden: namespaces "slipway-${environment}" is forbidden: User "system:serviceaccount:slipway:slipway" cannot get resource "namespaces"`,
    );
    expect(error.message).toContain("the service account lacks this permission (RBAC)");
  });

  it("a configured namespace that does not exist: nothing is applied", async () => {
    p.configure(environment, { namespace: "shop-missing", port: 8080 });
    const error = await failure(p.startStandby(spec(v1)));
    expect(error.message).toBe(`Environment "${environment}": namespace "shop-missing" does not exist (kubernetes.namespace in slipway.yaml); create it, Slipway does not create the namespaces it is given`);
    expect(sim.requests.some((r) => r.startsWith("PATCH") && r.includes("shop-missing"))).toBe(false);
  });

  it("an image without a digest is refused before any request", async () => {
    const before = sim.requests.length;
    const error = await failure(p.startStandby(spec({ ...v1, artifact: "registry.example.com/shop/portal:1.0.0" })));
    expect(error.permanent).toBe(true);
    expect(error.message).toContain(`Environment "${environment}" runs on Kubernetes, which needs an OCI image pinned by digest`);
    expect(sim.requests.length).toBe(before);
  });

  it("a Job that never finishes fails the step; the retry finds the same Job and converges", async () => {
    sim.faults.hangingJobs.add("migrate");
    const short = open({ jobTimeoutMs: 300 });
    const job = { environment, app: "portal", build: v1, job: "migrate", config: {}, reference: "deployment-7" };
    const error = await failure(short.runJob(job));
    expect(error.message).toMatch(new RegExp(`^Environment "${environment}": Job slipway-${environment}/portal-migrate-[0-9a-f]{10} \\(migrate\\) did not finish within 0 s: pod portal-migrate-[0-9a-f]{10}-\\w+-\\w+ is Running`));
    sim.faults.hangingJobs.delete("migrate");
    const retried = await short.runJob(job);
    expect(retried).toMatchObject({ exitCode: 0, output: "migrated portal to 1.0.0\n" });
    expect(sim.store.list(typeOf("batch/v1", "jobs")!, namespaceOf(environment))).toHaveLength(1);
  });

  it("a failing job reports its exit code and log", async () => {
    const result = await p.runJob({ environment, app: "portal", build: v1, job: "fail", config: {}, reference: "d" });
    expect(result.exitCode).toBe(3);
    expect(result.output).toContain("migration 0042 failed: relation exists");
    expect(result.output).toContain("BackoffLimitExceeded");
  });

  it("an image that cannot be pulled fails with ImagePullBackOff; fixed, the retry converges", async () => {
    sim.faults.pullFailures.add(v1.artifact!);
    const error = await failure(p.startStandby(spec(v1)));
    expect(error.message).toMatch(
      new RegExp(`^Environment "${environment}": Deployment slipway-${environment}/portal-blue did not become ready \\(0/2 pods ready\\): ImagePullBackOff — pod portal-blue-\\S+: ImagePullBackOff — the image cannot be pulled`),
    );
    sim.faults.pullFailures.delete(v1.artifact!);
    const slot = await p.startStandby(spec(v1));
    expect(slot.instances.every((i) => i.running)).toBe(true);
  });

  it("a crash loop fails with CrashLoopBackOff and the restart count", async () => {
    const crashing = simBuild(sim, "portal", "6.6.6");
    sim.faults.crashing.add(crashing.artifact!);
    const error = await failure(p.startStandby(spec(crashing)));
    expect(error.message).toMatch(/CrashLoopBackOff — the container keeps exiting \(\d+ restarts; see its log\)/);
  });

  it("no room in the cluster: ProgressDeadlineExceeded with the scheduler's reason", async () => {
    sim.faults.insufficientResources = true;
    sim.kubelet.msPerSecond = 0.5; // the 600 s deadline passes in 300 ms
    try {
      const error = await failure(p.startStandby(spec(v1)));
      expect(error.message).toContain("ProgressDeadlineExceeded — ReplicaSet");
      expect(error.message).toContain("Unschedulable — cannot be scheduled (not enough cluster resources?): 0/3 nodes are available: 3 Insufficient cpu");
    } finally {
      sim.faults.insufficientResources = false;
      sim.kubelet.msPerSecond = 10;
    }
  });

  it("retries transient API answers (409, 429, 500); gives up with the reason when they persist", async () => {
    sim.faults.api.push({ status: 500, times: 1, method: "PATCH" }, { status: 409, times: 1, method: "PATCH" }, { status: 429, times: 1, method: "GET" });
    await p.ensureActive(spec(v1));
    expect(sim.faults.api.every((f) => f.times === 0)).toBe(true);
    sim.faults.api.push({ status: 429, times: 50 });
    const error = await failure(p.status(environment, "portal"));
    expect(error.message).toContain("TooManyRequests: Too many requests, please try again later.");
  });
});

describe("drift and adoption", () => {
  it("a hand-edited image or replica count is drift; ensureActive takes it back", async () => {
    await p.ensureActive(spec(v1));
    const recorded = { buildId: v1.buildId, releaseId: v1.releaseId, version: v1.version, digest: v1.digest };
    expect(driftOf(recorded, await p.status(environment, "portal"))).toBeNull();
    sim.edit("apps/v1", "deployments", namespaceOf(environment), "portal-blue", (d) => {
      (d.spec as { replicas: number }).replicas = 1;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(driftOf(recorded, await p.status(environment, "portal"))).toMatchObject({ kind: "instances-down", message: "1 of 2 instances not running" });
    await p.ensureActive(spec(v1)); // adoption re-applies what Slipway recorded, taking the field back from the hand edit
    expect(driftOf(recorded, await p.status(environment, "portal"))).toBeNull();
    const other = `sha256:${"e".repeat(64)}`;
    sim.edit("apps/v1", "deployments", namespaceOf(environment), "portal-blue", (d) => {
      (d.spec as { template: { spec: { containers: { image: string }[] } } }).template.spec.containers[0]!.image = `registry.example.com/shop/portal@${other}`;
    });
    const listed = (await p.inventory()).find((s) => s.environment === environment)!;
    expect(driftOf(recorded, listed)).toMatchObject({ kind: "other-build", message: `runs ${other.slice(0, 19)}… instead of ${v1.digest.slice(0, 19)}…` });
    const restored = await p.ensureActive(spec(v1, "readopt")); // the recorded build again, in the other slot
    expect(driftOf(recorded, restored)).toBeNull();
  });
});

describe("start-up check of slipway.yaml against the kubeconfig", () => {
  const text = "version: 1\nenvironments:\n  - name: dev\n  - name: prod\n    platform: kubernetes\n    kubernetes:\n      namespace: shop\n      context: prod-cluster\n";
  const config = {
    environments: [
      { name: "dev", platform: "local" },
      { name: "prod", platform: "kubernetes", kubernetes: { namespace: "shop", context: "prod-cluster", port: 8080 } },
    ],
  } as never;
  it("names the environment, the context and the line", () => {
    expect(kubernetesAccessProblems(text, config, sim.kubeconfig())).toEqual([
      { path: "environments[1].kubernetes.context", line: 8, column: 16, message: 'environment "prod" asks for kubeconfig context "prod-cluster", which the kubeconfig given does not have (contexts: "sim")' },
    ]);
    expect(kubernetesAccessProblems(text, config, sim.kubeconfig().replace(/sim/g, "prod-cluster"))).toEqual([]);
    expect(kubernetesAccessProblems(text, config, "")[0]).toMatchObject({ path: "environments[1].platform", line: 5, message: expect.stringContaining('environment "prod" runs on Kubernetes, but no kubeconfig was found') });
  });
});
