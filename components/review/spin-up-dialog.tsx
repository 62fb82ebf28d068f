"use client";

import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useRef, useState } from "react";
import { createReviewAction, spinUpCandidatesAction } from "@/lib/actions/review-environments";
import { Spinner } from "@/components/ui/spinner";
import { useAction } from "@/lib/actions/use-action";
import { reviewNameFromBranch } from "@/lib/domain/review-names";
import { plural } from "@/lib/domain/plural";
import { Button } from "@/components/ui/button";
import { environmentPath, environmentRef } from "@/lib/paths";
import { relativeTime } from "@/components/ui/time";

export interface SpinUpRelease {
  id: string;
  commit: string;
  createdAt: string;
  /** The first apps' versions, in slipway.yaml order (a large pipeline's list is cut; `appCount` tells how many apps there are). */
  versions: { app: string; version: string }[];
}

/** A branch the form offers, with its newest releases (read when the form opens: lib/services/review-candidates.ts). */
export interface SpinUpCandidate {
  branch: string;
  liveReview: string | null;
  releases: SpinUpRelease[];
}

/** What the form needs from the page; the branches are read when it opens. */
export interface SpinUpOptions {
  /** The pipeline the review environment belongs to, for the link to its page. */
  pipeline: string;
  /** The fixed environments a review environment may be cloned from; `defaultSource` is the pipeline file's. */
  sources: string[];
  defaultSource: string;
  defaultTtlHours: number;
  maxTtlHours: number;
  /** Names of live environments, so the suggested name is the one the service would pick. */
  takenNames: string[];
  /** Apps in the pipeline: a release lists the first few versions, then how many more. */
  appCount: number;
  /** The pipeline's review quota, how many review environments count against it now, and how many of those are the viewer's. */
  quota: { total: number; perPerson: number; inUse: number; yours: number };
}

const inputClass = "h-8 w-full rounded-md border border-zinc-300 bg-white px-2 aria-[invalid=true]:border-rose-500";

/** Fields whose errors show under their input; any other error shows at the foot of the form. */
const PLACED_FIELDS = ["branch", "releaseId", "name", "ttlHours", "source", "clone"];

const versionsOf = (release: SpinUpRelease, appCount: number) => {
  const more = appCount - release.versions.length;
  return release.versions.map((v) => `${v.app} ${v.version}`).join(", ") + (more > 0 ? ` and ${more} more app${more === 1 ? "" : "s"}` : "");
};

/** A label, its control, and under it either the service's error for the field or a hint (`${id}-hint`, for aria-describedby). */
function Field({ id, label, error, hint, children }: { id: string; label: string; error?: string | undefined; hint?: React.ReactNode; children: React.ReactNode }) {
  return (
    <div className="flex flex-col gap-1">
      <label htmlFor={id} className="text-xs font-medium text-zinc-600">
        {label}
      </label>
      {children}
      {(error || hint) && (
        <span id={`${id}-hint`} className={error ? "text-xs text-rose-700" : "text-xs text-zinc-500"}>
          {error ?? hint}
        </span>
      )}
    </div>
  );
}

function BranchHint({ candidate, appCount, pipeline }: { candidate: SpinUpCandidate; appCount: number; pipeline: string }) {
  const newest = candidate.releases[0];
  return (
    <>
      {candidate.liveReview && (
        // One review environment per branch (the service refuses a second): say where it runs.
        <span className="text-amber-800">
          Already running in{" "}
          <Link href={environmentPath(pipeline, candidate.liveReview)} className="font-medium underline">
            {candidate.liveReview}
          </Link>
          : open it, or tear it down to spin up another.{" "}
        </span>
      )}
      {newest && (
        <>
          Newest: <span className="font-mono">{newest.commit.slice(0, 7)}</span> ({versionsOf(newest, appCount)})
        </>
      )}
    </>
  );
}

/**
 * The form itself, mounted only while the dialog is open, so every opening starts fresh (the
 * newest release of the newest branch without a review environment, no leftover errors).
 */
