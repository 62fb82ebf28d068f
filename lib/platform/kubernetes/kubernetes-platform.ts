import type { Strategy } from "@/db/schema/enums";
import type { KubernetesEnvironmentConfig } from "@/lib/config/kubernetes-schema";
import type { PlatformAssignment } from "../registry";
import { PlatformError, type AppSpec, type AppStatus, type ArtifactRef, type InstanceHealth, type InstanceInfo, type InstanceLog, type JobResult, type JobSpec, type PlatformAdapter, type SlotStatus } from "../types";
import { ALL_SLOTS, liveSlot, podHealth, podsOf, readApp, reapplyable, selectorOf, slotDeployments, slotFor, slotStatus, standbySlot, webOf, type AppState } from "./app-state";
import type { KubeObjectLike } from "./client";
import { Clusters, type ClusterOptions, type ResolvedTarget } from "./clusters";
import { podBackOff, podRestarts, podRunning, rolloutState, type DeploymentJson, type PodJson } from "./conditions";
import { runKubernetesJob } from "./jobs";
import { A, L, configObjects, deploymentObject, dnsName, hostOf, httpRouteObject, ingressObject, namespaceObject, pinnedImage, serviceObject, slotServiceObject, type Routing, type Slot } from "./objects";

export interface KubernetesPlatformOptions extends ClusterOptions {
  /** How often a rollout or a Job is looked at (ms, default 2000). */
  pollMs?: number;
  /** How long a slot may take to become ready before the step fails (ms, default 15 min). */
  readyTimeoutMs?: number;
  /** How long a Job may run when its JobSpec gives no timeout (ms, default 10 min). */
  jobTimeoutMs?: number;
  /** Consecutive looks at a pod stuck in ImagePullBackOff/CrashLoopBackOff before the rollout fails (default 5). */
  stuckPolls?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** How long stopActive waits for the old slot's pods (ms): their grace period (30 s by default) and then some. */
const STOP_WAIT_MS = 120_000;

/**
 * The Kubernetes platform: each app of an environment is a Service (the stable address) and a
 * Deployment per slot (blue, green) and process type, applied with server-side apply under the
 * field manager `slipway`; jobs are Kubernetes Jobs. All state lives in the cluster's labels and
 * annotations (lib/platform/kubernetes/objects.ts), so another Slipway adopts what runs.
 * Tested against a simulated API server (./testing); see the README's "Kubernetes platform".
 */
export class KubernetesPlatform implements PlatformAdapter {
  readonly name = "kubernetes";
  readonly strategies: readonly Strategy[] = ["blue-green", "rolling", "recreate"];
  private readonly clusters: Clusters;
  private readonly pollMs: number;

  constructor(private readonly options: KubernetesPlatformOptions = {}) {
    this.clusters = new Clusters(options);
    this.pollMs = options.pollMs ?? 2000;
  }

  /** Takes the environments' `kubernetes:` sections (the registry calls it with slipway.yaml); throws PlatformError for a missing kubeconfig or context. */
  assign(config: PlatformAssignment): void {
    this.clusters.assign(config.environments, config.reviewEnvironments?.source ?? null);
  }

  /** Sets one environment's `kubernetes:` section (tests and scripts without a pipeline). */
  configure(environment: string, config: KubernetesEnvironmentConfig): void {
    this.clusters.configure(environment, config);
  }

  private target(environment: string): ResolvedTarget {
    return this.clusters.target(environment);
  }

  /** Makes sure the namespace is there: created for review environments, required for configured ones. */
  private async ensureNamespace(target: ResolvedTarget, cloneFrom?: string): Promise<void> {
    const header = { apiVersion: "v1", kind: "Namespace", metadata: { name: target.namespace } };
    if (target.ownsNamespace) {
      const existing = await target.client.read(target.environment, header);
      if (!existing || cloneFrom) await target.client.apply(target.environment, namespaceObject(target, cloneFrom));
      return;
    }
    if (!(await target.client.read(target.environment, header))) {
      throw new PlatformError(`Environment "${target.environment}": namespace "${target.namespace}" does not exist (kubernetes.namespace in slipway.yaml); create it, Slipway does not create the namespaces it is given`, true);
    }
  }

