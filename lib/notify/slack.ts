import type { ApprovalNeed, AppVersion, DeploymentData, Person, ReleaseRef, SlipwayEvent } from "./events";
import { roleName } from "@/lib/domain/roles";
import { personName } from "@/lib/domain/people";
import { resolveUrl } from "./events";

/**
 * Slack-compatible incoming-webhook messages (Slack, Mattermost, Rocket.Chat and friends accept
 * `{ text, blocks }`). One scannable line per event — emoji, environment, what happened, to which
 * release, by whom, a link — with the details in a context block.
 */

export interface SlackBlock {
  type: "section" | "context";
  text?: { type: "mrkdwn"; text: string };
  elements?: { type: "mrkdwn"; text: string }[];
}

export interface SlackMessage {
  text: string;
  blocks?: SlackBlock[];
}

/** Slack's limit for a section's and a context element's text; the top-level text stays under it too. */
export const SLACK_TEXT_LIMIT = 3000;
const MAX_APPS_SHOWN = 8;
const MAX_GATES_SHOWN = 6;

export function renderSlackMessage(event: SlipwayEvent, options: { baseUrl?: string } = {}): SlackMessage {
  const url = resolveUrl(String(event.data.url ?? ""), options.baseUrl);
  const link = /^https?:\/\//i.test(url) ? ` — <${slackUrl(url)}|view>` : "";
  const headline = clip(renderHeadline(event), SLACK_TEXT_LIMIT - link.length) + link;
  const details = clip(renderDetails(event.data), SLACK_TEXT_LIMIT);
  return {
    text: headline,
    blocks: [{ type: "section", text: { type: "mrkdwn", text: headline } }, ...(details ? [{ type: "context" as const, elements: [{ type: "mrkdwn" as const, text: details }] }] : [])],
  };
}

function renderHeadline(event: SlipwayEvent): string {
  const d = event.data;
  const env = esc(d.environment);
  const release = releaseLabel(d.release, d.versions);
  const by = esc(nameOf(d.requestedBy));
  switch (event.event) {
    case "deployment.started":
      return `🚀 ${env}: ${startedVerb(d.kind)} ${release}, requested by ${by}`;
    case "deployment.succeeded":
      return `✅ ${env}: ${succeededPhrase(d.kind, release)} by ${by}`;
    case "deployment.failed": {
      const e = event;
      const step = e.data.failedStep ? ` at ${esc(clipRaw(e.data.failedStep, 100))}` : "";
      return `❌ ${env}: ${failedSubject(d.kind, release)} failed${step}: ${esc(clipRaw(e.data.failureReason || "no reason recorded", 500))}`;
    }
    case "deployment.rolled-back": {
      const e = event;
      const from = e.data.from?.commit ? ` from ${shortSha(e.data.from.commit)}` : "";
      const how = e.data.automatic ? "automatically rolled back" : "rolled back";
      const who = e.data.automatic ? "" : ` by ${by}`;
      const why = d.reason ? `: ${esc(clipRaw(d.reason, 300))}` : "";
      return `↩️ ${env}: ${how} to ${release}${from}${who}${why}`;
    }
    case "approval.needed": {
      const e = event;
      const needs = approvalsPhrase(e.data.approvals);
      return `🔔 ${env} needs ${needs || "approval"} for ${release}, requested by ${by}`;
    }
    case "approval.given": {
      const e = event;
      const remaining = e.data.remaining === undefined ? "" : approvalsPhrase(e.data.remaining);
      const then = e.data.remaining === undefined ? "" : remaining ? `; still needs ${remaining}` : "; all approvals given";
      return `👍 ${env}: ${esc(nameOf(e.data.approver))} (${roleText(e.data.role)}) approved ${release}${quote(e.data.comment)}${then}`;
    }
    case "approval.rejected": {
      const e = event;
      return `🚫 ${env}: ${esc(nameOf(e.data.approver))} (${roleText(e.data.role)}) rejected ${release}${quote(e.data.comment)}`;
    }
    case "gate.blocked": {
      const e = event;
      const gates = Array.isArray(e.data.gates) ? e.data.gates : [];
      const shown = gates.slice(0, MAX_GATES_SHOWN).map((g) => `${esc(g.kind)} (${esc(clipRaw(g.message, 200))})`);
      const more = gates.length > shown.length ? `, +${gates.length - shown.length} more` : "";
      return `⛔ ${env}: ${release} is blocked${shown.length ? `: ${shown.join(", ")}${more}` : ""}`;
    }
    case "verification.failed": {
      const v = event.data.verification;
      const run = v.url && /^https?:\/\//i.test(v.url) ? ` (<${slackUrl(v.url)}|run>)` : "";
      return `🧪 ${env}: verification ${esc(v.name)} failed for ${release}${v.summary ? `: ${esc(clipRaw(v.summary, 300))}` : ""}${run}; the next environment is blocked`;
    }
  }
}

