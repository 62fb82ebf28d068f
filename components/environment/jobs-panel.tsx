"use client";

import type { JobRunView } from "@/lib/services/jobs";
import { useAction } from "@/lib/actions/use-action";
import { runJobAction } from "@/lib/actions/environments";
import { Badge, type Tone } from "@/components/ui/badge";
import { ConfirmButton } from "@/components/ui/confirm";
import { RelativeTime } from "@/components/ui/time";

const TONE: Record<string, Tone> = { queued: "neutral", running: "blue", succeeded: "green", failed: "red" };

/** The seed job, by hand only, after a confirmation naming the environment (typing it for the last one). */
export function SeedButton({ environment, environmentRef, app, typeName }: { environment: string; environmentRef: string; app: string; typeName: boolean }) {
  const { run, pending } = useAction(runJobAction, { success: `Seed of ${app} in ${environment} queued` });
  return (
    <ConfirmButton
      label={`Seed ${app}…`}
      title={`Run the seed job of ${app} in ${environment}?`}
      confirmLabel={`Seed ${environment}`}
      typeToConfirm={typeName ? environment : undefined}
      pending={pending}
      testId={`seed-${app}`}
      onConfirm={() => run({ environment: environmentRef, app, ...(typeName ? { confirm: environment } : {}) })}
    >
      It writes seed data into <strong>{environment}</strong>&apos;s {app} data, once, with the code {environment} runs now.
    </ConfirmButton>
  );
}

/** One-off jobs of the environment: migrations and hooks run by deployments, seeds run by hand. */
export function JobsList({ jobs, now }: { jobs: (Omit<JobRunView, "createdAt" | "finishedAt" | "startedAt"> & { createdAt: string; finishedAt: string | null })[]; now: string }) {
  if (!jobs.length) return <p className="px-4 py-4 text-zinc-500">No jobs have run here yet.</p>;
  return (
    <ul aria-label="Jobs">
      {jobs.map((job) => (
        <li key={job.id} id={`job-${job.id}`} className="scroll-mt-4 border-b border-zinc-100 last:border-0" data-job={job.job} data-state={job.state}>
          <details>
            <summary className="flex cursor-pointer list-none items-center gap-3 px-4 py-2 hover:bg-zinc-50">
              <Badge tone={TONE[job.state] ?? "neutral"}>{job.state}</Badge>
              <span className="font-medium">
                {job.job} <span className="text-zinc-500">· {job.app}</span>
              </span>
              <span className="min-w-0 flex-1 truncate text-xs text-zinc-500">{job.trigger}</span>
              {job.exitCode !== null && <span className="font-mono text-xs text-zinc-500">exit {job.exitCode}</span>}
              <span className="text-xs text-zinc-500">
                <RelativeTime at={job.createdAt} now={now} />
              </span>
            </summary>
            <pre className="mx-4 mb-3 max-h-56 overflow-auto rounded-md bg-zinc-900 px-3 py-2 font-mono text-xs whitespace-pre-wrap text-zinc-100">{job.output || (job.state === "queued" ? "Waiting for the controller…" : "No output.")}</pre>
          </details>
        </li>
      ))}
    </ul>
  );
}
