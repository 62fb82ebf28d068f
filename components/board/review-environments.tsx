import { environmentPath } from "@/lib/paths";
import { personName } from "@/lib/domain/people";
import type { BoardPage } from "@/lib/services/board-page";
import { SpinUpDialog, type SpinUpOptions } from "@/components/review/spin-up-dialog";
import { EmptyState, Panel, tableClass, thClass } from "@/components/ui/layout";
import { reviewFirstScreenRows } from "./board-layout";
import { ReviewRows, type ReviewRowData } from "./review-rows";

/** Beyond this many apps, one column lists what differs instead of a column per app. */
const MAX_APP_COLUMNS = 8;

/**
 * Review environments, apart from the chain: each marked with what it was cloned from, and — since
 * the board loads only the cells that differ from the source — which apps run the branch's builds.
 * The newest ones show; the title counts them all. The spin-up form shows to people who may create one.
 * The rows go to the browser as fields (ReviewRows), rendered as HTML on the server only where the
 * board above leaves room in the first screen.
 */
export function ReviewEnvironments({ board }: { board: BoardPage }) {
  const { now } = board;
  const { environments: review, total, addresses } = board.review;
  const spinUp: SpinUpOptions | null = board.viewer.spinUp;
  // A small pipeline's page of rows is every app: one column each.
  const apps = board.rows.apps;
  const perAppColumns = board.apps.total <= MAX_APP_COLUMNS;
  const rows: ReviewRowData[] = review.map((env) => ({
    id: env.id,
    name: env.name,
    href: environmentPath(board.pipeline.name, env.name),
    branch: env.branch,
    source: env.source,
    addresses: addresses.get(env.id) ?? [],
    state: env.state,
    updating: env.active.some((d) => d.state === "running" || d.state === "verifying"),
    verdict: env.verdict,
    expiresAt: env.expiresAt,
    owner: env.owner ? personName(env.owner) : null,
    versions: Object.values(env.apps).map((cell) => ({ app: cell.app, version: cell.version })),
  }));
  return (
    <Panel title={`Review environments (${total})`} actions={spinUp ? <SpinUpDialog options={spinUp} /> : undefined}>
      {review.length === 0 ? (
        <EmptyState title="No review environments">
          A review environment runs one branch in isolation, cloned from {board.review.source}, so a delivery lead can verify a feature while {board.review.source} stays as it is.
        </EmptyState>
      ) : (
        <div className="overflow-x-auto">
          <table className={tableClass}>
            <thead>
              <tr>
                <th className={thClass}>Name · branch</th>
                <th className={thClass}>Address</th>
                <th className={thClass}>Status</th>
                <th className={thClass}>Verdict</th>
                <th className={thClass}>Expires</th>
                <th className={thClass}>Owner</th>
                {perAppColumns ? (
                  apps.map((app) => (
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
              <ReviewRows rows={rows} appColumns={perAppColumns ? apps.map((app) => app.name) : null} now={now} firstScreen={reviewFirstScreenRows(board.rows.apps.length)} />
            </tbody>
          </table>
          {total > review.length && (
            <p className="px-4 py-2 text-xs text-zinc-500" data-testid="review-more">
              The newest {review.length} of {total} review environments show here.
            </p>
          )}
        </div>
      )}
    </Panel>
  );
}