  /** The namespace (cloning `cloneFrom`'s, see ensureNamespace); app data is the apps' own concern on a cluster, so `apps` changes nothing here. */
  async provision(environment: string, options: { cloneFrom?: string; apps?: readonly string[] } = {}): Promise<void> {
    await this.ensureNamespace(this.target(environment), options.cloneFrom);
  }

  private async applyRouting(state: AppState, routing: Routing): Promise<void> {
    const { target } = state;
    const client = (target as ResolvedTarget).client;
    const current = state.service ? { ...routing, lastRequestAt: state.routing.lastRequestAt } : routing;
    await client.apply(target.environment, serviceObject(target, state.app, current));
    if (target.config.gateway) {
      for (const slot of ALL_SLOTS) await client.apply(target.environment, slotServiceObject(target, state.app, slot));
    }
    const route = httpRouteObject(target, state.app, current) ?? ingressObject(target, state.app);
    if (route) await client.apply(target.environment, route);
  }

  /** Polls the Deployments of `slot` until every one is ready; throws PlatformError with the reason when one fails or time runs out. */
  private async waitReady(target: ResolvedTarget, app: string, slot: Slot): Promise<AppState> {
    const deadline = Date.now() + (this.options.readyTimeoutMs ?? 15 * 60_000);
    const stuck = new Map<string, number>();
    for (;;) {
      const state = await readApp(target.client, target, app);
      const deployments = slotDeployments(state, slot);
      let allReady = deployments.length > 0;
      let last = "";
      for (const d of deployments) {
        const process = d.metadata.labels?.[L.process] ?? "web";
        const seen = stuck.get(d.metadata.name) ?? 0;
        const rollout = rolloutState(d as DeploymentJson, podsOf(state, slot, process) as PodJson[], seen, this.options.stuckPolls ?? 5);
        stuck.set(d.metadata.name, rollout.stuck ? seen + 1 : 0);
        if (rollout.state === "failed") {
          throw new PlatformError(`Environment "${target.environment}": Deployment ${target.namespace}/${d.metadata.name} did not become ready (${rollout.ready}/${rollout.desired} pods ready): ${rollout.reason} — ${rollout.message}`, true);
        }
        if (rollout.state === "progressing") {
          allReady = false;
          last = `Deployment ${target.namespace}/${d.metadata.name}: ${rollout.ready}/${rollout.desired} ready, ${rollout.detail}`;
        }
      }
      if (allReady) return state;
      if (Date.now() > deadline) throw new PlatformError(`Environment "${target.environment}": ${last || `slot ${slot} of ${app} has no Deployment`} — not ready within ${Math.round((this.options.readyTimeoutMs ?? 900_000) / 1000)} s`);
      await sleep(this.pollMs);
    }
  }

  /** Applies the config, web and worker Deployments of `spec` into `slot` with `replicas` web pods; removes workers the spec no longer has. */
  private async applySlot(target: ResolvedTarget, state: AppState, spec: AppSpec, slot: Slot, startedAt: string): Promise<void> {
    for (const object of configObjects(target, spec, slot)) await target.client.apply(target.environment, object);
    const workers = Object.entries(spec.workers ?? {}).filter(([, count]) => count > 0);
    await target.client.apply(target.environment, deploymentObject(target, spec, slot, "web", spec.instances, startedAt));
    for (const [process, count] of workers) await target.client.apply(target.environment, deploymentObject(target, spec, slot, process, count, startedAt));
    for (const d of slotDeployments(state, slot)) {
      const process = d.metadata.labels?.[L.process];
      if (process && process !== "web" && !workers.some(([name]) => name === process)) await target.client.delete(target.environment, d);
    }
  }

