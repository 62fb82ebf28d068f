import { Badge } from "@/components/ui/badge";
import { hasCommitOrder } from "@/lib/domain/commit-order";

const UNKNOWN_TITLE =
  "CI sent no commit time, parents or build number for this release, so Slipway cannot tell whether its commit is newer than another's. " +
  "Auto-promotion will not move an environment from or to it by itself; a person can still promote it. Send committedAt, parents or buildNumber with POST /api/v1/releases.";

/**
 * What CI told Slipway about a release's commit order (build number, commit time, parents), or an
 * amber "commit order unknown" when it sent nothing — said plainly rather than guessed.
 */
export function CommitOrder({ release }: { release: { committedAt: Date | null; parentCommits: string[] | null; buildNumber: number | null } }) {
  if (!hasCommitOrder({ commit: "", ...release })) {
    return (
      <Badge tone="amber" title={UNKNOWN_TITLE}>
        commit order unknown
      </Badge>
    );
  }
  const parts: string[] = [];
  if (release.buildNumber != null) parts.push(`build #${release.buildNumber}`);
  if (release.committedAt) parts.push(`committed ${release.committedAt.toISOString().replace("T", " ").slice(0, 16)} UTC`);
  if (release.parentCommits?.length) parts.push(`parent${release.parentCommits.length > 1 ? "s" : ""} ${release.parentCommits.map((p) => p.slice(0, 7)).join(", ")}`);
  return (
    <span className="text-xs text-zinc-600" data-testid="commit-order">
      {parts.join(" · ")}
    </span>
  );
}
