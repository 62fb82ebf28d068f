import Link from "next/link";
import type { Board } from "@/lib/services/environments";
import { EnvironmentStateBadge, VerdictBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";
import { EmptyState, Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

/** Beyond this many apps, one column lists what differs instead of a column per app. */
const MAX_APP_COLUMNS = 8;

/**
 * Review environments, apart from the chain: each marked with what it was cloned from, and — since
 * the board loads only the cells that differ from the source — which apps run the branch's builds.
 */
export function ReviewEnvironments({ board, now }: { board: Board; now: Date }) {
  const perAppColumns = board.apps.length <= MAX_APP_COLUMNS;
  return (
    <Panel title={`Review environments (${board.review.length})`}>
      {board.review.length === 0 ? (
        <EmptyState title="No review environments">
          A review environment runs one branch in isolation, cloned from staging, so a delivery lead can verify a feature while staging stays a clean
          copy of production.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className={tableClass}>
            <thead>
              <tr>
                <th className={thClass}>Name</th>
                <th className={thClass}>Branch</th>
                <th className={thClass}>Cloned from</th>
                <th className={thClass}>Owner</th>
                <th className={thClass}>State</th>
                <th className={thClass}>Verdict</th>
                <th className={thClass}>Expires</th>
                {perAppColumns ? (
                  board.apps.map((app) => (
                    <th key={app.id} className={thClass}>
                      {app.name}
                    </th>
                  ))
                ) : (
                  <th className={thClass}>Differs from source</th>
                )}
              </tr>
            </thead>
            <tbody>
              {board.review.map((env) => (
                <tr key={env.id} className="hover:bg-zinc-50">
                  <td className={tdClass}>
                    <Link href={`/environments/${env.name}`} className="font-medium hover:underline">
                      {env.name}
                    </Link>
                  </td>
                  <td className={`${tdClass} font-mono text-xs`}>{env.branch}</td>
                  <td className={tdClass}>
                    <Badge tone="violet">cloned from {env.source ?? "?"}</Badge>
                  </td>
                  <td className={tdClass}>{env.owner?.name ?? "—"}</td>
                  <td className={tdClass}>
                    <EnvironmentStateBadge state={env.state} />
                  </td>
                  <td className={tdClass}>
                    <VerdictBadge verdict={env.verdict} />
                  </td>
                  <td className={`${tdClass} text-xs text-zinc-600`}>{env.expiresAt ? <RelativeTime at={env.expiresAt} now={now} /> : "—"}</td>
                  {perAppColumns ? (
                    board.apps.map((app) => (
                      <td key={app.id} className={`${tdClass} font-mono text-xs`}>
                        {env.apps[app.name]?.version ?? <span className="font-sans text-zinc-400">as {env.source}</span>}
                      </td>
                    ))
                  ) : (
                    <td className={`${tdClass} text-xs`}>
                      {Object.values(env.apps).map((cell) => (
                        <span key={cell.app} className="mr-3 whitespace-nowrap">
                          {cell.app} <span className="font-mono">{cell.version}</span>
                        </span>
                      ))}
                      {Object.keys(env.apps).length === 0 && <span className="text-zinc-400">same as {env.source}</span>}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </Panel>
  );
}
