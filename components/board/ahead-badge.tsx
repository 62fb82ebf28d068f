import Link from "next/link";
import { plural } from "@/lib/domain/gates/format";
import { environmentRef } from "@/lib/paths";

/**
 * "staging is 2 releases · 5 commits ahead of prod", linking to the comparison of the two.
 * Renders nothing when nothing is ahead. It wraps rather than widen its board column.
 */
export function AheadBadge({ pipeline, from, to, releases, commits }: { pipeline: string; from: string; to: string; releases: number; commits: number }) {
  if (releases <= 0 && commits <= 0) return null;
  const parts = [releases > 0 && plural(releases, "release"), commits > 0 && plural(commits, "commit")].filter(Boolean).join(" · ");
  return (
    <Link
      // Qualified ("shop/qa"): a bare name is ambiguous once several pipelines have a qa.
      href={`/compare?${new URLSearchParams({ from: environmentRef(pipeline, from), to: environmentRef(pipeline, to) })}`}
      title={`Compare what ${from} runs with what ${to} runs`}
      className="inline-block max-w-full rounded bg-sky-50 px-1.5 py-0.5 text-xs font-normal text-sky-800 ring-1 ring-sky-200 ring-inset hover:bg-sky-100"
    >
      {from} is {parts} ahead of {to}
    </Link>
  );
}
