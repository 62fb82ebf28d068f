import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { connection } from "next/server";
import { getDb } from "@/db/client";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { requireActor } from "@/lib/auth/session";
import { systemClock } from "@/lib/domain/clock";
import { getEnvironment, recentDeployments, reviewConversation } from "@/lib/services/environments";
import { NotFoundError } from "@/lib/services/errors";
import { getPipeline, listApps } from "@/lib/services/pipeline-queries";
import { AppsTable } from "@/components/environment/apps-table";
import { DeploymentsTable } from "@/components/environment/deployments-table";
import { RulesPanel } from "@/components/environment/rules-panel";
import { EnvironmentStateBadge, VerdictBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";
import { EmptyState, Facts, PageHeader, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { ButtonLink } from "@/components/ui/button";
import { RollbackButton } from "@/components/deployment/deploy-buttons";
import { can } from "@/lib/auth/policy";
import { previousGoodRelease } from "@/lib/domain/promotion";
import { getRelease } from "@/lib/services/releases";

type Props = { params: Promise<{ name: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  return { title: (await params).name };
}

export default async function EnvironmentPage({ params }: Props) {
  await connection();
  const { name } = await params;
  const db = await getDb();
  const environment = await getEnvironment(db, systemClock, name).catch((error: unknown) => {
    if (error instanceof NotFoundError) notFound();
    throw error;
  });
  const actor = await requireActor();
  const now = systemClock.now();
  const [apps, deployments, conversation] = await Promise.all([
    getPipeline(db).then((p) => listApps(db, p.id)),
    recentDeployments(db, environment.id),
    environment.kind === "review" ? reviewConversation(db, environment.id) : Promise.resolve([]),
  ]);

  const current = Object.values(environment.apps)[0]?.releaseId ?? null;
  const rollbackTo = can(actor, "environment.rollback") ? previousGoodRelease(deployments, current) : null;
  const rollbackRelease = rollbackTo ? await getRelease(db, rollbackTo) : null;

  return (
    <>
      <PageHeader
        actions={
          <>
            {environment.active.length > 0 && <AutoRefresh seconds={3} />}
            <ButtonLink href={`/deployments?environment=${environment.name}`}>History</ButtonLink>
            {can(actor, "environment.rollback") && (
              <RollbackButton
                environment={environment.name}
                target={rollbackRelease ? { id: rollbackRelease.id, commit: rollbackRelease.commit, versions: rollbackRelease.builds.map((b) => ({ app: b.app, version: b.build.version })) } : null}
              />
            )}
          </>
        }
        eyebrow={
          <Link href="/" className="hover:underline">
            Board
          </Link>
        }
        title={
          <span className="flex items-center gap-2">
            {environment.name}
            <EnvironmentStateBadge state={environment.state} />
            {environment.kind === "review" ? <Badge tone="violet">review · cloned from {environment.source}</Badge> : <Badge>fixed · #{(environment.position ?? 0) + 1} in the chain</Badge>}
            {environment.hold && <Badge tone="amber">on hold</Badge>}
          </span>
        }
        subtitle={(environment.settings as { description?: string }).description}
      />
      <div className="grid gap-6 xl:grid-cols-[2fr_1fr]">
        <div className="flex min-w-0 flex-col gap-6">
          {environment.kind === "review" && (
            <Panel title="Review" bodyClassName="px-4 py-3">
              <Facts
                items={[
                  ["Branch", <span key="b" className="font-mono">{environment.branch}</span>],
                  ["Cloned from", environment.source],
                  ["Owner", environment.owner?.name ?? "—"],
                  ["Expires", environment.expiresAt ? <RelativeTime key="e" at={environment.expiresAt} now={now} /> : "never"],
                  ["Verdict", <VerdictBadge key="v" verdict={environment.verdict} />],
                ]}
              />
              {conversation.length > 0 && (
                <ol className="mt-4 flex flex-col gap-2 border-t border-zinc-100 pt-3">
                  {conversation.map((v) => (
                    <li key={v.id}>
                      <VerdictBadge verdict={v.verdict} /> <span className="font-medium">{v.user.name}</span>{" "}
                      <span className="text-xs text-zinc-500"><RelativeTime at={v.createdAt} now={now} /></span>
                      {v.comment && <p className="mt-0.5 text-zinc-700">{v.comment}</p>}
                    </li>
                  ))}
                </ol>
              )}
            </Panel>
          )}
          {environment.hold && (
            <div role="status" className="rounded-lg border border-amber-200 bg-amber-50 px-4 py-3 text-amber-900">
              On hold since <RelativeTime at={environment.hold.at} now={now} />: automation will not deploy here until someone lifts the hold.
              {environment.hold.reason && <> Reason: {environment.hold.reason}</>}
            </div>
          )}
          <Panel title="Apps">
            <AppsTable environment={environment} apps={apps.map((a) => a.name)} now={now} />
          </Panel>
          <Panel title="Recent deployments">
            {deployments.length ? (
              <DeploymentsTable deployments={deployments} now={now} />
            ) : (
              <EmptyState title={`Nothing has been deployed to ${environment.name} yet`}>
                {environment.position === 0
                  ? "Register builds and cut a release through the API (see /api/v1/openapi.json); releases of this environment's branch enter here."
                  : "A release arrives here when it is promoted from the environment before this one."}
              </EmptyState>
            )}
          </Panel>
        </div>
        <RulesPanel config={environment.settings as Partial<EnvironmentConfig>} />
      </div>
    </>
  );
}
