import type { EnvironmentConfig } from "@/lib/config/schema";
import { storedOf } from "@/db/queries/freezes";
import type { DeploymentState } from "@/db/schema/enums";
import { can, whoMay, type Target } from "@/lib/auth/policy";
import { describePromotion, type PromotionPreview } from "@/lib/domain/promotion-preview";
import type { liveFreezeRows } from "./board-guards";
import type { ServiceContext } from "./context";
import type { DeploymentDetail } from "./deployment-queries";
import { getEnvironmentRecord, isGone, type EnvironmentView, type reviewConversation } from "./environments";
import type { ReleaseSummaryView } from "./release-summaries";
import type { InheritedAddress } from "./review-clone";

/**
 * The review environment's part of its environment page (environment-page.ts): what it reads on
 * every view besides the shared reads, and the section the page shows — the rollout on its way,
 * the release it runs, what promoting it into its source would do, whether it went there, its
 * conversation and what the viewer may do with it.
 */

/** What a review environment's page adds: the rollout in progress, the release it runs, and whether that went on to its source. */
export interface ReviewSection {
  rollout: DeploymentDetail | null;
  promotionPreview: PromotionPreview | null;
  release: (ReleaseSummaryView & { running: boolean }) | null;
  promotion: { deploymentId: string; state: DeploymentState } | null;
  conversation: Awaited<ReturnType<typeof reviewConversation>>;
  /** A partial review environment: the apps of the Apps table's page its source serves for it (their addresses there). */
  inherited: InheritedAddress[];
  /**
   * Where a reviewer opens it, whatever the Apps table is filtered to: the first page of its apps
   * (slipway.yaml order), each at its own address, then those its source serves (`from`).
   */
  addresses: ReviewAddressView[];
  allowed: { verdict: boolean; promote: boolean; extend: boolean; teardown: boolean };
}

/** A review environment's source as its page reads it with the environment (findPageEnvironment). */
export interface SourceRecord {
  name: string;
  pipelineId: string;
  state: string;
  settings: unknown;
  heldAt: Date | null;
  heldBy: string | null;
  holdReason: string | null;
}

/**
 * What a review environment's page reads on every view besides the environment's own statement
 * (its rollout in progress and inherited addresses are shared reads): the source as a promotion
 * would find it, and the freezes its gates would weigh now.
 */
export async function reviewReads(ctx: ServiceContext, environment: EnvironmentView, source: SourceRecord | null, gone: boolean, pipelineName: string, pipelineFreezes: ReturnType<typeof liveFreezeRows> | null) {
  const { db, clock } = ctx;
  const now = clock.now();
  // The source came with the environment; looked up by name only when that record is gone (a
  // source retired and registered again), as getEnvironmentRecord() would find it.
  const liveSource = source && source.pipelineId === environment.pipelineId && !isGone({ state: source.state as EnvironmentView["state"] }) ? source : null;
  const [target, storedFreezes] = await Promise.all([
    environment.source && !gone
      ? liveSource
        ? { name: liveSource.name, settings: liveSource.settings, hold: liveSource.heldAt ? { at: liveSource.heldAt, by: liveSource.heldBy, reason: liveSource.holdReason } : null }
        : getEnvironmentRecord(db, clock, environment.source, pipelineName, { cells: false })
      : null,
    // Those touching its pipeline: the freezes that can cover its source (another pipeline's never do).
    pipelineFreezes ? pipelineFreezes.then((rows) => rows.map(storedOf)) : [],
  ]);
  return { target, storedFreezes, now };
}

/** One address of a review environment; `from` names the source environment that serves the app for it. */
export interface ReviewAddressView {
  app: string;
  url: string;
  from?: string;
}

/** The addresses of `apps` (rows of its apps page): their own where they run, then `inherited`'s for the apps among them its source serves. */
export function reviewAddresses(apps: readonly { app: string; cell: { url: string | null } | null }[], inherited: readonly InheritedAddress[]): ReviewAddressView[] {
  const listed = new Set(apps.map((row) => row.app));
  return [...apps.flatMap((row) => (row.cell?.url ? [{ app: row.app, url: row.cell.url }] : [])), ...inherited.filter((address) => listed.has(address.app))];
}

export function reviewSection(
  ctx: ServiceContext,
  environment: EnvironmentView,
  reads: Awaited<ReturnType<typeof reviewReads>> & { rollout: DeploymentDetail | null; inherited: InheritedAddress[]; addresses: ReviewAddressView[] },
  release: { summary: ReleaseSummaryView; promotion: { deploymentId: string; state: DeploymentState } | null } | null,
  currentReleaseId: string | null,
  conversation: ReviewSection["conversation"],
  gone: boolean,
  scope: Target,
): ReviewSection {
  const { actor } = ctx;
  const { rollout, target, storedFreezes, inherited, addresses, now } = reads;
  const owner = { ownerId: environment.owner?.id };
  return {
    rollout,
    // What promoting it into its source would do now, for the Promote confirmation.
    promotionPreview: target
      ? describePromotion({ to: target.name, from: environment.name, config: target.settings as Partial<EnvironmentConfig>, storedFreezes, hold: target.hold, holdLifters: whoMay("environment.hold.lift"), now })
      : null,
    release: release ? { ...release.summary, running: release.summary.id === currentReleaseId } : null,
    // Whether it went on to its source: its newest deployment there that did not fail.
    promotion: release?.promotion ?? null,
    conversation,
    inherited,
    addresses,
    allowed: gone
      ? { verdict: false, promote: false, extend: false, teardown: false }
      : { verdict: can(actor, "review.verdict", scope), promote: can(actor, "deployment.request", scope), extend: can(actor, "review.extend", { ...owner, ...scope }), teardown: can(actor, "review.teardown", { ...owner, ...scope }) },
  };
}
