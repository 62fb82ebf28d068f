import Link from "next/link";

function count(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/**
 * "staging is 2 releases · 5 commits ahead of prod", linking to the comparison of the two.
 * Renders nothing when nothing is ahead.
 */
export function AheadBadge({ from, to, releases, commits }: { from: string; to: string; releases: number; commits: number }) {
  if (releases <= 0 && commits <= 0) return null;
  const parts = [releases > 0 && count(releases, "release"), commits > 0 && count(commits, "commit")].filter(Boolean).join(" · ");
  return (
    <Link
      href={`/compare?${new URLSearchParams({ from, to })}`}
      title={`Compare what ${from} runs with what ${to} runs`}
      className="inline-flex max-w-full items-center gap-1 truncate rounded px-1.5 py-0.5 text-xs font-normal text-sky-800 ring-1 ring-sky-200 ring-inset bg-sky-50 hover:bg-sky-100"
    >
      <span className="truncate">
        {from} is {parts} ahead of {to}
      </span>
    </Link>
  );
}