  async startStandby(spec: AppSpec): Promise<SlotStatus> {
    const target = this.target(spec.environment);
    pinnedImage(spec.environment, spec.build); // refused before anything is created
    await this.ensureNamespace(target);
    const state = await readApp(target.client, target, spec.app);
    const slot = standbySlot(state);
    const existing = webOf(state, slot);
    const a = existing?.metadata.annotations ?? {};
    const same = existing && a[A.buildId] === spec.build.buildId && a[A.reference] === spec.reference && (existing.spec as { replicas?: number }).replicas === spec.instances;
    if (!state.service) await this.applyRouting(state, state.routing); // the stable address exists from the first slot on, serving nothing yet
    if (!same) {
      this.options.log?.(`${spec.environment}/${spec.app}: ${spec.build.version} into slot ${slot} (${spec.reference})`);
      await this.applySlot(target, state, spec, slot, new Date().toISOString());
    }
    return slotStatus(await this.waitReady(target, spec.app, slot), slot)!;
  }

  async health(environment: string, app: string, which: "active" | "standby", healthPath: string): Promise<InstanceHealth[]> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    if (state.routing.asleep) return [];
    const slot = slotFor(state, which);
    if (!slot) return [];
    return Promise.all(podsOf(state, slot).map((pod) => podHealth(target.client, target, pod as PodJson, healthPath)));
  }

