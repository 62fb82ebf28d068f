import Link from "next/link";
import { environmentPath } from "@/lib/paths";
import type { BoardPage } from "@/lib/services/board-page";
import { VerdictBadge } from "@/components/status";
import { ExpiryLabel, ReviewStatus } from "@/components/review/review-status";
import { SpinUpDialog, type SpinUpOptions } from "@/components/review/spin-up-dialog";
import { Badge } from "@/components/ui/badge";
import { EmptyState, Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";

/** Beyond this many apps, one column lists what differs instead of a column per app. */
const MAX_APP_COLUMNS = 8;

type Address = { app: string; url: string; from?: string };

/**
 * Where a person opens a review environment: its first own app's address (host and port are what
 * tell them apart); the title lists every address, those its source serves marked "from <source>".
 */
function AddressLink({ environment, addresses }: { environment: string; addresses: Address[] | undefined }) {
  const first = addresses?.find((a) => !a.from);
  if (!first) return <span className="text-xs text-zinc-400">—</span>;
  return (
    <a
      href={first.url}
      target="_blank"
      rel="noreferrer"
      className="font-mono text-xs whitespace-nowrap text-sky-700 hover:underline"
      aria-label={`Open ${environment} (${first.app}) in a new tab`}
      title={addresses!.map((a) => `${a.app}: ${a.url}${a.from ? ` (from ${a.from})` : ""}`).join("\n")}
    >
      {first.url.replace(/^https?:\/\//, "")} ↗
    </a>
  );
}

/** An app the review environment does not run itself (or runs the source's build of): served as the source serves it. */
function InheritedCell({ source, address }: { source: string | null; address: Address | undefined }) {
  // Runs it itself, on the same build as its source (a full clone): not to be read as "served by".
  if (!address)
    return (
      <span className="font-sans text-zinc-400" title={`Runs its own copy of ${source}'s build`}>
        same as {source}
      </span>
    );
  return (
    <a
      href={address.url}
      target="_blank"
      rel="noreferrer"
      className="font-sans text-zinc-500 hover:underline"
      title={`Served by ${address.from}: ${address.url}`}
      aria-label={`${address.app} is served by ${address.from}: open it in a new tab`}
    >
      from {address.from} ↗
    </a>
  );
}

/**
 * Review environments, apart from the chain: each marked with what it was cloned from, and — since
 * the board loads only the cells that differ from the source — which apps run the branch's builds.
 * The newest ones show; the title counts them all. The spin-up form shows to people who may create one.
 */
export function ReviewEnvironments({ board }: { board: BoardPage }) {
  const { now } = board;
  const { environments: review, total, addresses } = board.review;
  const spinUp: SpinUpOptions | null = board.viewer.spinUp;
  // A small pipeline's page of rows is every app: one column each.
  const apps = board.rows.apps;
  const perAppColumns = board.apps.total <= MAX_APP_COLUMNS;
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
              {review.map((env) => (
                <tr key={env.id} className="hover:bg-zinc-50" data-review={env.name}>
                  <td className={`${tdClass} whitespace-nowrap`}>
                    <Link href={environmentPath(board.pipeline.name, env.name)} className="font-medium hover:underline">
                      {env.name}
                    </Link>
                    {/* A branch may be a long ticket title: it wraps (within 18rem) rather than push the apps' columns out of view. */}
                    <div className="max-w-72 font-mono text-xs break-all whitespace-normal text-zinc-500">{env.branch}</div>
                    <Badge tone="violet" className="mt-1">
                      cloned from {env.source ?? "?"}
                    </Badge>
                  </td>
                  <td className={tdClass}>
                    <AddressLink environment={env.name} addresses={addresses.get(env.id)} />
                  </td>
                  <td className={tdClass}>
                    <ReviewStatus state={env.state} updating={env.active.some((d) => d.state === "running" || d.state === "verifying")} />
                  </td>
                  <td className={`${tdClass} whitespace-nowrap`}>
                    <VerdictBadge verdict={env.verdict} />
                  </td>
                  <td className={`${tdClass} text-xs text-zinc-600`}>
                    <ExpiryLabel expiresAt={env.expiresAt} now={now} />
                  </td>
                  <td className={`${tdClass} text-xs whitespace-nowrap`}>{env.owner?.name ?? "—"}</td>
                  {perAppColumns ? (
                    apps.map((app) => (
                      <td key={app.id} className={`${tdClass} font-mono text-xs whitespace-nowrap`}>
                        {env.apps[app.name]?.version ?? <InheritedCell source={env.source} address={addresses.get(env.id)?.find((a) => a.app === app.name && a.from)} />}
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
