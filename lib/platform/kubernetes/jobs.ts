import type { JobResult, JobSpec } from "../types";
import { PlatformError } from "../types";
import type { KubeObjectLike } from "./client";
import type { ResolvedTarget } from "./clusters";
import { podProblem, type PodJson } from "./conditions";
import { jobName, jobObjects } from "./objects";

/** Output kept of a job's log (the local platform keeps the same). */
export const JOB_OUTPUT_LIMIT = 64 * 1024;

interface JobJson {
  metadata: { name: string };
  status?: { startTime?: string; completionTime?: string; conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs a job exactly once as a Kubernetes Job: its name is derived from the deployment
 * (`reference`) and the job, so a retry finds the Job already there and waits for it instead of
 * starting another. Output is the pod's log; the exit status is the container's exit code
 * (Job `Complete` → 0). A Job that has not finished within `timeoutMs` fails the step with a
 * PlatformError naming the environment, the Job and what its pod is doing; the Job stays (its
 * `activeDeadlineSeconds` stops it on the cluster).
 */
export async function runKubernetesJob(target: ResolvedTarget, job: JobSpec, options: { pollMs: number; timeoutMs: number }): Promise<JobResult> {
  const { client, environment, namespace } = target;
  const name = jobName(job);
  const header = { apiVersion: "batch/v1", kind: "Job", metadata: { name, namespace } };
  const started = Date.now();
  if (!(await client.read(environment, header))) {
    for (const object of jobObjects(target, { ...job, timeoutMs: job.timeoutMs ?? options.timeoutMs })) await client.apply(environment, object);
  }
  const deadline = started + options.timeoutMs;
  for (;;) {
    const current = await client.read<KubeObjectLike & JobJson>(environment, header);
    if (!current) throw new PlatformError(`Environment "${environment}": Job ${namespace}/${name} disappeared while it ran (deleted by hand?)`);
    const finished = current.status?.conditions?.find((c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True");
    const [pod] = await client.list<KubeObjectLike & PodJson>(environment, "v1", "Pod", `job-name=${name}`, namespace);
    if (finished) {
      const output = pod ? await client.podLog(environment, namespace, pod.metadata.name).catch((e: Error) => `(the pod's log could not be read: ${e.message})\n`) : `(no pod left: ${finished.reason ?? finished.type})\n`;
      const terminated = (pod?.status?.containerStatuses ?? [])[0]?.state?.terminated;
      const exitCode = finished.type === "Complete" ? 0 : (terminated?.exitCode ?? 1) || 1;
      const reason = finished.type === "Failed" ? `\n(Job ${name}: ${finished.reason ?? "Failed"}${finished.message ? ` — ${finished.message}` : ""})\n` : "";
      const from = current.status?.startTime ? Date.parse(current.status.startTime) : started;
      const to = current.status?.completionTime ? Date.parse(current.status.completionTime) : Date.now();
      return { exitCode, output: (output + reason).slice(-JOB_OUTPUT_LIMIT), durationMs: Math.max(0, to - from) };
    }
    if (Date.now() > deadline) {
      const problem = pod ? podProblem(pod) : null;
      const doing = pod ? `pod ${pod.metadata.name} is ${pod.status?.phase ?? "Pending"}${problem && problem.reason !== pod.status?.phase ? ` (${problem.reason}: ${problem.message})` : ""}` : "no pod was created";
      throw new PlatformError(`Environment "${environment}": Job ${namespace}/${name} (${job.job}) did not finish within ${Math.round(options.timeoutMs / 1000)} s: ${doing}`);
    }
    await sleep(options.pollMs);
  }
}
