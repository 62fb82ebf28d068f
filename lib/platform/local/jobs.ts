import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { PlatformError, type JobResult, type JobSpec } from "../types";
import { fileSafe, type LocalPaths } from "./paths";
import { appEnvironment } from "./processes";
import type { Procfile } from "./procfile";
import { describeBuild, type ReleaseCache } from "./release-cache";

export const JOB_OUTPUT_LIMIT = 64 * 1024;
export const DEFAULT_JOB_TIMEOUT_MS = 10 * 60 * 1000;
const KILL_GRACE_MS = 3000;

export interface JobProcessInput {
  /** The Procfile command of the job, run by /bin/sh -c. */
  command: string;
  job: string;
  env: Record<string, string>;
  cwd: string;
  logPath: string;
  timeoutMs: number;
  /** Told about the child while it runs, so close()/destroy() can stop it. */
  track: (child: ChildProcess, done: Promise<unknown>) => void;
}

/**
 * The Procfile command of `job`: its own line; for `migrate` (the default migrations job), the
 * `release:` line when there is no `migrate:` one. A PlatformError (permanent) naming the job and
 * the release when the Procfile has neither.
 */
export function procfileJobCommand(procfile: Procfile, job: Pick<JobSpec, "job" | "build">): string {
  const command = procfile.get(job.job) ?? (job.job === "migrate" ? procfile.get("release") : undefined);
  if (command !== undefined) return command;
  throw new PlatformError(
    `The Procfile of ${describeBuild(job.build)}, release ${job.build.releaseId}, has no "${job.job}:" line${job.job === "migrate" ? ' (nor "release:")' : ""}: add the job to the Procfile or change the job named in slipway.yaml`,
    true,
  );
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!child.pid) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    child.kill(signal);
  }
}

/**
 * Runs the job's Procfile command once and waits for it. Output (stdout and stderr interleaved)
 * goes to the job's log file in full and into the result trimmed to its last 64 KiB. A job that
 * outlives its timeout is stopped and reported with exit code 124, as timeout(1) does.
 */
export function runJobProcess(input: JobProcessInput): Promise<JobResult> {
  fs.mkdirSync(path.dirname(input.logPath), { recursive: true });
  const log = fs.createWriteStream(input.logPath, { flags: "a" });
  log.on("error", () => {}); // a full disk must not take Slipway down; the result still has the output
  const started = performance.now();
  let output = Buffer.alloc(0);
  const collect = (chunk: Buffer) => {
    log.write(chunk);
    output = Buffer.concat([output, chunk]);
    if (output.length > JOB_OUTPUT_LIMIT * 2) output = output.subarray(output.length - JOB_OUTPUT_LIMIT);
  };

  const child = spawn("/bin/sh", ["-c", input.command], {
    detached: true, // its own process group, so a timeout stops whatever it spawned too
    stdio: ["ignore", "pipe", "pipe"],
    env: input.env as NodeJS.ProcessEnv, // complete by construction (appEnvironment), NODE_ENV included
    cwd: input.cwd,
  });
  child.stdout!.on("data", collect);
  child.stderr!.on("data", collect);

  const done = new Promise<JobResult>((resolve, reject) => {
    let timedOut = false;
    let killTimer: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child, "SIGTERM");
      killTimer = setTimeout(() => killGroup(child, "SIGKILL"), KILL_GRACE_MS);
    }, input.timeoutMs);
    child.once("error", (error) => {
      clearTimeout(timer);
      log.end();
      reject(new PlatformError(`Cannot start job ${input.job}: ${error.message}`));
    });
    child.once("close", (code, signal) => {
      clearTimeout(timer);
      clearTimeout(killTimer);
      let text = output.subarray(Math.max(0, output.length - JOB_OUTPUT_LIMIT)).toString("utf8");
      let exitCode = code ?? 128 + (signal ? (os.constants.signals[signal] ?? 0) : 0);
      if (timedOut) {
        const note = `[slipway] job ${input.job} did not finish within ${Math.round(input.timeoutMs / 1000)} s and was stopped\n`;
        log.write(note);
        text += (text.endsWith("\n") || !text ? "" : "\n") + note;
        exitCode = 124;
      }
      log.end();
      resolve({ exitCode, output: text, durationMs: Math.round(performance.now() - started) });
    });
  });
  input.track(
    child,
    done.catch(() => undefined),
  );
  return done;
}

/** Jobs running now, so destroy() and close() can stop them (a job cut short is reported failed, never resumed). */
export class RunningJobs {
  private readonly jobs = new Map<ChildProcess, { environment: string; done: Promise<unknown> }>();

  tracker(environment: string): JobProcessInput["track"] {
    return (child, done) => {
      this.jobs.set(child, { environment, done });
      void done.then(() => this.jobs.delete(child));
    };
  }

  async stop(which: (environment: string) => boolean): Promise<void> {
    const running = [...this.jobs.entries()].filter(([, job]) => which(job.environment));
    for (const [child] of running) killGroup(child, "SIGKILL");
    await Promise.all(running.map(([, job]) => job.done));
  }
}

/** What running a job needs of the local platform. */
export interface JobHost {
  releases: ReleaseCache;
  paths: LocalPaths;
  jobs: RunningJobs;
  log: (line: string) => void;
}

/**
 * Runs `job` from its build's release (fetched and unpacked first if need be): the Procfile's
 * command, in the read-only release directory, with the app's config, data directory and
 * SLIPWAY_RELEASE_DIR; its output in a log file of its own under the app's logs.
 */
export async function runReleaseJob(job: JobSpec, host: JobHost): Promise<JobResult> {
  const release = await host.releases.prepare(job.build);
  const command = procfileJobCommand(release.procfile, job);
  const dataDir = host.paths.data(job.environment, job.app);
  await fs.promises.mkdir(dataDir, { recursive: true });
  const env = appEnvironment({ environment: job.environment, app: job.app, instance: `${job.app}-job`, dataDir, reference: job.reference, config: job.config, releaseDir: release.dir });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  host.log(`local: ${job.environment}/${job.app} running job ${job.job} of ${job.build.version}`);
  return runJobProcess({
    command,
    job: job.job,
    env,
    cwd: release.dir,
    logPath: path.join(host.paths.logs(job.environment, job.app), `job-${job.job}-${fileSafe(job.build.buildId)}-${stamp}.log`),
    timeoutMs: job.timeoutMs ?? DEFAULT_JOB_TIMEOUT_MS,
    track: host.jobs.tracker(job.environment),
  });
}