function SpinUpForm({ options, candidates, titleId, onDone }: { options: SpinUpOptions; candidates: SpinUpCandidate[]; titleId: string; onDone: () => void }) {
  const router = useRouter();
  const ids = useId();
  const { run, pending, fieldErrors, error } = useAction(createReviewAction, { success: (created) => `Created ${created.name}: its page shows the rollout` });
  // The newest branch that has no review environment yet: the one a person most likely came for.
  const [branch, setBranch] = useState((candidates.find((c) => !c.liveReview) ?? candidates[0])?.branch ?? "");
  const candidate = candidates.find((c) => c.branch === branch);
  const [releaseId, setReleaseId] = useState(candidate?.releases[0]?.id ?? "");
  const release = candidate?.releases.find((r) => r.id === releaseId) ?? candidate?.releases[0];
  const suggestedName = useMemo(() => (branch ? reviewNameFromBranch(branch, new Set(options.takenNames)) : ""), [branch, options.takenNames]);
  const now = new Date();
  const fieldError = (name: string) => fieldErrors[name];
  const unplaced = Object.entries(fieldErrors).filter(([field]) => !PLACED_FIELDS.includes(field));

  if (!candidates.length) {
    return (
      <div className="flex flex-col gap-3 p-5">
        <h2 id={titleId} className="text-base font-semibold">
          Spin up a review environment
        </h2>
        <p className="text-zinc-700">No branch has a release yet. CI registers builds and cuts releases through the API (see /api/v1/openapi.json); a branch shows here once it has one.</p>
        <div className="flex justify-end">
          <Button onClick={onDone} data-autofocus>
            Close
          </Button>
        </div>
      </div>
    );
  }

  return (
    <form
      noValidate // the service's messages are the ones shown, next to each field
      className="flex flex-col gap-4 p-5"
      onSubmit={async (event) => {
        event.preventDefault();
        const form = new FormData(event.currentTarget);
        const name = String(form.get("name") ?? "").trim();
        const ttl = String(form.get("ttlHours") ?? "").trim();
        const result = await run({
          branch,
          releaseId: release?.id,
          name: name || undefined,
          ttlHours: ttl === "" ? undefined : Number(ttl),
          // The select shows plain names (this is one pipeline's board); the action takes "<pipeline>/<name>".
          source: environmentRef(options.pipeline, String(form.get("source") ?? options.defaultSource)),
          pipeline: options.pipeline,
          clone: form.get("clone") === "full" ? "full" : "changed",
        });
        if (result.ok) {
          onDone();
          router.push(environmentPath(options.pipeline, result.data.name));
        }
      }}
    >
      <div>
        <h2 id={titleId} className="text-base font-semibold">
          Spin up a review environment
        </h2>
        <p className="mt-1 text-zinc-600">One release of a branch at its own address, with a copy of its source&apos;s config and data. Nothing done there reaches the source.</p>
        {/* The quota before submitting, not only in a refusal after it. */}
        <QuotaLine quota={options.quota} />
      </div>

      {candidates.every((c) => c.liveReview) && (
        <p className="rounded-md bg-amber-50 px-3 py-2 text-sm text-amber-900 ring-1 ring-amber-200 ring-inset" data-testid="every-branch-taken">
          Every branch listed already runs in its own review environment (one per branch). Open it from the board, or tear it down to spin up another; a new branch shows here once CI cuts its first release.
        </p>
      )}

      <Field id={`${ids}-branch`} label="Branch" error={fieldError("branch")} hint={candidate && <BranchHint candidate={candidate} appCount={options.appCount} pipeline={options.pipeline} />}>
        <select
          id={`${ids}-branch`}
          data-autofocus
          name="branch"
          value={branch}
          onChange={(e) => {
            setBranch(e.target.value);
            setReleaseId(candidates.find((c) => c.branch === e.target.value)?.releases[0]?.id ?? "");
          }}
          className={inputClass}
          aria-invalid={Boolean(fieldError("branch"))}
          aria-describedby={`${ids}-branch-hint`}
        >
          {candidates.map((c) => (
            <option key={c.branch} value={c.branch}>
              {/* A taken branch says where it runs first: its newest commit does not matter here, and a long option is cut. */}
              {c.liveReview ? `${c.branch} (running in ${c.liveReview})` : `${c.branch} — newest ${c.releases[0]?.commit.slice(0, 7)}, ${c.releases[0] ? relativeTime(new Date(c.releases[0].createdAt), now) : ""}`}
            </option>
          ))}
        </select>
      </Field>

      {/* The option says which release (commit, age); what it holds goes under it: in the option it was cut off. */}
      <Field id={`${ids}-release`} label="Release" error={fieldError("releaseId")} hint={release ? <span className="font-mono">{versionsOf(release, options.appCount)}</span> : undefined}>
        <select
          id={`${ids}-release`}
          name="releaseId"
          value={release?.id ?? ""}
          onChange={(e) => setReleaseId(e.target.value)}
          className={`${inputClass} font-mono text-xs`}
          aria-invalid={Boolean(fieldError("releaseId"))}
          aria-describedby={`${ids}-release-hint`}
        >
          {candidate?.releases.map((r, i) => (
            <option key={r.id} value={r.id}>
              {r.commit.slice(0, 7)} · {relativeTime(new Date(r.createdAt), now)}
              {i === 0 ? " (newest)" : ""}
            </option>
          ))}
        </select>
      </Field>

      <div className="grid grid-cols-[1fr_8rem] gap-3">
        <Field
          id={`${ids}-name`}
          label="Name (optional)"
          error={fieldError("name")}
          hint={
            // No name to suggest for a branch that already has its review environment (Spin up is off).
            candidate?.liveReview ? undefined : (
              <>
                Empty: <span className="font-mono">{suggestedName}</span>
              </>
            )
          }
        >
          <input
            id={`${ids}-name`}
            name="name"
            maxLength={40}
            autoComplete="off"
            spellCheck={false}
            placeholder={suggestedName}
            className={`${inputClass} font-mono`}
            aria-invalid={Boolean(fieldError("name"))}
            aria-describedby={`${ids}-name-hint`}
          />
        </Field>
        <Field id={`${ids}-ttl`} label="Lifetime (hours)" error={fieldError("ttlHours")} hint={`At most ${options.maxTtlHours}`}>
          <input
            id={`${ids}-ttl`}
            name="ttlHours"
            type="number"
            inputMode="numeric"
            min={1}
            max={options.maxTtlHours}
            defaultValue={options.defaultTtlHours}
            className={inputClass}
            aria-invalid={Boolean(fieldError("ttlHours"))}
            aria-describedby={`${ids}-ttl-hint`}
          />
        </Field>
      </div>

      <Field id={`${ids}-source`} label="Cloned from" error={fieldError("source")} hint="Its config (secrets by reference) and data are copied; an accepted release may then be promoted into it.">
        <select id={`${ids}-source`} name="source" defaultValue={options.defaultSource} className={inputClass} aria-invalid={Boolean(fieldError("source"))} aria-describedby={`${ids}-source-hint`}>
          {options.sources.map((s) => (
            <option key={s} value={s}>
              {s}
              {s === options.defaultSource ? " (the pipeline's default)" : ""}
            </option>
          ))}
        </select>
      </Field>

      <fieldset className="flex flex-col gap-1" aria-describedby={`${ids}-clone-hint`}>
        <legend className="mb-1 text-xs font-medium text-zinc-600">What it runs</legend>
        <label className="flex items-center gap-2">
          <input type="radio" name="clone" value="changed" defaultChecked />
          Only the apps that differ from the source
        </label>
        <label className="flex items-center gap-2">
          <input type="radio" name="clone" value="full" />
          Every app (a full clone)
        </label>
        <span id={`${ids}-clone-hint`} className={fieldError("clone") ? "text-xs text-rose-700" : "text-xs text-zinc-500"}>
          {fieldError("clone") ?? "Apps whose build is the one the source runs are served by the source: their addresses point there. Cheaper and faster; choose a full clone when the review needs every app isolated."}
        </span>
      </fieldset>

      {error && !PLACED_FIELDS.some((f) => fieldErrors[f]) && (
        <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-rose-900">
          {error}
          {unplaced.length > 0 && <> ({unplaced.map(([field, message]) => `${field}: ${message}`).join("; ")})</>}
        </p>
      )}

      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onDone}>
          Cancel
        </Button>
        <Button type="submit" variant="primary" disabled={pending || !release || Boolean(candidate?.liveReview)}>
          {pending ? "Spinning up…" : "Spin up"}
        </Button>
      </div>
    </form>
  );
}

