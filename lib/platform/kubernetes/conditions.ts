/**
 * Reading a rollout's state from Deployment and Pod status, as `kubectl rollout status` and the
 * runbook's troubleshooting section do: ready counts, the `Progressing`/`Available` conditions,
 * and the waiting reasons of containers (ImagePullBackOff, CrashLoopBackOff) and pods that
 * cannot be scheduled. Pure functions over the API's JSON.
 */

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
interface ContainerStatus {
  name?: string;
  ready?: boolean;
  restartCount?: number;
  state?: { running?: { startedAt?: string }; waiting?: { reason?: string; message?: string }; terminated?: { exitCode?: number; reason?: string } };
  lastState?: { terminated?: { finishedAt?: string } };
}
export interface PodJson {
  metadata: { name: string; creationTimestamp?: string; labels?: Record<string, string> };
  status?: { phase?: string; podIP?: string; startTime?: string; conditions?: Condition[]; containerStatuses?: ContainerStatus[] };
}
export interface DeploymentJson {
  metadata: { name: string; namespace?: string; generation?: number };
  spec?: { replicas?: number };
  status?: { observedGeneration?: number; replicas?: number; updatedReplicas?: number; readyReplicas?: number; availableReplicas?: number; conditions?: Condition[] };
}

/** Container waiting reasons that will not fix themselves soon. */
const STUCK = new Set(["ImagePullBackOff", "ErrImagePull", "InvalidImageName", "CrashLoopBackOff", "CreateContainerConfigError", "CreateContainerError"]);

export function podReady(pod: PodJson): boolean {
  return pod.status?.conditions?.some((c) => c.type === "Ready" && c.status === "True") ?? false;
}

export function podRestarts(pod: PodJson): number {
  return (pod.status?.containerStatuses ?? []).reduce((sum, c) => sum + (c.restartCount ?? 0), 0);
}

/**
 * Whether a pod's processes run, as the instances list says it: phase Running with no container
 * waiting. A container in CrashLoopBackOff leaves the pod's phase Running, yet it runs nothing.
 */
export function podRunning(pod: PodJson): boolean {
  return pod.status?.phase === "Running" && !(pod.status.containerStatuses ?? []).some((c) => c.state?.waiting !== undefined);
}

/**
 * The kubelet's crash-loop back-off of a pod's container, if one waits in CrashLoopBackOff: the
 * wait from its message ("back-off 40s restarting failed container=…", a Go duration such as
 * "5m0s"), and when it ends (the last exit plus that wait). Either is null when Kubernetes does not say.
 */
export function podBackOff(pod: PodJson): { seconds: number | null; until: string | null } | null {
  const container = (pod.status?.containerStatuses ?? []).find((c) => c.state?.waiting?.reason === "CrashLoopBackOff");
  if (!container) return null;
  const match = /back-off (?:(\d+)m)?(\d+)s/.exec(container.state?.waiting?.message ?? "");
  const seconds = match ? Number(match[1] ?? 0) * 60 + Number(match[2]) : null;
  const finished = Date.parse(container.lastState?.terminated?.finishedAt ?? "");
  return { seconds, until: seconds !== null && !Number.isNaN(finished) ? new Date(finished + seconds * 1000).toISOString() : null };
}

/** Why one pod is not ready, in words (reason first, then the API's message), or null when it is. */
export function podProblem(pod: PodJson): { reason: string; message: string } | null {
  if (podReady(pod)) return null;
  const unscheduled = pod.status?.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unscheduled) return { reason: unscheduled.reason ?? "Unschedulable", message: `cannot be scheduled (not enough cluster resources?): ${unscheduled.message ?? ""}`.trim() };
  for (const container of pod.status?.containerStatuses ?? []) {
    const waiting = container.state?.waiting;
    if (waiting?.reason) {
      const hint =
        waiting.reason === "CrashLoopBackOff"
          ? `the container keeps exiting (${container.restartCount ?? 0} restarts; see its log)`
          : waiting.reason.includes("Image")
            ? "the image cannot be pulled (registry access, imagePullSecrets, digest)"
            : "the container cannot start";
      return { reason: waiting.reason, message: `${hint}: ${waiting.message ?? waiting.reason}` };
    }
    if (container.state?.terminated) return { reason: container.state.terminated.reason ?? "Terminated", message: `exited with code ${container.state.terminated.exitCode ?? "?"}` };
  }
  return { reason: pod.status?.phase ?? "Pending", message: "not ready yet (readiness probe)" };
}

export type RolloutState = { state: "ready"; ready: number; desired: number } | { state: "progressing"; ready: number; desired: number; detail: string } | { state: "failed"; ready: number; desired: number; reason: string; message: string };

/**
 * Where one Deployment's rollout stands. `failed` when the Deployment reports
 * ProgressDeadlineExceeded, or a pod is stuck (image pull, crash loop) for `stuckPolls`
 * consecutive looks (`stuckSeen` counts them across calls).
 */
export function rolloutState(deployment: DeploymentJson, pods: PodJson[], stuckSeen: number, stuckPolls: number): RolloutState & { stuck: boolean } {
  const desired = deployment.spec?.replicas ?? 1;
  const status = deployment.status ?? {};
  const current = (status.observedGeneration ?? 0) >= (deployment.metadata.generation ?? 1);
  const ready = pods.filter(podReady).length;
  const problems = pods.map((pod) => ({ pod, problem: podProblem(pod) })).filter((p) => p.problem !== null);
  const stuck = problems.find((p) => STUCK.has(p.problem!.reason));
  const describe = (p: (typeof problems)[number] | undefined) => (p ? `pod ${p.pod.metadata.name}: ${p.problem!.reason} — ${p.problem!.message}` : "");
  if (current && ready >= desired && (status.readyReplicas ?? 0) >= desired && pods.length === desired) return { state: "ready", ready, desired, stuck: false };
  const progressing = status.conditions?.find((c) => c.type === "Progressing");
  if (current && progressing?.status === "False" && progressing.reason === "ProgressDeadlineExceeded") {
    const first = stuck ?? problems[0];
    return { state: "failed", ready, desired, reason: "ProgressDeadlineExceeded", message: `${progressing.message ?? "timed out progressing"}${first ? `; ${describe(first)}` : ""}`, stuck: Boolean(stuck) };
  }
  if (stuck && stuckSeen + 1 >= stuckPolls) return { state: "failed", ready, desired, reason: stuck.problem!.reason, message: describe(stuck), stuck: true };
  const first = problems[0];
  return { state: "progressing", ready, desired, detail: first ? describe(first) : current ? "waiting for pods" : "waiting for the Deployment controller", stuck: Boolean(stuck) };
}
