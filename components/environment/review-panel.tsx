import Link from "next/link";
import type { DeploymentState } from "@/db/schema/enums";
import type { EnvironmentView, reviewConversation } from "@/lib/services/environments";
import type { ReviewAddressView } from "@/lib/services/environment-page-review";
import { PromoteButton, type ReleaseSummary } from "@/components/deployment/deploy-buttons";
import type { PromotionPreview } from "@/lib/domain/promotion-preview";
import { ReviewAddresses } from "@/components/review/review-addresses";
import { ExpiryLabel, ReviewStatus } from "@/components/review/review-status";
import { VerdictForm } from "@/components/review/verdict-form";
import { DeploymentStateBadge, VerdictBadge } from "@/components/status";
import { Facts, Panel } from "@/components/ui/layout";
import { RelativeTime } from "@/components/ui/time";
import { VERIFIABLE_ENVIRONMENT_STATES } from "@/lib/domain/vocabulary";
import { environmentRef } from "@/lib/paths";

/** A verdict is about something running: the service refuses one while it provisions or after it failed. */
const VERIFIABLE: readonly string[] = VERIFIABLE_ENVIRONMENT_STATES;

export interface ReviewPanelProps {
  /** The pipeline the environment belongs to: actions name it as "<pipeline>/<name>". */
  pipeline: string;
  environment: EnvironmentView;
  /** Its addresses whatever the Apps table is filtered to (its own, then those its source serves for it). */
  addresses: ReviewAddressView[];
  conversation: Awaited<ReturnType<typeof reviewConversation>>;
  now: Date;
  /** What the environment runs now (`running`), or the release on its way in while it provisions. */
  release: (ReleaseSummary & { running: boolean }) | null;
  /** The deployment of that release into the source, once someone promoted it. */
  promotion: { deploymentId: string; state: DeploymentState } | null;
  allowed: { verdict: boolean; promote: boolean };
  /** What promoting the release into the source would do now; null when it has no source. */
  promotionPreview: PromotionPreview | null;
}

function AcceptedNext({
  pipeline,
  environment,
  release,
  promotion,
  canPromote,
  preview,
}: {
  pipeline: string;
  environment: EnvironmentView;
  release: ReleaseSummary;
  promotion: ReviewPanelProps["promotion"];
  canPromote: boolean;
  preview: PromotionPreview | null;
}) {
  const source = environment.source ?? "its source";
  return (
    <div className="flex flex-col gap-2 rounded-md bg-emerald-50 px-3 py-2.5 ring-1 ring-emerald-200 ring-inset">
      <div className="flex flex-wrap items-center justify-between gap-2">
        <p className="text-emerald-950">
          Accepted: release <span className="font-mono">{release.commit.slice(0, 7)}</span> may enter {source} through {source}&apos;s own gates.
        </p>
        {promotion ? (
          <span className="flex items-center gap-2 text-xs">
            <DeploymentStateBadge state={promotion.state} />
            <Link href={`/deployments/${promotion.deploymentId}`} className="text-sky-700 hover:underline">
              Its deployment to {source} <span aria-hidden="true">→</span>
            </Link>
          </span>
        ) : (
          canPromote && environment.source && preview && <PromoteButton pipeline={pipeline} release={release} from={environment.name} to={environment.source} preview={preview} />
        )}
      </div>
      <p className="text-xs text-emerald-900">Once the release is in {source}, this review environment has done its job: tear it down to free its slot and its resources.</p>
    </div>
  );
}

/** A review environment's address, facts, and the delivery lead's verdicts on it. */
export function ReviewPanel({ pipeline, environment, addresses, conversation, now, release, promotion, allowed, promotionPreview }: ReviewPanelProps) {
  const updating = environment.active.some((d) => d.state === "running" || d.state === "verifying");
  const canGiveVerdict = allowed.verdict && VERIFIABLE.includes(environment.state);
  return (
    <>
      <Panel title="Review" bodyClassName="flex flex-col gap-4 px-4 py-3">
        <ReviewAddresses addresses={addresses} state={environment.state} />
        <div className="border-t border-zinc-100 pt-3">
          <Facts
            items={[
              ["Status", <ReviewStatus key="s" state={environment.state} updating={updating} />],
              [
                "Branch",
                <span key="b" className="font-mono">
                  {environment.branch}
                </span>,
              ],
              [
                "Release",
                release ? (
                  <span key="r">
                    <Link href={`/releases/${release.id}`} className="font-mono hover:underline">
                      {release.commit.slice(0, 7)}
                    </Link>{" "}
                    <span className="text-zinc-500">({release.versions.map((v) => `${v.app} ${v.version}`).join(", ")})</span>
                    {!release.running && <span className="text-zinc-500"> · being deployed</span>}
                  </span>
                ) : (
                  "—"
                ),
              ],
              ["Cloned from", environment.source],
              ["Owner", environment.owner?.name ?? "—"],
              ["Expires", <ExpiryLabel key="e" expiresAt={environment.expiresAt} now={now} />],
            ]}
          />
        </div>
      </Panel>

      <Panel
        title={
          <span className="flex items-center gap-2">
            Verdict <VerdictBadge verdict={environment.verdict} />
          </span>
        }
        bodyClassName="flex flex-col gap-4 px-4 py-3"
      >
        {environment.verdict === "accepted" && release?.running && <AcceptedNext pipeline={pipeline} environment={environment} release={release} promotion={promotion} canPromote={allowed.promote} preview={promotionPreview} />}
        {conversation.length > 0 ? (
          <ol aria-label="Verdicts" className="flex flex-col gap-2">
            {conversation.map((v) => (
              <li key={v.id}>
                <VerdictBadge verdict={v.verdict} /> <span className="font-medium">{v.user.name}</span>{" "}
                <span className="text-xs text-zinc-500">
                  <RelativeTime at={v.createdAt} now={now} />
                </span>
                {v.comment && <p className="mt-0.5 text-zinc-700">{v.comment}</p>}
              </li>
            ))}
          </ol>
        ) : (
          <p className="text-zinc-500">No verdict yet: a delivery lead accepts the branch here, or says which changes it needs.</p>
        )}
        {canGiveVerdict && (
          <div className="border-t border-zinc-100 pt-3">
            <VerdictForm environment={environment.name} environmentRef={environmentRef(pipeline, environment.name)} />
          </div>
        )}
        {allowed.verdict && !canGiveVerdict && <p className="text-xs text-zinc-500">A verdict can be given once it runs ({environment.state} now).</p>}
      </Panel>
    </>
  );
}
