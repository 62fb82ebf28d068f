import type { Metadata } from "next";
import Link from "next/link";
import { connection } from "next/server";
import { getServiceContext } from "@/lib/server/page-context";
import { myRequests, pendingDecisions } from "@/lib/services/approvals";
import { getDeployment } from "@/lib/services/deployment-queries";
import { pipelineOf } from "@/lib/services/pipeline-scope";
import { getEnvironment } from "@/lib/services/environments";
import { DecisionItem } from "@/components/approvals/decision-item";
import { MyRequests } from "@/components/approvals/my-requests";
import { roleName } from "@/lib/domain/roles";
import { decisionPropsFor } from "@/lib/services/decision-queries";
import { Badge } from "@/components/ui/badge";
import { AutoRefresh } from "@/components/ui/auto-refresh";
import { EmptyState, PageHeader, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";

export const metadata: Metadata = { title: "Approvals" };

/**
 * The approvals inbox: what waits for this person's decision (and only that: a deployment they
 * already decided moves to a short "decided" list until it ships), then their own requests and
 * what each waits on.
 */
export default async function ApprovalsPage() {
  await connection();
  const { db, actor, clock } = await getServiceContext();
  const now = clock.now();
  const [pending, requests] = await Promise.all([pendingDecisions(db, actor), myRequests(db, actor)]);
  const open = pending.filter((p) => !p.decided);
  const decided = pending.filter((p) => p.decided);
  const items = await Promise.all(
    open.map(async (p) => {
      const deployment = await getDeployment(db, p.deployment.id);
      // Environment names repeat across pipelines: look it up in the deployment's own.
      const pipeline = (await pipelineOf(db, { environmentId: deployment.environmentId })).name;
      const environment = await getEnvironment(db, clock, deployment.environment.name, pipeline);
      return { deployment, environment, pipeline, decisions: await decisionPropsFor(db, actor, deployment) };
    }),
  );
  return (
    <>
      <AutoRefresh seconds={10} />
      <PageHeader title="Approvals" subtitle="Deployments waiting for a decision you can give (in a role you hold, never on your own request), and your own requests." />
      <div className="flex flex-col gap-6">
        <section aria-labelledby="to-decide" className="flex flex-col gap-3">
          <h2 id="to-decide" className="text-sm font-semibold text-zinc-900">
            Waiting for your decision ({items.length})
          </h2>
          {items.length === 0 ? (
            <Panel>
              <EmptyState title="Nothing waits for you">When a deployment needs an approval in one of your roles, it appears here (and in the notifications of your team&apos;s channel).</EmptyState>
            </Panel>
          ) : (
            items.map(({ deployment, environment, pipeline, decisions }) => <DecisionItem key={deployment.id} deployment={deployment} environment={environment} pipeline={pipeline} decisions={decisions} now={now} />)
          )}
        </section>
        {decided.length > 0 && (
          <Panel title={`You decided; still waiting on others (${decided.length})`}>
            <ul aria-label="Decided by you" className="flex flex-col gap-1.5 px-4 py-3">
              {decided.map((p) => (
                <li key={p.deployment.id} className="flex flex-wrap items-center gap-2">
                  <Link href={`/deployments/${p.deployment.id}`} className="text-sky-700 hover:underline">
                    {p.deployment.kind === "fast-track" ? "Fast-track" : "Promotion"} to {p.environment}
                  </Link>
                  <Badge tone={p.decided!.decision === "approve" ? "green" : "red"}>{p.decided!.decision === "approve" ? "you approved" : "you rejected"}</Badge>
                  <span className="text-xs text-zinc-500">
                    as {roleName(p.decided!.role)} <RelativeTime at={p.decided!.createdAt} now={now} />
                  </span>
                </li>
              ))}
            </ul>
          </Panel>
        )}
        <MyRequests requests={requests} now={now} />
      </div>
    </>
  );
}
