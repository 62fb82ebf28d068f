import Link from "next/link";
import { buttonClass } from "@/components/ui/button";
import { PrevNextLinks } from "@/components/ui/pager";

const inputClass = "h-8 rounded-md border border-zinc-300 bg-white px-2 text-sm";

/**
 * A large board's row controls: filter the app rows by name, owning team and status (a GET form,
 * so the URL holds the filters and the back button works) and move between pages of rows.
 */
export function BoardRowsNav({
  basePath,
  q,
  team,
  teams,
  status,
  statuses,
  page,
  pages,
  matching,
  total,
}: {
  basePath: string;
  q: string | undefined;
  team: string | undefined;
  /** The owning teams the pipeline's apps name; no team control without any. */
  teams: string[];
  status: string | undefined;
  /** The statuses to filter by (value: in the URL; description: a tooltip where the label needs one). */
  statuses: { value: string; label: string; description?: string | undefined }[];
  page: number;
  pages: number;
  matching: number;
  total: number;
}) {
  const href = (to: number) => {
    const params = new URLSearchParams();
    if (q) params.set("q", q);
    if (team) params.set("team", team);
    if (status) params.set("status", status);
    if (to > 1) params.set("page", String(to));
    const search = params.toString();
    return search ? `${basePath}?${search}` : basePath;
  };
  return (
    <div className="flex flex-wrap items-end justify-between gap-3">
      <form className="flex flex-wrap items-end gap-2" role="search" aria-label="Filter apps" action={basePath}>
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          App
          <input name="q" type="search" defaultValue={q} placeholder="name contains…" className={`${inputClass} w-44`} />
        </label>
        {(teams.length > 0 || team) && (
          <label className="flex flex-col gap-1 text-xs text-zinc-600">
            Team
            <select name="team" defaultValue={team ?? ""} className={inputClass}>
              <option value="">any</option>
              {[...new Set([...teams, ...(team ? [team] : [])])].map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        )}
        <label className="flex flex-col gap-1 text-xs text-zinc-600">
          Status
          <select name="status" defaultValue={status ?? ""} className={inputClass}>
            <option value="">any</option>
            {statuses.map((s) => (
              <option key={s.value} value={s.value} title={s.description}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button className={buttonClass("secondary", "md")}>Filter</button>
        {(q || team || status) && (
          // As tall as the inputs and aligned to their row (the form aligns its items to the bottom, under the labels).
          <Link href={basePath} className="inline-flex h-8 items-center text-sm text-zinc-600 hover:underline">
            Clear
          </Link>
        )}
      </form>
      <nav aria-label="App pages" className="flex items-center gap-2 text-sm text-zinc-600">
        <span data-testid="board-rows-count">
          {matching === total ? `${total} apps` : `${matching} of ${total} apps`}
          {pages > 1 && ` · page ${page} of ${pages}`}
        </span>
        <PrevNextLinks page={page} pages={pages} href={href} />
      </nav>
    </div>
  );
}