  private async standbyOrThrow(environment: string, app: string, action: string): Promise<{ state: AppState; slot: Slot }> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    const slot = slotFor(state, "standby");
    const web = webOf(state, slot);
    if (!slot || !web || ((web.spec as { replicas?: number }).replicas ?? 0) === 0) throw new PlatformError(`Environment "${environment}": cannot ${action} ${app}: no standby slot runs`, true);
    return { state, slot };
  }

  async switchTraffic(environment: string, app: string): Promise<void> {
    const { state, slot } = await this.standbyOrThrow(environment, app, "switch traffic of");
    await this.applyRouting(state, { ...state.routing, live: slot, standbyShare: 0 });
  }

  async shiftTraffic(environment: string, app: string, standbyPercent: number): Promise<void> {
    if (!Number.isInteger(standbyPercent) || standbyPercent < 0 || standbyPercent > 100) throw new PlatformError(`standbyPercent must be an integer 0–100, got ${standbyPercent}`, true);
    const { state } = await this.standbyOrThrow(environment, app, "shift traffic of");
    await this.applyRouting(state, { ...state.routing, live: state.routing.live ?? liveSlot(state), standbyShare: standbyPercent });
  }

  private async removeSlot(target: ResolvedTarget, state: AppState, slot: Slot): Promise<void> {
    const deployments = slotDeployments(state, slot).sort((a, b) => (a.metadata.labels?.[L.process] === "web" ? 1 : 0) - (b.metadata.labels?.[L.process] === "web" ? 1 : 0)); // workers first
    for (const d of deployments) await target.client.delete(target.environment, d);
    for (const kind of ["ConfigMap", "Secret"]) await target.client.delete(target.environment, { apiVersion: "v1", kind, metadata: { name: dnsName(state.app, slot, "config"), namespace: target.namespace } });
  }

  async stopStandby(environment: string, app: string): Promise<void> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    const slot = slotFor(state, "standby");
    if (!slot) return;
    if (state.routing.standbyShare > 0) await this.applyRouting(state, { ...state.routing, standbyShare: 0 });
    await this.removeSlot(target, state, slot);
  }

  /**
   * Stops the live slot and returns once its pods are gone, as Kubernetes' own Recreate strategy
   * kills every old pod before creating new ones: deleting a Deployment leaves its pods to the
   * garbage collector (background propagation), and the next step (migrations, then the new
   * release) must not overlap them. The slot is the Service's `live` one, which this does not
   * change, so a retried or resumed step still waits for what an earlier attempt deleted. A pod
   * stuck terminating (an unreachable node, a finalizer) is not waited for past STOP_WAIT_MS —
   * well under the controller's stuck-deployment cut-off: it is logged and the rollout goes on,
   * as it did before this wait.
   */
  async stopActive(environment: string, app: string): Promise<void> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    const slot = state.routing.live;
    if (!slot) return;
    await this.removeSlot(target, state, slot);
    const deadline = Date.now() + Math.min(this.options.readyTimeoutMs ?? STOP_WAIT_MS, STOP_WAIT_MS);
    for (;;) {
      const left = (await readApp(target.client, target, app)).pods.filter((p) => p.metadata.labels?.[L.slot] === slot);
      if (!left.length) return;
      if (Date.now() > deadline) {
        this.options.log?.(`${environment}/${app}: ${left.length} pod(s) of slot ${slot} still terminating after ${STOP_WAIT_MS / 1000} s; going on`);
        return;
      }
      await sleep(this.pollMs);
    }
  }

  async rollback(environment: string, app: string, to: ArtifactRef): Promise<"switched" | "not-warm"> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    const live = slotStatus(state, liveSlot(state));
    if (live?.buildId === to.buildId && state.routing.standbyShare === 0) return "switched"; // a retry: already back
    const standby = slotStatus(state, slotFor(state, "standby"));
    if (!standby || standby.buildId !== to.buildId || standby.instances.length === 0) return "not-warm";
    await this.switchTraffic(environment, app);
    return "switched";
  }

  async setMaintenance(environment: string, app: string, closed: boolean, retryAfterSeconds = 60): Promise<void> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    if (!state.service && !closed) return;
    await this.ensureNamespace(target);
    await this.applyRouting(state, { ...state.routing, maintenance: closed, retryAfterSeconds });
  }

  async runJob(job: JobSpec): Promise<JobResult> {
    const target = this.target(job.environment);
    pinnedImage(job.environment, job.build);
    await this.ensureNamespace(target);
    return runKubernetesJob(target, job, { pollMs: this.pollMs, timeoutMs: job.timeoutMs ?? this.options.jobTimeoutMs ?? 10 * 60_000 });
  }

  private statusOf(state: AppState): AppStatus | null {
    if (!state.service && state.deployments.size === 0) return null;
    const host = hostOf(state.target, state.app);
    const asleep = state.routing.asleep;
    return {
      environment: state.target.environment,
      app: state.app,
      url: host ? `https://${host}` : `http://${dnsName(state.app)}.${state.target.namespace}.svc.cluster.local`,
      active: asleep ? null : slotStatus(state, liveSlot(state)),
      standby: asleep ? null : slotStatus(state, slotFor(state, "standby")),
      maintenance: state.routing.maintenance,
      standbyShare: state.routing.standbyShare,
      asleep,
      lastRequestAt: state.routing.lastRequestAt,
    };
  }

  async status(environment: string, app: string): Promise<AppStatus | null> {
    const target = this.target(environment);
    return this.statusOf(await readApp(target.client, target, app));
  }

  async instances(environment: string, app: string): Promise<InstanceInfo[]> {
    const target = this.target(environment);
    const state = await readApp(target.client, target, app);
    const live = liveSlot(state);
    return state.pods.map((pod) => {
      const p = pod as PodJson;
      const process = p.metadata.labels?.[L.process] ?? "web";
      const d = state.deployments.get(`${p.metadata.labels?.[L.slot]}/${process}`);
      return {
        id: p.metadata.name,
        slot: p.metadata.labels?.[L.slot] === live ? "active" : "standby",
        type: process,
        buildId: d?.metadata.annotations?.[A.buildId] ?? "",
        version: d?.metadata.annotations?.[A.version] ?? "",
        address: process === "web" && p.status?.podIP ? `http://${p.status.podIP}:${target.config.port}` : null,
        running: podRunning(p),
        startedAt: p.status?.startTime ?? p.metadata.creationTimestamp ?? new Date(0).toISOString(),
        restarts: podRestarts(p),
        backOff: podBackOff(p),
      };
    });
  }

  async logs(environment: string, app: string, tail: number): Promise<InstanceLog[]> {
    const target = this.target(environment);
    const infos = await this.instances(environment, app);
    return Promise.all(
      infos.map(async (i) => ({ instance: i.id, slot: i.slot, type: i.type, lines: (await target.client.podLog(environment, target.namespace, i.id, tail).catch((e: Error) => `(no log: ${e.message})`)).split("\n").filter(Boolean) })),
    );
  }

  async inventory(): Promise<AppStatus[]> {
    const found: AppStatus[] = [];
    for (const client of this.clusters.allClients()) {
      const deployments = await client.list<KubeObjectLike>("(inventory)", "apps/v1", "Deployment", `${L.managedBy}=slipway`);
      const apps = new Map<string, { environment: string; app: string; namespace: string }>();
      for (const d of deployments) {
        const environment = d.metadata.labels?.[L.environment];
        const app = d.metadata.labels?.[L.app];
        if (environment && app) apps.set(`${environment}/${app}`, { environment, app, namespace: d.metadata.namespace ?? "" });
      }
      for (const { environment, app, namespace } of apps.values()) {
        const target = this.target(environment);
        if (target.namespace !== namespace || target.client !== client) continue; // another Slipway's, or another cluster's
        const status = this.statusOf(await readApp(client, target, app));
        if (status) found.push(status);
      }
    }
    return found;
  }

  async ensureActive(spec: AppSpec): Promise<AppStatus> {
    const target = this.target(spec.environment);
    const state = await readApp(target.client, target, spec.app);
    const slot = liveSlot(state);
    const web = webOf(state, slot);
    const runs = slot && web && web.metadata.annotations?.[A.buildId] === spec.build.buildId && slotStatus(state, slot)?.digest === spec.build.digest;
    if (!runs) {
      await this.startStandby(spec);
      await this.switchTraffic(spec.environment, spec.app);
    } else if (state.routing.asleep || (web.spec as { replicas?: number }).replicas !== spec.instances) {
      await this.applySlot(target, state, spec, slot, web.metadata.annotations?.[A.startedAt] ?? new Date().toISOString()); // wake: scale back
      await this.waitReady(target, spec.app, slot);
      await this.applyRouting(await readApp(target.client, target, spec.app), { ...state.routing, live: slot, asleep: false });
    } else if (state.routing.live !== slot) {
      await this.applyRouting(state, { ...state.routing, live: slot });
    }
    return (await this.status(spec.environment, spec.app))!;
  }

  async sleep(environment: string): Promise<void> {
    const target = this.target(environment);
    const services = await target.client.list<KubeObjectLike>(environment, "v1", "Service", `${selectorOf(target)},!${L.slot}`, target.namespace);
    for (const service of services) {
      const app = service.metadata.labels?.[L.app];
      if (!app) continue;
      const state = await readApp(target.client, target, app);
      const live = liveSlot(state);
      await this.applyRouting(state, { ...state.routing, asleep: true, standbyShare: 0 });
      const standby = slotFor(state, "standby");
      if (standby) await this.removeSlot(target, state, standby);
      for (const d of live ? slotDeployments(state, live) : []) {
        const object = reapplyable(d);
        await target.client.apply(environment, { ...object, spec: { ...(object.spec as object), replicas: 0 } });
      }
    }
  }

  async destroy(environment: string): Promise<void> {
    const target = this.target(environment);
    if (target.ownsNamespace) {
      await target.client.delete(environment, { apiVersion: "v1", kind: "Namespace", metadata: { name: target.namespace } });
      return;
    }
    const kinds: [string, string][] = [
      ["apps/v1", "Deployment"],
      ["batch/v1", "Job"],
      ["v1", "Service"],
      ["v1", "ConfigMap"],
      ["v1", "Secret"],
      ["networking.k8s.io/v1", "Ingress"],
    ];
    if (target.config.gateway) kinds.push(["gateway.networking.k8s.io/v1", "HTTPRoute"]);
    for (const [apiVersion, kind] of kinds) {
      for (const object of await target.client.list<KubeObjectLike>(environment, apiVersion, kind, selectorOf(target), target.namespace)) await target.client.delete(environment, object);
    }
  }

  async dispose(): Promise<void> {}
}
