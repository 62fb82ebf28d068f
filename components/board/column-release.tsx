import Link from "next/link";
import { plural } from "@/lib/domain/gates/format";

/** The release a column runs, shown once above its apps; "mixed" when its apps disagree (`releases`: how many distinct they run). */
export function ColumnRelease({ release, releases }: { release: { releaseId: string | null; releaseCommit?: string | null } | null; releases: number }) {
  if (release?.releaseId) {
    return (
      <Link href={`/releases/${release.releaseId}`} className="font-mono text-xs font-semibold text-sky-700 hover:underline" data-testid="column-release">
        {release.releaseCommit?.slice(0, 7)}
      </Link>
    );
  }
  if (releases === 0) return <span className="text-xs text-zinc-400">none</span>;
  return (
    <span className="text-xs text-amber-800" data-testid="column-release" title="Its apps run different releases (a rollout in progress, or drift)">
      mixed: {plural(releases, "release")}
    </span>
  );
}
