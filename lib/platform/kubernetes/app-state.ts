import type { InstanceHealth, SlotStatus } from "../types";
import type { KubeClient, KubeObjectLike } from "./client";
import type { DeploymentJson, PodJson } from "./conditions";
import { podProblem, podReady } from "./conditions";
import { A, L, SLOTS, dnsName, imageDigest, other, routingFrom, type EnvironmentTarget, type Routing, type Slot } from "./objects";

/**
 * One app of one environment as the cluster has it: its Service's routing annotations, its
 * Deployments by slot and process type, and their pods. Everything the adapter knows is read
 * from here (labels and annotations), so a restarted Slipway sees exactly what the last one did.
 */
export interface AppState {
  target: EnvironmentTarget;
  app: string;
  service: KubeObjectLike | null;
  routing: Routing;
  /** `${slot}/${process}` → Deployment. */
  deployments: Map<string, KubeObjectLike & DeploymentJson>;
  pods: (KubeObjectLike & PodJson)[];
}

export const selectorOf = (target: EnvironmentTarget, app?: string) => `${L.managedBy}=slipway,${L.environment}=${target.environment}${app ? `,${L.app}=${app}` : ""}`;

export async function readApp(client: KubeClient, target: EnvironmentTarget, app: string): Promise<AppState> {
  const selector = selectorOf(target, app);
  const [service, deployments, pods] = await Promise.all([
    client.read<KubeObjectLike>(target.environment, { apiVersion: "v1", kind: "Service", metadata: { name: dnsName(app), namespace: target.namespace } }),
    client.list<KubeObjectLike & DeploymentJson>(target.environment, "apps/v1", "Deployment", selector, target.namespace),
    client.list<KubeObjectLike & PodJson>(target.environment, "v1", "Pod", `${selector},${L.process}`, target.namespace),
  ]);
  const bySlot = new Map<string, KubeObjectLike & DeploymentJson>();
  for (const d of deployments) {
    const slot = d.metadata.labels?.[L.slot];
    const process = d.metadata.labels?.[L.process];
    if (slot && process) bySlot.set(`${slot}/${process}`, d);
  }
  return { target, app, service, routing: routingFrom(service?.metadata.annotations), deployments: bySlot, pods };
}

export const webOf = (state: AppState, slot: Slot | null) => (slot ? (state.deployments.get(`${slot}/web`) ?? null) : null);

/** The slot a new release goes into: the one the Service does not select (the first free one when nothing is live). */
export function standbySlot(state: AppState): Slot {
  if (state.routing.live) return other(state.routing.live);
  return webOf(state, "green") && !webOf(state, "blue") ? "green" : "blue";
}

/** Every Deployment (web and workers) of a slot. */
export function slotDeployments(state: AppState, slot: Slot): (KubeObjectLike & DeploymentJson)[] {
  return [...state.deployments.entries()].filter(([key]) => key.startsWith(`${slot}/`)).map(([, d]) => d);
}

export function podsOf(state: AppState, slot: Slot, process = "web"): (KubeObjectLike & PodJson)[] {
  return state.pods.filter((p) => p.metadata.labels?.[L.slot] === slot && p.metadata.labels?.[L.process] === process);
}

function containerImage(d: DeploymentJson & KubeObjectLike): string {
  const spec = d.spec as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
  return spec?.template?.spec?.containers?.[0]?.image ?? "";
}

/**
 * A slot as SlotStatus. The digest is read from the image the Deployment runs now (a hand-edited
 * image shows as another digest: drift); the instance count is the larger of the replicas Slipway
 * asked for and the pods that exist, so missing pods show as instances not running.
 */
export function slotStatus(state: AppState, slot: Slot | null): SlotStatus | null {
  const web = webOf(state, slot);
  if (!web || !slot) return null;
  const a = web.metadata.annotations ?? {};
  const pods = podsOf(state, slot);
  const asked = Number(a[A.instances] ?? web.spec?.replicas ?? 0);
  const desired = Math.max(asked, web.spec?.replicas ?? 0) === 0 ? 0 : asked;
  const instances = pods.map((pod) => ({ id: pod.metadata.name, address: pod.status?.podIP ? `http://${pod.status.podIP}:${state.target.config.port}` : "", running: podReady(pod) }));
  for (let i = instances.length; i < desired; i++) instances.push({ id: `${web.metadata.name}-missing-${i + 1}`, address: "", running: false });
  return {
    reference: a[A.reference] ?? "",
    buildId: a[A.buildId] ?? "",
    releaseId: web.metadata.labels?.[L.release] ?? "",
    digest: imageDigest(containerImage(web)),
    version: a[A.version] ?? "",
    startedAt: a[A.startedAt] ?? web.metadata.creationTimestamp?.toString() ?? "",
    instances,
  };
}

/** Live slot when its web Deployment exists; else null. */
export function liveSlot(state: AppState): Slot | null {
  return state.routing.live && webOf(state, state.routing.live) ? state.routing.live : null;
}

/** The slot answering for `which` ("active" or "standby"), or null. */
export function slotFor(state: AppState, which: "active" | "standby"): Slot | null {
  if (which === "active") return liveSlot(state);
  const slot = standbySlot(state);
  return webOf(state, slot) ? slot : null;
}

export const ALL_SLOTS = SLOTS;

/** One pod's health: not ready → unhealthy with the pod's own reason; ready → its health endpoint through the API server's pod proxy. */
export async function podHealth(client: KubeClient, target: EnvironmentTarget, pod: PodJson, healthPath: string): Promise<InstanceHealth> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  const problem = podProblem(pod);
  if (problem) return { instance: pod.metadata.name, status: "unhealthy", error: `${problem.reason}: ${problem.message}`, latencyMs: 0 };
  const answer = await client.podGet(target.environment, target.namespace, pod.metadata.name, target.config.port, healthPath);
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(answer.body);
    if (parsed && typeof parsed === "object") body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON: judged by the status code alone, as probeHealth does.
  }
  const text = (value: unknown) => (typeof value === "string" ? value : undefined);
  const reported = text(body.status);
  const ok = reported === undefined ? answer.status >= 200 && answer.status < 300 : answer.status === 200 && (reported === "healthy" || reported === "degraded");
  const status = ok ? (reported === "degraded" ? "degraded" : "healthy") : "unhealthy";
  return {
    instance: pod.metadata.name,
    status,
    app: text(body.app),
    version: text(body.version),
    commit: text(body.commit),
    environment: text(body.environment),
    checks: body.checks,
    httpStatus: answer.status || undefined,
    error: status === "unhealthy" ? (answer.status ? `HTTP ${answer.status}${reported ? `, status "${reported}"` : ""}: ${text(body.message) ?? ""}`.trim() : answer.body) : undefined,
    latencyMs: latencyMs(),
  };
}

/**
 * An object as it can be applied again: server-managed metadata, status, and annotations other
 * controllers write (`deployment.kubernetes.io/revision`, `kubectl.kubernetes.io/…`) left out, so
 * Slipway never takes ownership of them.
 */
export function reapplyable(object: KubeObjectLike): KubeObjectLike {
  const { status: _status, metadata, ...rest } = object;
  const annotations = Object.fromEntries(Object.entries(metadata.annotations ?? {}).filter(([key]) => key.startsWith("slipway.dev/")));
  return { ...rest, metadata: { name: metadata.name, namespace: metadata.namespace, labels: metadata.labels, annotations } } as KubeObjectLike;
}
