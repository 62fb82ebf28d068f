import { createHash } from "node:crypto";
import { RESOURCE_TYPES, type KubeObject, type ResourceType, type SimStore } from "./sim-store";

/**
 * The simulated cluster's controllers and kubelet (tests only): one `tick` moves Deployments and
 * Jobs through the status conditions a real cluster reports (pods created and made ready,
 * `Progressing`/`Available`, `ProgressDeadlineExceeded`, Job `Complete`/`Failed`) and applies the
 * fault switches (image pull failure, crash loop, insufficient resources, a Job that hangs).
 */

/** What a container image does when it runs: its health answer and the jobs it knows. */
export interface SimImage {
  app: string;
  version: string;
  commit: string;
  /** Job name → exit code and output. A job not listed exits 127 ("unknown process type"). */
  jobs: Record<string, { exitCode: number; output: string }>;
}

export interface SimFaults {
  /** Images whose pull fails: pods stay Pending with ImagePullBackOff. */
  pullFailures: Set<string>;
  /** Images whose container exits at once: CrashLoopBackOff with a growing restart count. */
  crashing: Set<string>;
  /** No node has room: new pods stay Pending, PodScheduled=False reason Unschedulable. */
  insufficientResources: boolean;
  /** Job names whose pod never finishes. */
  hangingJobs: Set<string>;
}

const type = (kind: string): ResourceType => RESOURCE_TYPES.find((t) => t.kind === kind)!;
const POD = type("Pod");
const DEPLOYMENT = type("Deployment");
const JOB = type("Job");
const OWNER = "sim.slipway.dev/owner";

interface Container {
  name: string;
  image: string;
  env?: { name: string; value?: string }[];
}
interface PodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: { containers: Container[] };
}

function templateHash(template: unknown): string {
  return createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10);
}

function condition(type: string, status: "True" | "False", reason: string, message: string, since: string): object {
  return { type, status, reason, message, lastUpdateTime: since, lastTransitionTime: since };
}

export class SimKubelet {
  /** Pod key → its log. */
  readonly logs = new Map<string, string>();
  /** Simulated milliseconds per second of `progressDeadlineSeconds` (tests keep deadlines short). */
  msPerSecond = 10;
  private podSerial = 0;
  private progressSince = new Map<string, { generation: number; since: number }>();

  constructor(
    private readonly store: SimStore,
    readonly images: Map<string, SimImage>,
    readonly faults: SimFaults,
  ) {}

  podKey(namespace: string, name: string): string {
    return `${namespace}/${name}`;
  }

  tick(): void {
    for (const deployment of this.store.list(DEPLOYMENT, undefined)) this.reconcileDeployment(deployment);
    for (const job of this.store.list(JOB, undefined)) this.reconcileJob(job);
    this.collectOrphans();
  }

