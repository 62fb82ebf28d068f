import Link from "next/link";

/**
 * Shown above a board where nothing has run yet: how the first release gets in, so a new
 * pipeline's empty board says what to do instead of only "not deployed" in every cell.
 */
export function FirstReleaseHint({ pipeline, entry, branch }: { pipeline: string; entry: string; branch: string | null }) {
  const api = `/api/v1/pipelines/${encodeURIComponent(pipeline)}`;
  return (
    <section aria-labelledby="first-release-title" className="rounded-lg border border-zinc-200 bg-white px-4 py-3 text-sm text-zinc-700" data-testid="first-release-hint">
      <h2 id="first-release-title" className="font-medium text-zinc-900">
        Nothing runs in {pipeline} yet
      </h2>
      <p className="mt-1">
        Releases enter <strong className="font-medium">{entry}</strong>
        {branch ? (
          <>
            {" "}
            from branch <code className="font-mono text-xs">{branch}</code>
          </>
        ) : null}
        . From CI, register each app&apos;s build with <code className="font-mono text-xs">POST {api}/builds</code> — its version, commit, branch, tests, and the URL and sha256 digest of its artifact (a gzipped tarball with a Procfile;{" "}
        <code className="font-mono text-xs">docs/ship-your-own-app.md</code> in Slipway&apos;s repository shows how) — then cut a release of them with <code className="font-mono text-xs">POST {api}/releases</code>. It appears in {entry}
        &apos;s column, waiting to be deployed.
      </p>
      <p className="mt-1 text-zinc-600">
        CI signs in with an API token:{" "}
        <Link href={`/settings/tokens?pipeline=${encodeURIComponent(pipeline)}`} className="text-sky-700 hover:underline">
          Settings → API tokens
        </Link>{" "}
        (one restricted to {pipeline} reads and changes only {pipeline}). The contract:{" "}
        <a href="/api/v1/openapi.json" className="text-sky-700 hover:underline">
          /api/v1/openapi.json
        </a>
        .
      </p>
    </section>
  );
}