/** The line under the headline: product, kind, branch, requester, reason. */
function renderDetails(d: DeploymentData): string {
  const parts = [
    d.pipeline ? esc(d.pipeline) : null,
    d.kind ? esc(d.kind) : null,
    d.release?.branch ? `branch ${esc(d.release.branch)}` : null,
    d.requestedBy ? `requested by ${esc(nameOf(d.requestedBy))}` : null,
    d.reason ? `reason: ${esc(clipRaw(d.reason, 300))}` : null,
  ];
  return parts.filter(Boolean).join(" · ");
}

function startedVerb(kind: DeploymentData["kind"]): string {
  switch (kind) {
    case "fast-track":
      return "fast-tracking";
    case "rollback":
      return "rolling back to";
    case "redeploy":
      return "redeploying";
    case "config":
      return "applying config to";
    default:
      return "deploying";
  }
}

function succeededPhrase(kind: DeploymentData["kind"], release: string): string {
  switch (kind) {
    case "fast-track":
      return `${release} fast-tracked`;
    case "rollback":
      return `rolled back to ${release}`;
    case "redeploy":
      return `${release} redeployed`;
    case "config":
      return `config change on ${release} deployed`;
    default:
      return `${release} deployed`;
  }
}

function failedSubject(kind: DeploymentData["kind"], release: string): string {
  switch (kind) {
    case "rollback":
      return `rollback to ${release}`;
    case "config":
      return `config change on ${release}`;
    default:
      return release;
  }
}

/** "release 81f4933 (portal 1.5.0, admin 2.5.1)". */
function releaseLabel(release: ReleaseRef | undefined, versions: AppVersion[] | undefined): string {
  const list = Array.isArray(versions) ? versions : [];
  const shown = list.slice(0, MAX_APPS_SHOWN).map((v) => `${esc(v.app)} ${esc(v.version)}`);
  const more = list.length > shown.length ? `, +${list.length - shown.length} more` : "";
  const apps = shown.length ? ` (${shown.join(", ")}${more})` : "";
  return `release ${release?.commit ? shortSha(release.commit) : "?"}${apps}`;
}

/** "1 product manager approval", "1 product manager approval and 2 tech lead approvals". */
export function approvalsPhrase(needs: ApprovalNeed[] | undefined): string {
  const parts = (Array.isArray(needs) ? needs : []).filter((n) => n.needed > 0).map((n) => `${n.needed} ${roleText(n.role)} approval${n.needed === 1 ? "" : "s"}`);
  if (parts.length <= 1) return parts.join("");
  return `${parts.slice(0, -1).join(", ")} and ${parts.at(-1)}`;
}

/** A role as a sentence says it ("product manager"); an unknown one as sent. */
function roleText(role: string): string {
  return esc(roleName(role));
}

/** A person as a message names them: personName (the name, else the email), else "someone". */
function nameOf(person: Person | string | undefined): string {
  if (typeof person === "string") return person || "someone";
  return (person && personName(person)) || "someone";
}

function quote(comment: string | undefined): string {
  return comment ? `: “${esc(clipRaw(comment, 300))}”` : "";
}

function shortSha(commit: string): string {
  return esc(commit.slice(0, 7));
}

/** Slack's three control characters; everything else is literal. */
function esc(text: string): string {
  return String(text).replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

function slackUrl(url: string): string {
  return url.replaceAll("|", "%7C").replaceAll("<", "%3C").replaceAll(">", "%3E").replaceAll(" ", "%20");
}

/** Shortens raw (unescaped) text on a single line. */
function clipRaw(text: string, max: number): string {
  const line = String(text).replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1).trimEnd()}…`;
}

/** Shortens escaped text without leaving half an entity (&am…) behind. */
function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max - 1).replace(/&[a-z]*$/, "")}…`;
}
