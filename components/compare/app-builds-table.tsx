import type { AppBuilds, BuildRef } from "@/lib/services/compare";
import { Badge } from "@/components/ui/badge";
import { CopyText } from "@/components/ui/copy";
import { tableClass, tdClass, thClass } from "@/components/ui/layout";
import { cn } from "@/components/ui/cn";

function BuildCell({ build }: { build: BuildRef | null }) {
  if (!build) return <span className="text-xs text-zinc-400">nothing deployed</span>;
  return (
    <div className="flex flex-col gap-0.5">
      <span className="font-mono text-[0.8rem] font-semibold">{build.version}</span>
      <span className="flex flex-wrap items-center gap-2 text-xs">
        <CopyText value={build.commit} display={build.commit.slice(0, 7)} />
        <CopyText value={build.digest} display={`${build.digest.slice(0, 19)}…`} className="text-zinc-500" />
      </span>
    </div>
  );
}

/** Per app: what `to` runs → what `from` runs; apps that run the same build on both sides are greyed. */
export function AppBuildsTable({ from, to, builds }: { from: string; to: string; builds: AppBuilds[] }) {
  return (
    <div className="overflow-x-auto">
      <table className={tableClass} aria-label="Builds per app">
        <thead>
          <tr>
            <th className={thClass}>App</th>
            <th className={thClass}>{to} runs</th>
            <th className={thClass} aria-hidden />
            <th className={thClass}>{from} runs</th>
          </tr>
        </thead>
        <tbody>
          {builds.map((row) => (
            <tr key={row.app} data-app={row.app} data-changed={row.changed} className={cn(!row.changed && "text-zinc-400 opacity-60")}>
              <td className={`${tdClass} font-medium`}>
                <div className="flex items-center gap-2">
                  {row.app}
                  {!row.changed && <Badge>unchanged</Badge>}
                </div>
              </td>
              <td className={tdClass}>
                <BuildCell build={row.to} />
              </td>
              <td className={`${tdClass} text-zinc-400`} aria-hidden>
                →
              </td>
              <td className={tdClass}>
                <BuildCell build={row.from} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
