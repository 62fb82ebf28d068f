import Link from "next/link";
import type { EnvironmentView } from "@/lib/services/environments";
import type { InheritedAddress } from "@/lib/services/review-clone";
import { HealthLabel } from "@/components/status";
import { CopyText } from "@/components/ui/copy";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** Each app's cell; `inherited` are the apps a partial review environment leaves to its source (served there, linked). */
export function AppsTable({ environment, apps, now, inherited = [] }: { environment: EnvironmentView; apps: string[]; now: Date; inherited?: InheritedAddress[] }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass}>
        <thead>
          <tr>
            <th className={thClass}>App</th>
            <th className={thClass}>Version</th>
            <th className={thClass}>Commit</th>
            <th className={thClass}>Digest</th>
            <th className={thClass}>Deployed</th>
            <th className={thClass}>URL</th>
            <th className={thClass}>Health</th>
          </tr>
        </thead>
        <tbody>
          {apps.map((app) => {
            const cell = environment.apps[app];
            const servedBy = cell?.releaseId ? undefined : inherited.find((i) => i.app === app);
            return (
              <tr key={app}>
                <td className={`${tdClass} font-medium`}>{app}</td>
                {cell?.releaseId ? (
                  <>
                    <td className={`${tdClass} whitespace-nowrap`}>
                      <Link href={`/releases/${cell.releaseId}`} className="font-mono text-[0.8rem] font-semibold hover:underline">
                        {cell.version}
                      </Link>
                    </td>
                    <td className={tdClass}>{cell.commit && <CopyText value={cell.commit} display={cell.commit.slice(0, 7)} />}</td>
                    <td className={tdClass}>{cell.digest && <CopyText value={cell.digest} display={`${cell.digest.slice(0, 19)}…`} />}</td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>
                      {cell.deployedAt && <RelativeTime at={cell.deployedAt} now={now} />}
                      {cell.deployedBy && <> by {cell.deployedBy.name}</>}
                    </td>
                    <td className={`${tdClass} text-xs`}>
                      {cell.url ? (
                        <a href={cell.url} target="_blank" rel="noreferrer" className="text-sky-700 hover:underline">
                          {cell.url.replace(/^https?:\/\//, "")}
                        </a>
                      ) : (
                        <span className="text-zinc-400">no address yet</span>
                      )}
                    </td>
                    <td className={tdClass}>
                      {environment.state === "sleeping" ? (
                        // Its processes are stopped on purpose: the last health seen would only look stale.
                        <span className="text-xs text-zinc-500" title="The environment sleeps: the first request to its address wakes it">
                          asleep
                        </span>
                      ) : (
                        <HealthLabel status={cell.health.status} observedAt={cell.health.observedAt} stale={cell.health.stale} now={now} />
                      )}
                    </td>
                  </>
                ) : servedBy ? (
                  <td colSpan={6} className={`${tdClass} text-zinc-500`} data-served-by={servedBy.from}>
                    Served by {servedBy.from}: its build is the one {servedBy.from} runs, so this environment runs none of its own —{" "}
                    <a href={servedBy.url} target="_blank" rel="noreferrer" className="text-sky-700 hover:underline">
                      {servedBy.url.replace(/^https?:\/\//, "")} ↗
                    </a>
                  </td>
                ) : (
                  <td colSpan={6} className={`${tdClass} text-zinc-500`}>
                    Not deployed here yet.
                  </td>
                )}
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
