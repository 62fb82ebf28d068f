import type { DeploymentKind, EnvironmentKind, GateKind } from "@/db/schema/enums";
import type { NotificationChannel } from "@/lib/config/schema";

/**
 * What Slipway announces to chat and webhooks. The names are the `events` vocabulary of
 * slipway.yaml's notification channels; every payload is plain JSON (it is stored in
 * notification_deliveries.payload and sent as the webhook's `data` as is).
 */
export const SLIPWAY_EVENTS = [
  "deployment.started",
  "deployment.succeeded",
  "deployment.failed",
  "deployment.rolled-back",
  "approval.needed",
  "approval.given",
  "approval.rejected",
  "gate.blocked",
  "verification.failed",
] as const satisfies readonly NonNullable<NotificationChannel["events"]>[number][];

export type SlipwayEventName = (typeof SLIPWAY_EVENTS)[number];

// Both directions: the config's list and ours can never drift apart.
type ConfigEventName = NonNullable<NotificationChannel["events"]>[number];
const _sameVocabulary: [ConfigEventName] extends [SlipwayEventName] ? true : never = true;
void _sameVocabulary;

export function isSlipwayEventName(value: string): value is SlipwayEventName {
  return (SLIPWAY_EVENTS as readonly string[]).includes(value);
}

export interface Person {
  name: string;
  email?: string;
}

export interface ReleaseRef {
  id: string;
  /** Full commit sha; renderers shorten it. */
  commit: string;
  branch: string;
}

/** One app's version in the release, in pipeline order (an array: jsonb does not keep key order). */
export interface AppVersion {
  app: string;
  version: string;
}

/** What every event about a deployment carries. */
export interface DeploymentData {
  /** Product (pipeline) name, e.g. "shop". */
  pipeline?: string;
  environment: string;
  environmentKind?: EnvironmentKind;
  deploymentId: string;
  kind: DeploymentKind;
  release: ReleaseRef;
  versions: AppVersion[];
  requestedBy: Person;
  /** Why it was requested, as typed by the requester. */
  reason?: string;
  /**
   * The deployment page: absolute, or a path ("/deployments/dep_…", see deploymentPath) that the
   * dispatcher resolves against its baseUrl when it sends.
   */
  url: string;
}

export interface ApprovalNeed {
  role: string;
  /** Approvals still missing in this role. */
  needed: number;
}

export interface UnmetGate {
  kind: GateKind;
  /** Human-readable: "freeze "Black Friday" until 28 Nov 18:00", "needs 1 pm approval". */
  message: string;
}

export interface EventData {
  "deployment.started": DeploymentData;
  "deployment.succeeded": DeploymentData & { durationMs?: number };
  "deployment.failed": DeploymentData & { failureReason: string; failedStep?: string };
  /** A rollback finished: `release` is what runs again, `from` what it replaced. */
  "deployment.rolled-back": DeploymentData & { from?: ReleaseRef; automatic?: boolean };
  "approval.needed": DeploymentData & { approvals: ApprovalNeed[] };
  "approval.given": DeploymentData & { approver: Person; role: string; comment?: string; remaining?: ApprovalNeed[] };
  "approval.rejected": DeploymentData & { approver: Person; role: string; comment?: string };
  "gate.blocked": DeploymentData & { gates: UnmetGate[] };
  /** A post-deploy verification of the deployment failed (for on-call): it blocks the next environment's `verified` gate. */
  "verification.failed": DeploymentData & { verification: { name: string; source: "ci" | "job"; url?: string; summary?: string } };
}

/** One announcement: `{ event, data }`, discriminated on `event`. */
export type SlipwayEvent = { [K in SlipwayEventName]: { event: K; data: EventData[K] } }[SlipwayEventName];

export type EventOf<K extends SlipwayEventName> = Extract<SlipwayEvent, { event: K }>;

/** The deployment page, relative to Slipway's public URL. */
export function deploymentPath(deploymentId: string): string {
  return `/deployments/${encodeURIComponent(deploymentId)}`;
}

/** The deployment page as an absolute URL when a base URL is known, else its path. */
export function deploymentUrl(baseUrl: string | undefined, deploymentId: string): string {
  return resolveUrl(deploymentPath(deploymentId), baseUrl);
}

/** Resolves a relative `url` against the base URL (absolute URLs pass through unchanged). */
export function resolveUrl(url: string, baseUrl: string | undefined): string {
  if (/^https?:\/\//i.test(url) || !baseUrl) return url;
  try {
    return new URL(url.replace(/^\/+/, ""), baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`).toString();
  } catch {
    return url;
  }
}

/** Whether a channel wants this event (every event when the channel lists none). */
export function subscribes(channel: NotificationChannel, event: SlipwayEventName): boolean {
  return !channel.events || channel.events.includes(event);
}
