import { personName } from "@/lib/domain/people";
import type { EnvironmentView } from "@/lib/services/environments";
import type { InheritedAddress } from "@/lib/services/review-clone";
import { AppRows, type AppRow } from "./app-rows";
import { tableClass, thClass } from "@/components/ui/layout";
import { buttonClass } from "@/components/ui/button";
import { PrevNextLinks } from "@/components/ui/pager";

/**
 * The filters of the Apps panel, as `environmentAppsInput` takes them (lib/services/environment-apps.ts):
 * "healthy" only while confirmed recently, as the portfolio counts it; an older healthy reading is "unknown".
 */
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

/**
 * Where this page stands among the apps the filters match ("Page 2 of 3 · 51–100 of 140 apps")
 * and links to the pages before and after it, keeping the filters (`basePath`: the environment page).
 */
export function AppsPager({
  basePath,
  page,
  pages,
  before,
  shown,
  matching,
  total,
  q,
  status,
}: {
  basePath: string;
  page: number;
  pages: number;
  before: number;
  shown: number;
  matching: number;
  total: number;
  q: string | null;
  status: string | null;
}) {
  if (shown === 0) return null;
  const href = (to: number) => {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (status) params.set("status", status);
    if (to > 1) params.set("page", String(to));
    const search = params.toString();
    return search ? `${basePath}?${search}` : basePath;
  };
  const range = `${before + 1}–${before + shown}`;
  return (
    <nav aria-label="App pages" className="flex flex-wrap items-center justify-end gap-2 border-t border-zinc-100 px-4 py-2 text-sm text-zinc-600">
      <span data-testid="apps-pager-count">
        {pages > 1 && `Page ${page} of ${pages} · `}
        {matching === total ? `${range} of ${total} apps` : `${range} of ${matching} matching apps (${total} in all)`}
      </span>
      <PrevNextLinks page={page} pages={pages} href={href} />
    </nav>
  );
}

/** What the Apps panel's row shows of `app` in `environment` (AppRows renders it). */
function appRow(app: string, environment: EnvironmentView, inherited: InheritedAddress[]): AppRow {
  const cell = environment.apps[app];
  if (!cell?.releaseId) {
    const servedBy = inherited.find((i) => i.app === app);
    return { app, cell: null, servedBy: servedBy ? { from: servedBy.from, url: servedBy.url } : null };
  }
  return {
    app,
    cell: {
      releaseId: cell.releaseId,
      version: cell.version,
      commit: cell.commit,
      digest: cell.digest,
      deployedAt: cell.deployedAt,
      deployedBy: cell.deployedBy ? personName(cell.deployedBy) : null,
      url: cell.url,
      // Its processes are stopped on purpose: the last health seen would only look stale.
      health: environment.state === "sleeping" ? "asleep" : cell.health,
    },
    servedBy: null,
  };
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
          <AppRows rows={apps.map((app) => appRow(app, environment, inherited))} now={now} />
        </tbody>
      </table>
    </div>
  );
}
