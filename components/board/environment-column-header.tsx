import Link from "next/link";
import { automationOf } from "@/lib/domain/hold";
import type { EnvironmentConfig } from "@/lib/config/schema";
import { ruleLabels } from "@/lib/domain/environment-summary";
import { effectiveStrategy } from "@/lib/domain/strategy";
import type { EnvironmentView } from "@/lib/services/environments";
import { FastTrackButton, PromoteButton } from "@/components/deployment/deploy-buttons";
import type { SoakPlan } from "@/components/deployment/soak-statement";
import { DeploymentStateBadge } from "@/components/status";
import { Badge } from "@/components/ui/badge";
import type { GateState } from "@/lib/domain/gate-state";
import { GateStateList } from "./gate-state";
import { environmentPath } from "@/lib/paths";
import type { FastTrackOffer, Waiting } from "@/lib/domain/board-moves";
import type { LastFailure } from "@/lib/services/board-column-facts";
import { RelativeTime } from "@/components/ui/time";

/** "Promotion of abc1234 failed": what the failed rollout was. */
const FAILED_KIND = { promote: "Promotion", "fast-track": "Fast-track", rollback: "Rollback", redeploy: "Redeploy", config: "Config change" } as Record<string, string>;

/**
 * A board column's head: the environment, what guards it, what is moving into it and what waits.
 * What waits and what can be fast-tracked are decided by the board's service (lib/domain/board-moves.ts);
 * the buttons show only to a viewer who may deploy.
 */
export function EnvironmentColumnHeader({
  pipeline,
  environment,
  waiting,
  canDeploy,
  fastTrack,
  skippedBy,
  gateState,
  lastFailure,
  now,
}: {
  /** The pipeline's name, for links. */
  pipeline: string;
  environment: EnvironmentView;
  waiting: Waiting | null;
  canDeploy: boolean;
  fastTrack?: (FastTrackOffer & { soak?: SoakPlan | null }) | null;
  skippedBy?: { commit: string; environment: string } | null;
  /** What guards the environment right now (freezes, window, incidents, hold). */
  gateState?: GateState | undefined;
  /** The newest rollout that ended here, when it failed: shown while nothing else rolls out. */
  lastFailure?: LastFailure | null;
  now?: Date;
}) {
  const config = environment.settings as Partial<EnvironmentConfig>;
  return (
    <div className="flex flex-col gap-1.5">
      <div className="flex items-center gap-2">
        <Link href={environmentPath(pipeline, environment.name)} className="text-sm font-semibold text-zinc-900 hover:underline">
          {environment.name}
        </Link>
        {config.branch && <span className="font-mono text-xs text-zinc-500">{config.branch}</span>}
      </div>
      <div className="flex flex-wrap gap-1">
        <Badge title="How a new release replaces the running one here">{effectiveStrategy(null, config).strategy}</Badge>
        {ruleLabels(config).map((label) => (
          <Badge key={label} tone={label === "auto-promote" ? "blue" : "neutral"}>
            {label}
          </Badge>
        ))}
      </div>
      {gateState && <GateStateList pipeline={pipeline} environment={environment.name} state={gateState} now={now ?? new Date()} automation={automationOf(environment)} />}
      {environment.active.length > 0 && (
        <ul className="flex flex-col gap-1" aria-label={`Deployments in progress into ${environment.name}`}>
          {environment.active.map((d) => (
            <li key={d.id}>
              <Link href={`/deployments/${d.id}`} className="flex items-center gap-1.5 text-xs font-normal text-zinc-600 hover:underline">
                <DeploymentStateBadge state={d.state} activity={d.activity} /> {d.kind}
              </Link>
              {d.blocker && (
                <p className="mt-0.5 line-clamp-2 text-xs font-normal text-amber-800" title={d.blocker}>
                  {d.blocker}
                </p>
              )}
            </li>
          ))}
        </ul>
      )}
      {lastFailure && environment.active.length === 0 && (
        <div className="flex flex-col gap-0.5 text-xs font-normal text-red-800" data-testid="last-failure">
          <Link href={`/deployments/${lastFailure.deploymentId}`} className="hover:underline">
            <span className="font-medium">
              {FAILED_KIND[lastFailure.kind] ?? "Rollout"} of <span className="font-mono">{lastFailure.commit.slice(0, 7)}</span> failed
            </span>{" "}
            <RelativeTime at={lastFailure.at} now={now ?? new Date()} className="text-red-700/80" />
          </Link>
          {lastFailure.reason && (
            <p className="line-clamp-4 break-words" title={lastFailure.reason}>
              {lastFailure.reason}
            </p>
          )}
        </div>
      )}
      {skippedBy && (
        <p className="text-xs font-normal text-amber-800">
          Skipped: {skippedBy.environment} runs <span className="font-mono">{skippedBy.commit.slice(0, 7)}</span>, fast-tracked past this environment.
        </p>
      )}
      {fastTrack && canDeploy && (
        <div className="flex flex-col items-start gap-1 text-xs font-normal text-zinc-600">
          {fastTrack.advice ? (
            // Advice, not a rule: the fast-track's own gates and approvals decide; whoever approves should know.
            <span className="text-amber-800" data-testid="fast-track-trouble">
              {fastTrack.advice}
            </span>
          ) : (
            <span>
              Release <span className="font-mono">{fastTrack.release.commit.slice(0, 7)}</span> can be fast-tracked
            </span>
          )}
          <FastTrackButton
            pipeline={pipeline}
            release={fastTrack.release}
            to={environment.name}
            skipped={fastTrack.skipped}
            approvals={fastTrack.approvals}
            stronger={fastTrack.stronger}
            waits={fastTrack.waits}
            notes={fastTrack.notes}
            soak={fastTrack.soak}
          />
        </div>
      )}
      {waiting && (
        <div className="flex flex-col items-start gap-1 text-xs font-normal text-sky-800">
          <span title={waiting.release.versions.map((v) => `${v.app} ${v.version}`).join(", ")}>
            Release <span className="font-mono">{waiting.release.commit.slice(0, 7)}</span> waiting {waiting.from ? `in ${waiting.from}` : "to enter"}
          </span>
          {canDeploy && (
            <PromoteButton pipeline={pipeline} release={waiting.release} from={waiting.from} to={environment.name} preview={waiting.preview} label={waiting.from ? `Promote to ${environment.name} →` : `Deploy to ${environment.name}`} />
          )}
        </div>
      )}
    </div>
  );
}
