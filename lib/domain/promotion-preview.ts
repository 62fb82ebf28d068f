import type { EnvironmentConfig } from "@/lib/config/schema";
import { activeFreezes, type StoredFreeze } from "./gates/freeze";
import { formatDate, formatList, formatRelative, formatSpan, formatWeekdayClock, plural } from "./gates/format";
import { currentOpening, nextOpening } from "./gates/window";
import { roleCount, roleName, withArticle } from "./roles";
import { effectiveStrategy } from "./strategy";

export interface PromotionPreviewInput {
  /** The environment the release goes to. */
  to: string;
  /** Where it comes from; null when it enters the chain. */
  from: string | null;
  /** The target environment's settings as loaded from slipway.yaml. */
  config: Partial<EnvironmentConfig>;
  /** Freezes stored in the database (any environment; the applicable ones are picked). */
  storedFreezes?: readonly StoredFreeze[];
  /** The target environment's hold after a rollback, if any. */
  hold?: { reason: string | null } | null;
  /** Who may lift a hold, as the policy says it ("a delivery lead, tech lead or admin"); default "someone". */
  holdLifters?: string;
  /** Nothing runs in the target yet: there is no current release to replace. */
  empty?: boolean;
  /** The approval rule that applies instead of the environment's own (a fast-track's `fastTrack.approvals`). */
  approvals?: { rules: readonly { role: string; count: number }[] } | undefined;
  now: Date;
}

/** What a Promote confirmation says: how the rollout goes, and what stands in its way right now. */
export interface PromotionPreview {
  /** One sentence on how the release replaces the running one, from the environment's strategy. */
  rollout: string;
  /** One sentence per gate that holds it now or will ask something of people; empty when it starts at once. */
  waits: string[];
  /** What the person should know that does not hold it (a hold after a rollback stops only automatic promotion). */
  notes: string[];
}

/**
 * Describes, in plain sentences, what promoting a release into `to` will do now: derived from the
 * environment's effective strategy (recreate closes it, blue-green keeps the old release warm for
 * `warmFor`, rolling shifts traffic in steps) and its gates at `now` (a closed window with its next
 * opening in the window's zone, active freezes with their end, approvals, checklist) — and, as a
 * note, a hold after a rollback: it stops automatic promotion only, never a deployment a person asks for.
 * Pure: no I/O, the clock is `now`; `config.warmFor` is in milliseconds, as loaded.
 */
export function describePromotion(input: PromotionPreviewInput): PromotionPreview {
  const { to, config, now } = input;
  const { strategy } = effectiveStrategy(null, config);
  let rollout: string;
  if (input.empty) {
    rollout = `Nothing runs in ${to} yet: its apps start on this release, and ${to} serves once they are healthy. Its ${strategy} strategy applies from the next release.`;
  } else if (strategy === "recreate") {
    rollout = `${to} is recreated: it closes (a maintenance page, 503) for a few seconds while every app is replaced, then reopens on the new release. Nothing stays warm; a rollback is another deployment.`;
  } else if (strategy === "blue-green") {
    const warmMs = config.warmFor ?? 30 * 60_000;
    rollout = `${to} switches all traffic to the new release once it is verified; the current release stays warm for ${formatSpan(warmMs)} after the switch, so a rollback is a traffic switch.`;
  } else {
    rollout = `${to} moves traffic to the new release in steps (25 %, 50 %, 75 %), checking health at each, then switches; the current release serves the rest until then.`;
  }

  const waits: string[] = [];
  const notes: string[] = [];
  const gates = config.gates;
  const overriders = config.overrides?.roles ?? [];
  const overrideHint = overriders.length > 0 ? `, unless ${withArticle(formatList(overriders.map(roleName), "or"))} overrides it with a reason` : "";
  if (input.hold) {
    const automatic = config.autoPromote ? `automatic promotion waits until ${input.holdLifters ?? "someone"} lifts the hold` : `${to} takes no automatic promotion, and the hold stays until ${input.holdLifters ?? "someone"} lifts it`;
    notes.push(`${to} is on hold after a rollback${input.hold.reason ? ` (${input.hold.reason})` : ""}: this deployment goes ahead, as any a person asks for does; ${automatic}.`);
  }
  const frozen = activeFreezes({ configured: gates?.freezes ?? [], stored: input.storedFreezes ?? [], environment: to }, now);
  for (const f of frozen) {
    const until = f.end ? `until ${formatDate(f.end, f.timezone, now)} ${f.timezone} (${formatRelative(f.end, now)})` : "until it is lifted";
    waits.push(`${to} is frozen now by ${f.name} (${f.reason}) ${until}: the deployment waits${overrideHint}.`);
  }
  const windows = gates?.windows ?? [];
  if (windows.length > 0 && !currentOpening(windows, now)) {
    const next = nextOpening(windows, now);
    const zone = next?.window.timezone;
    const when = next && zone ? `; it opens ${formatWeekdayClock(next.opensAt, zone)} ${zone} (${formatRelative(next.opensAt, now)})` : "";
    waits.push(`${to}'s deploy window is closed now${when}. The deployment waits for it${overrideHint}.`);
  }
  const rules = (input.approvals ?? gates?.approvals)?.rules ?? [];
  if (rules.length > 0) {
    waits.push(`It needs approval by ${formatList(rules.map((r) => roleCount(r.count, r.role)))} (not by you) before it starts.`);
  }
  const checklist = gates?.checklist ?? [];
  if (checklist.length > 0) waits.push(`You tick ${plural(checklist.length, "pre-flight checklist item")} on its page before it starts.`);
  return { rollout, waits, notes };
}
