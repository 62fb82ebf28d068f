import Link from "next/link";
import type { ReleaseInfo } from "@/lib/services/compare";
import { CopyText } from "@/components/ui/copy";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** The releases one environment is ahead by, newest first. */
export function AheadReleases({ releases, now, to }: { releases: ReleaseInfo[]; now: Date; to: string }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} aria-label="Releases ahead">
        <thead>
          <tr>
            <th className={thClass}>Release</th>
            <th className={thClass}>Branch</th>
            <th className={thClass}>Builds</th>
            <th className={thClass}>Cut</th>
            <th className={thClass}>In {to}</th>
          </tr>
        </thead>
        <tbody>
          {releases.map((release) => (
            <tr key={release.id} className="hover:bg-zinc-50">
              <td className={tdClass}>
                <Link href={`/releases/${release.id}`} className="font-mono text-[0.8rem] font-semibold text-sky-700 hover:underline" title={release.commit}>
                  {release.commit.slice(0, 7)}
                </Link>
              </td>
              <td className={`${tdClass} font-mono text-xs text-zinc-600`}>{release.branch}</td>
              <td className={`${tdClass} text-xs text-zinc-600`}>
                {release.versions.map((v, i) => (
                  <span key={v.app}>
                    {i > 0 && " · "}
                    {v.app} <span className="font-mono text-zinc-800">{v.version}</span>
                  </span>
                ))}
              </td>
              <td className={`${tdClass} whitespace-nowrap text-xs text-zinc-600`}>
                <RelativeTime at={release.createdAt} now={now} /> by {release.createdBy.name}
              </td>
              <td className={`${tdClass} whitespace-nowrap text-xs`} data-testid="ran-in">
                {release.ranIn ? (
                  <span className="text-amber-800">
                    not running now
                    {release.ranIn.finishedAt && (
                      <>
                        {" "}
                        · ran <RelativeTime at={release.ranIn.finishedAt} now={now} />
                      </>
                    )}
                  </span>
                ) : (
                  <span className="text-zinc-600">never ran</span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The commits those releases bring, each copyable. */
export function AheadCommits({ commits }: { commits: string[] }) {
  return (
    <ul className="flex flex-wrap gap-x-3 gap-y-1 px-4 py-3" aria-label="Commits ahead">
      {commits.map((commit) => (
        <li key={commit}>
          <CopyText value={commit} display={commit.slice(0, 7)} />
        </li>
      ))}
    </ul>
  );
}
