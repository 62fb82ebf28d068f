import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import { requireActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import { ValidationError } from "@/lib/services/errors";
import { listReleases } from "@/lib/services/releases";
import { CommitOrder } from "@/components/release/commit-order";
import { buttonClass, ButtonLink } from "@/components/ui/button";
import { EmptyState, PageHeader, Panel, tableClass, tdClass, thClass } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

export const metadata: Metadata = { title: "Releases" };

export default async function ReleasesPage({ searchParams }: { searchParams: Promise<{ branch?: string; cursor?: string }> }) {
  await connection();
  await requireActor();
  const { branch, cursor } = await searchParams;
  const now = systemClock.now();
  const page = await listReleases(await getDb(), { branch: branch || undefined, cursor, limit: 50 }).catch((error: unknown) => {
    if (error instanceof ValidationError) return { items: [], nextCursor: null, invalid: error.message };
    throw error;
  });
  return (
    <>
      <PageHeader title="Releases" subtitle="Every release cut from CI, newest first: one immutable build per app." />
      <form className="mb-3 flex items-center gap-2" role="search">
        <label htmlFor="branch" className="text-zinc-600">
          Branch
        </label>
        <input id="branch" name="branch" defaultValue={branch} placeholder="any branch" className="h-8 w-56 rounded-md border border-zinc-300 bg-white px-2 font-mono text-xs" />
        <button className={buttonClass("secondary", "md")}>Filter</button>
        {branch && (
          <Link href="/releases" className="text-zinc-600 hover:underline">
            Clear
          </Link>
        )}
      </form>
      <Panel>
        {"invalid" in page && <p className="px-4 py-3 text-rose-700">{String(page.invalid)}</p>}
        {page.items.length === 0 ? (
          <EmptyState title={branch ? `No releases on ${branch}` : "No releases yet"}>
            CI registers builds with <code className="font-mono">POST /api/v1/builds</code> and cuts a release with <code className="font-mono">POST /api/v1/releases</code>. Admins create the token CI needs in Settings → API tokens.
          </EmptyState>
        ) : (
          <div className="overflow-x-auto">
            <table className={tableClass}>
              <thead>
                <tr>
                  <th className={thClass}>Commit</th>
                  <th className={thClass}>Branch</th>
                  <th className={thClass}>Builds</th>
                  <th className={thClass}>Commit order</th>
                  <th className={thClass}>Cut</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((release) => (
                  <tr key={release.id} className="hover:bg-zinc-50">
                    <td className={tdClass}>
                      <Link href={`/releases/${release.id}`} className="font-mono text-[0.8rem] font-semibold hover:underline">
                        {release.commit.slice(0, 7)}
                      </Link>
                    </td>
                    <td className={`${tdClass} font-mono text-xs`}>{release.branch}</td>
                    <td className={`${tdClass} text-xs`}>
                      {release.builds.map((b) => (
                        <span key={b.app} className="mr-3 whitespace-nowrap">
                          <span className="text-zinc-500">{b.app}</span> <span className="font-mono">{b.version}</span>
                        </span>
                      ))}
                    </td>
                    <td className={tdClass}>
                      <CommitOrder release={release} />
                    </td>
                    <td className={`${tdClass} text-xs text-zinc-600`}>
                      <RelativeTime at={release.createdAt} now={now} /> by <span title={release.createdByEmail}>{release.createdByName}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Panel>
      {page.nextCursor && (
        <div className="mt-3 flex justify-end">
          <ButtonLink href={`/releases?${new URLSearchParams({ ...(branch ? { branch } : {}), cursor: page.nextCursor })}`}>
            Older releases <span aria-hidden>→</span>
          </ButtonLink>
        </div>
      )}
    </>
  );
}
