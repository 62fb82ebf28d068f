import Link from "next/link";
import type { EnvironmentView } from "@/lib/services/environments";
import type { InheritedAddress } from "@/lib/services/review-clone";
import { HealthLabel } from "@/components/status";
import { CopyText } from "@/components/ui/copy";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { ButtonLink, buttonClass } from "@/components/ui/button";

/** The filters of the Apps panel, as `environmentAppsInput` takes them (lib/services/environment-apps.ts). */
const STATUS_CHOICES = ["healthy", "degraded", "unhealthy", "unknown", "not-deployed"] as const;
const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

/** A GET form: the page re-renders with `q` and `status`, from the first page of apps. */
export function AppsFilter({ q, status, total }: { q: string | null; status: string | null; total: number }) {
  return (
    <form className="flex flex-wrap items-center gap-2" role="search" aria-label="Filter apps">
      <input name="q" defaultValue={q ?? ""} placeholder={`Search ${total} apps`} aria-label="App name contains" className={`${inputClass} w-44`} />
      <select name="status" defaultValue={status ?? ""} aria-label="App status" className={inputClass}>
        <option value="">any status</option>
        {STATUS_CHOICES.map((s) => (
          <option key={s} value={s}>
            {s}
          </option>
        ))}
      </select>
      <button className={buttonClass("secondary", "sm")}>Filter</button>
    </form>
  );
}

/** Links to the first and the next page of apps, keeping the filters. */
export function AppsPager({ nextCursor, first, q, status }: { nextCursor: string | null; first: boolean; q: string | null; status: string | null }) {
  if (!nextCursor && !first) return null;
  const filters = { ...(q ? { q } : {}), ...(status ? { status } : {}) };
  return (
    <div className="flex justify-end gap-2 border-t border-zinc-100 px-4 py-2">
      {first && (
        <ButtonLink href={`?${new URLSearchParams(filters)}`} size="sm">
          First apps
        </ButtonLink>
      )}
      {nextCursor && (
        <ButtonLink href={`?${new URLSearchParams({ ...filters, cursor: nextCursor })}`} size="sm">
          More apps →
        </ButtonLink>
      )}
    </div>
  );
}

/**
 * One page of an environment's apps (`apps`, in order) with what each runs there (`environment.apps`);
 * `inherited` are the apps a partial review environment leaves to its source (served there, linked).
 */
export function AppsTable({ environment, apps, now, filtered = false, inherited = [] }: { environment: EnvironmentView; apps: string[]; now: Date; filtered?: boolean; inherited?: InheritedAddress[] }) {
  if (apps.length === 0) return <p className="px-4 py-4 text-sm text-zinc-500">{filtered ? "No app matches these filters." : "This pipeline has no apps."}</p>;
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
              <tr key={app} data-app={app}>
                <td className={`${tdClass} font-medium`}>{app}</td>
                {cell?.releaseId ? (
                  <>
                    <td className={`${tdClass} whitespace-nowrap`}>
                      <Link href={`/releases/${cell.releaseId}`} className="font-mono text-[0.8rem] font-semibold hover:underline">
                        {cell.version}
                      </Link>
                    </td>
                    <td className={`${tdClass} whitespace-nowrap`}>{cell.commit && <CopyText value={cell.commit} display={cell.commit.slice(0, 7)} />}</td>
                    <td className={`${tdClass} whitespace-nowrap`}>{cell.digest && <CopyText value={cell.digest} display={`${cell.digest.slice(0, 19)}…`} />}</td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>
                      {cell.deployedAt && <RelativeTime at={cell.deployedAt} now={now} />}
                      {cell.deployedBy && <> by {cell.deployedBy.name}</>}
                    </td>
                    <td className={`${tdClass} text-xs whitespace-nowrap`}>
                      {cell.url ? (
                        <a href={cell.url} target="_blank" rel="noreferrer" className="text-sky-700 hover:underline">
                          {cell.url.replace(/^https?:\/\//, "")}
                        </a>
                      ) : (
                        <span className="text-zinc-400">no address yet</span>
                      )}
                    </td>
                    <td className={`${tdClass} whitespace-nowrap`}>
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