/**
 * Reads the branches when the dialog opens (the board does not carry them on every view), showing
 * that it is reading, then the form; a failed read says why and offers to try again.
 */
function SpinUpLoader({ options, titleId, onDone }: { options: SpinUpOptions; titleId: string; onDone: () => void }) {
  const query = useQuery({
    queryKey: ["spin-up-candidates", options.pipeline],
    queryFn: async () => {
      const result = await spinUpCandidatesAction({ pipeline: options.pipeline });
      if (!result.ok) throw new Error(result.error.message);
      return result.data;
    },
    // Every opening reads afresh (a branch released a minute ago must be offered), and only then:
    // a re-read on focus would replace the choices under a person filling in the form.
    staleTime: 0,
    gcTime: 0,
    retry: false,
    refetchOnWindowFocus: false,
    refetchOnReconnect: false,
  });
  const box = useRef<HTMLDivElement>(null);
  // What has focus (Cancel while reading) goes away with the state: focus the new state's first control.
  useEffect(() => {
    box.current?.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, [query.status, query.fetchStatus]);
  if (query.data !== undefined)
    return (
      <div ref={box}>
        <SpinUpForm options={options} candidates={query.data} titleId={titleId} onDone={onDone} />
      </div>
    );
  return (
    <div ref={box} className="flex flex-col gap-3 p-5">
      <h2 id={titleId} className="text-base font-semibold">
        Spin up a review environment
      </h2>
      {query.isError && !query.isFetching ? (
        <p role="alert" className="rounded-md bg-rose-50 px-3 py-2 text-rose-900">
          Could not read the branches: {query.error.message}
        </p>
      ) : (
        <p role="status" className="flex items-center gap-2 text-zinc-600">
          <Spinner /> Reading the branches with releases…
        </p>
      )}
      <div className="flex justify-end gap-2">
        <Button variant="ghost" onClick={onDone} data-autofocus={query.isError ? undefined : true}>
          Cancel
        </Button>
        {query.isError && (
          // aria-disabled, not disabled: a disabled button would drop the keyboard focus it holds.
          <Button variant="primary" onClick={() => !query.isFetching && void query.refetch()} aria-disabled={query.isFetching} data-autofocus>
            Try again
          </Button>
        )}
      </div>
    </div>
  );
}

/** The board's "Spin up review environment…" button and its dialog (native <dialog>: focus is trapped, Escape cancels). */
export function SpinUpDialog({ options }: { options: SpinUpOptions }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const titleId = useId();

  useEffect(() => {
    if (!open || !dialog.current || dialog.current.open) return;
    dialog.current.showModal();
    // The first field, explicitly: browsers differ on what showModal() focuses by itself.
    dialog.current.querySelector<HTMLElement>("[data-autofocus]")?.focus();
  }, [open]);

  return (
    <>
      <Button size="sm" onClick={() => setOpen(true)} aria-haspopup="dialog">
        Spin up review environment…
      </Button>
      <dialog ref={dialog} aria-labelledby={titleId} className="m-auto w-full max-w-lg rounded-lg border border-zinc-200 p-0 shadow-xl" onClose={() => setOpen(false)}>
        {open && <SpinUpLoader options={options} titleId={titleId} onDone={() => dialog.current?.close()} />}
      </dialog>
    </>
  );
}

/** "3 of 8 review environments in use in this pipeline, 1 of them yours (at most 2 per person)", amber with what to do when either limit is reached. */
function QuotaLine({ quota }: { quota: SpinUpOptions["quota"] }) {
  const pipelineFull = quota.inUse >= quota.total;
  const yoursFull = quota.yours >= quota.perPerson;
  return (
    <p className={`mt-1 text-xs ${pipelineFull || yoursFull ? "text-amber-800" : "text-zinc-500"}`} data-testid="review-quota">
      {quota.inUse} of {plural(quota.total, "review environment")} in use in this pipeline{quota.inUse > 0 ? `, ${quota.yours === 0 ? "none" : quota.yours} of them yours` : ""} (at most {quota.perPerson} per person).
      {pipelineFull ? " Tear one down before spinning up another." : yoursFull ? " Tear one of yours down before spinning up another." : ""}
    </p>
  );
}
