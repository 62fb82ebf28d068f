"use client";

import Link from "next/link";
import type { PortfolioEnvironment, PortfolioPipeline } from "@/lib/services/portfolio";
import { environmentPath, pipelinePath } from "@/lib/paths";
import { plural } from "@/lib/domain/plural";
import { FAILING_HEALTH_DESCRIPTION, FAILING_HEALTH_LABEL } from "@/lib/domain/health";
import { Badge, Dot } from "@/components/ui/badge";
import { DeploymentStateBadge } from "@/components/status";
import { RelativeTime } from "@/components/ui/time";

/** One environment of a pipeline's chain: what it runs, its health, what waits and on whom. */
function EnvironmentTile({ pipeline, env, now }: { pipeline: string; env: PortfolioEnvironment; now: Date }) {
  const health = env.healthSummary;
  return (
    <li className="env-tile" data-testid="portfolio-environment" data-env={env.name}>
      <div className="flex items-center justify-between gap-2">
        <Link href={environmentPath(pipeline, env.name)} className="env-tile-name">
          {env.name}
        </Link>
        <span className="flex gap-1">
          {env.freezes.length > 0 && (
            <Badge tone="blue" title={`Frozen: ${env.freezes.join(", ")}`}>
              ❄ frozen
            </Badge>
          )}
          {env.openIncidents > 0 && <Badge tone="red">{plural(env.openIncidents, "incident")}</Badge>}
          {env.held && <Badge tone="amber">on hold</Badge>}
        </span>
      </div>
      <div className="text-xs" data-testid="portfolio-release">
        {env.release ? (
          <Link href={`/releases/${env.release.id}`} className="link-commit" title={`release of ${env.release.branch}`}>
            {env.release.commit.slice(0, 7)}
          </Link>
        ) : env.releases > 1 ? (
          <span className="text-amber-800" title="Its apps run different releases (a rollout in progress, or drift)">
            mixed: {plural(env.releases, "release")}
          </span>
        ) : (
          <span className="text-zinc-400">nothing deployed</span>
        )}
        {env.deployedAt && (
          <span className="text-zinc-500">
            {" "}
            · <RelativeTime at={env.deployedAt} now={now} />
          </span>
        )}
      </div>
      {/* An environment running nothing has no health to tell: the release line already says so. */}
      {env.deployedApps > 0 && (
        <span className="health text-zinc-700" data-testid="portfolio-health" data-health={health.tone}>
          <Dot tone={health.tone} />
          {health.label}
        </span>
      )}
      {env.rollingOut && (
        <Link href={`/deployments/${env.rollingOut.id}`} className="w-fit">
          <DeploymentStateBadge state={env.rollingOut.state} />
        </Link>
      )}
      {env.waiting.map((w) => (
        <Link key={w.id} href={`/deployments/${w.id}`} className="block text-xs text-amber-900 hover:underline" title={w.blocker ?? `${w.state}: queued behind another rollout`} data-testid="portfolio-waiting">
          <span className="font-mono">{w.releaseCommit.slice(0, 7)}</span> {w.state}
          {w.approvalsNeeded ? <> · {w.approvalsNeeded}</> : w.blocker ? <> · {w.blocker}</> : null}
          {w.mine && <span className="ml-1 rounded bg-amber-400 px-1 font-semibold text-zinc-900">your decision</span>}
        </Link>
      ))}
    </li>
  );
}

/**
 * A pipeline in the portfolio: its name, owner and counts, then its chain of environments in order.
 * A client component so the page's payload carries each pipeline's data once instead of its
 * rendered element tree (a page of pipelines × their environments: 363 KB of payload at 50 → a fraction).
 */
export function PipelineSummary({ pipeline, now }: { pipeline: PortfolioPipeline; now: Date }) {
  const { openIncidents: incidents, waiting } = pipeline;
  return (
    <section className="min-w-0 rounded-lg border border-zinc-200 bg-white" aria-label={`Pipeline ${pipeline.name}`} data-testid="portfolio-pipeline" data-pipeline={pipeline.name}>
      <header className="flex flex-wrap items-center gap-x-3 gap-y-1 border-b border-zinc-200 px-4 py-2">
        <h2 className="text-sm font-semibold">
          <Link href={pipelinePath(pipeline.name)} className="hover:underline">
            {pipeline.name}
          </Link>
        </h2>
        {pipeline.team && (
          <Badge tone="violet" title="Owning team">
            {pipeline.team.displayName ?? pipeline.team.name}
          </Badge>
        )}
        <span className="text-xs text-zinc-500">
          {plural(pipeline.appCount, "app")} · {plural(pipeline.environments.length, "environment")} ·{" "}
          <Link href={`${pipelinePath(pipeline.name)}#review-environments`} className="hover:underline" data-testid="portfolio-review-count">
            {plural(pipeline.reviewCount, "review environment")}
          </Link>
        </span>
        <span className="ml-auto flex flex-wrap gap-1">
          {pipeline.needsMyDecision && <Badge tone="amber">needs your decision</Badge>}
          {waiting > 0 && !pipeline.needsMyDecision && <Badge tone="amber">{waiting} waiting</Badge>}
          {pipeline.failing && (
            <Badge tone="red" title={FAILING_HEALTH_DESCRIPTION}>
              {FAILING_HEALTH_LABEL.toLowerCase()}
            </Badge>
          )}
          {incidents > 0 && <Badge tone="red">{plural(incidents, "open incident")}</Badge>}
        </span>
      </header>
      {pipeline.matchedApps.length > 0 && (
        <div className="border-b border-zinc-100 px-4 py-1 text-xs text-zinc-600" data-testid="portfolio-matched-apps">
          Apps matching:{" "}
          {pipeline.matchedApps.map((a) => (
            <span key={a} className="mr-1.5 font-mono text-zinc-900">
              {a}
            </span>
          ))}
        </div>
      )}
      {pipeline.environments.length ? (
        <ol className="flex overflow-x-auto" aria-label={`${pipeline.name} environments in chain order`}>
          {pipeline.environments.map((env) => (
            <EnvironmentTile key={env.id} pipeline={pipeline.name} env={env} now={now} />
          ))}
        </ol>
      ) : (
        <p className="px-4 py-3 text-sm text-zinc-500">No environments declared.</p>
      )}
    </section>
  );
}
