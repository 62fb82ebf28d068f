import type { ReleaseDetail } from "@/lib/services/releases";
import { Badge } from "@/components/ui/badge";
import { CopyText } from "@/components/ui/copy";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** One row per app: the immutable build this release carries, with its digest and CI facts. */
export function BuildsTable({ release, now }: { release: ReleaseDetail; now: Date }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>App</th>
            <th className={thClass}>Version</th>
            <th className={thClass}>Digest</th>
            <th className={thClass}>Commit</th>
            <th className={thClass}>Tests</th>
            <th className={thClass}>Changed files</th>
            <th className={thClass}>Registered</th>
          </tr>
        </thead>
        <tbody>
          {release.builds.map(({ app, build }) => (
            <tr key={app} data-app={app}>
              <td className={`${tdClass} font-medium`}>{app}</td>
              <td className={`${tdClass} font-mono text-[0.8rem] font-semibold`}>{build.version}</td>
              <td className={tdClass}>
                <CopyText value={build.digest} display={`${build.digest.slice(0, 19)}…`} />
              </td>
              <td className={tdClass}>
                <CopyText value={build.commit} display={build.commit.slice(0, 7)} /> <span className="font-mono text-xs text-zinc-500">{build.branch}</span>
              </td>
              <td className={tdClass}>
                {build.tests ? (
                  <Badge tone={build.tests.passed ? "green" : "red"}>
                    {build.tests.passed ? "passed" : "failed"}
                    {build.tests.total !== undefined && ` · ${build.tests.total - (build.tests.failed ?? 0)}/${build.tests.total}`}
                  </Badge>
                ) : (
                  <span className="text-xs text-zinc-400">not reported</span>
                )}
                {build.ciUrl && (
                  <a href={build.ciUrl} target="_blank" rel="noreferrer" className="ml-2 text-xs text-sky-700 hover:underline">
                    CI run
                  </a>
                )}
              </td>
              <td className={`${tdClass} text-xs`}>
                {build.changedFiles?.length ? (
                  <details>
                    <summary className="cursor-pointer text-zinc-700">{build.changedFiles.length} files</summary>
                    <ul className="mt-1 max-h-40 overflow-auto font-mono text-[0.7rem] text-zinc-600">
                      {build.changedFiles.map((f) => (
                        <li key={f}>{f}</li>
                      ))}
                    </ul>
                  </details>
                ) : (
                  <span className="text-zinc-400">—</span>
                )}
              </td>
              <td className={`${tdClass} text-xs text-zinc-600`}>
                <RelativeTime at={build.createdAt} now={now} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