  private newPod(owner: KubeObject, template: PodTemplate, hash: string): KubeObject {
    const name = `${owner.metadata.name}-${hash.slice(0, 5)}-${(++this.podSerial).toString(36).padStart(5, "0")}`;
    const pod: KubeObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: owner.metadata.namespace!, labels: { ...template.metadata?.labels, [OWNER]: `${owner.kind}.${owner.metadata.name}`, "pod-template-hash": hash } },
      spec: template.spec,
      status: { phase: "Pending", conditions: [] },
    };
    this.store.put(POD, pod);
    return pod;
  }

  /** The status a pod of `image` reaches on this tick, given the faults. */
  private runPod(pod: KubeObject, image: string, asJob: string | null): void {
    const status = pod.status as { phase: string; podIP?: string; startTime?: string; conditions: object[]; containerStatuses?: object[] };
    const now = new Date().toISOString();
    const key = this.podKey(pod.metadata.namespace!, pod.metadata.name);
    const containerName = (pod.spec as PodTemplate["spec"]).containers[0]?.name ?? "app";
    if (this.faults.insufficientResources && !status.podIP) {
      pod.status = {
        phase: "Pending",
        conditions: [condition("PodScheduled", "False", "Unschedulable", "0/3 nodes are available: 3 Insufficient cpu, 3 Insufficient memory. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", now)],
      };
      return;
    }
    status.podIP ??= `10.244.${(this.podSerial >> 8) & 255}.${this.podSerial & 255}`;
    status.startTime ??= now;
    if (this.faults.pullFailures.has(image) || !this.images.has(image)) {
      const known = this.images.has(image);
      pod.status = {
        ...status,
        phase: "Pending",
        conditions: [condition("PodScheduled", "True", "", "", now), condition("Ready", "False", "ContainersNotReady", "containers with unready status: [" + containerName + "]", now)],
        containerStatuses: [
          {
            name: containerName,
            image,
            ready: false,
            restartCount: 0,
            state: { waiting: { reason: "ImagePullBackOff", message: `Back-off pulling image "${image}": ${known ? "unauthorized: authentication required" : "manifest unknown"}` } },
          },
        ],
      };
      return;
    }
    if (asJob !== null) {
      const behaviour = this.images.get(image)!.jobs[asJob] ?? { exitCode: 127, output: `unknown process type "${asJob}"\n` };
      const finished = status.phase === "Running" && !this.faults.hangingJobs.has(asJob);
      if (status.phase === "Succeeded" || status.phase === "Failed") return;
      if (!finished) {
        pod.status = { ...status, phase: "Running", containerStatuses: [{ name: containerName, image, ready: true, restartCount: 0, state: { running: { startedAt: now } } }] };
        this.logs.set(key, this.faults.hangingJobs.has(asJob) ? `${asJob}: waiting for a lock…\n` : "");
        return;
      }
      pod.status = {
        ...status,
        phase: behaviour.exitCode === 0 ? "Succeeded" : "Failed",
        containerStatuses: [{ name: containerName, image, ready: false, restartCount: 0, state: { terminated: { exitCode: behaviour.exitCode, reason: behaviour.exitCode === 0 ? "Completed" : "Error", finishedAt: now } } }],
      };
      this.logs.set(key, behaviour.output);
      return;
    }
    if (this.faults.crashing.has(image)) {
      const previous = (status.containerStatuses?.[0] as { restartCount?: number } | undefined)?.restartCount ?? 0;
      pod.status = {
        ...status,
        phase: "Running",
        conditions: [condition("PodScheduled", "True", "", "", now), condition("Ready", "False", "ContainersNotReady", `containers with unready status: [${containerName}]`, now)],
        containerStatuses: [
          {
            name: containerName,
            image,
            ready: false,
            restartCount: previous + 1,
            state: { waiting: { reason: "CrashLoopBackOff", message: `back-off 40s restarting failed container=${containerName} pod=${pod.metadata.name}` } },
            lastState: { terminated: { exitCode: 1, reason: "Error" } },
          },
        ],
      };
      this.logs.set(key, "Error: connect ECONNREFUSED 10.0.0.12:5432\n");
      return;
    }
    const image_ = this.images.get(image)!;
    pod.status = {
      ...status,
      phase: "Running",
      conditions: [condition("PodScheduled", "True", "", "", now), condition("Ready", "True", "", "", now)],
      containerStatuses: [{ name: containerName, image, ready: true, restartCount: 0, started: true, state: { running: { startedAt: status.startTime } } }],
    };
    if (!this.logs.has(key)) this.logs.set(key, `${image_.app} ${image_.version} listening on :8080\n`);
  }

  private ownedPods(owner: KubeObject): KubeObject[] {
    return this.store.list(POD, owner.metadata.namespace, `${OWNER}=${owner.kind}.${owner.metadata.name}`);
  }

  private reconcileDeployment(deployment: KubeObject): void {
    const spec = deployment.spec as { replicas?: number; template: PodTemplate; progressDeadlineSeconds?: number };
    const replicas = spec.replicas ?? 1;
    const hash = templateHash(spec.template);
    const image = spec.template.spec.containers[0]?.image ?? "";
    let pods = this.ownedPods(deployment);
    for (const pod of pods) {
      if (pod.metadata.labels?.["pod-template-hash"] !== hash) this.deletePod(pod);
    }
    pods = pods.filter((p) => p.metadata.labels?.["pod-template-hash"] === hash);
    for (const pod of pods.slice(replicas)) this.deletePod(pod);
    pods = pods.slice(0, replicas);
    while (pods.length < replicas) pods.push(this.newPod(deployment, spec.template, hash));
    for (const pod of pods) this.runPod(pod, image, null);
    const ready = pods.filter((p) => (p.status as { conditions?: { type: string; status: string }[] }).conditions?.some((c) => c.type === "Ready" && c.status === "True")).length;
    const generation = deployment.metadata.generation ?? 1;
    const key = `${deployment.metadata.namespace}/${deployment.metadata.name}`;
    const tracked = this.progressSince.get(key);
    if (!tracked || tracked.generation !== generation || ready === replicas) this.progressSince.set(key, { generation, since: Date.now() });
    const now = new Date().toISOString();
    const rsName = `${deployment.metadata.name}-${hash.slice(0, 10)}`;
    const overdue = ready < replicas && Date.now() - this.progressSince.get(key)!.since > (spec.progressDeadlineSeconds ?? 600) * this.msPerSecond;
    const progressing =
      ready === replicas
        ? condition("Progressing", "True", "NewReplicaSetAvailable", `ReplicaSet "${rsName}" has successfully progressed.`, now)
        : overdue
          ? condition("Progressing", "False", "ProgressDeadlineExceeded", `ReplicaSet "${rsName}" has timed out progressing.`, now)
          : condition("Progressing", "True", "ReplicaSetUpdated", `ReplicaSet "${rsName}" is progressing.`, now);
    const available =
      ready >= replicas
        ? condition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now)
        : condition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now);
    deployment.status = {
      observedGeneration: generation,
      replicas: pods.length,
      updatedReplicas: pods.length,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(replicas - ready > 0 ? { unavailableReplicas: replicas - ready } : {}),
      conditions: [available, progressing],
    };
  }

  private reconcileJob(job: KubeObject): void {
    const spec = job.spec as { template: PodTemplate };
    const status = (job.status ?? {}) as { succeeded?: number; failed?: number; conditions?: object[] };
    if (status.conditions?.length) return; // finished: Complete or Failed
    const name = job.metadata.labels?.["slipway.dev/job"] ?? "";
    let [pod] = this.ownedPods(job);
    if (!pod) pod = this.newPod(job, { ...spec.template, metadata: { labels: { ...spec.template.metadata?.labels, "job-name": job.metadata.name } } }, templateHash(spec.template));
    this.runPod(pod, spec.template.spec.containers[0]?.image ?? "", name);
    const phase = (pod.status as { phase: string }).phase;
    const now = new Date().toISOString();
    if (phase === "Succeeded")
      job.status = {
        startTime: now,
        completionTime: now,
        succeeded: 1,
        conditions: [condition("SuccessCriteriaMet", "True", "CompletionsReached", "Reached expected number of succeeded pods", now), condition("Complete", "True", "CompletionsReached", "Reached expected number of succeeded pods", now)],
      };
    else if (phase === "Failed")
      job.status = {
        startTime: now,
        failed: 1,
        conditions: [condition("FailureTarget", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now), condition("Failed", "True", "BackoffLimitExceeded", "Job has reached the specified backoff limit", now)],
      };
    else job.status = { startTime: now, active: 1, ...(phase === "Running" ? { ready: 1 } : {}) };
  }

  private deletePod(pod: KubeObject): void {
    this.store.delete(POD, pod.metadata.namespace, pod.metadata.name);
    this.logs.delete(this.podKey(pod.metadata.namespace!, pod.metadata.name));
  }

  /** Garbage collection: pods whose Deployment or Job is gone. */
  private collectOrphans(): void {
    for (const pod of this.store.list(POD, undefined)) {
      const owner = pod.metadata.labels?.[OWNER];
      if (!owner) continue;
      const [kind, ...rest] = owner.split(".");
      if (!this.store.get(kind === "Job" ? JOB : DEPLOYMENT, pod.metadata.namespace, rest.join("."))) this.deletePod(pod);
    }
  }
}
