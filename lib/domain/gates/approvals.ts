import type { ApprovalDecision } from "@/db/schema/enums";
import { roleName, withArticle, type Role } from "@/lib/domain/roles";
import type { ApprovalsConfig } from "@/lib/config/schema";
import { matchApprovers } from "./approvals-matching";
import { formatList } from "./format";
import { outcome, type GateOutcome } from "./types";

/** One decision recorded on a deployment's approvals. */
export interface ApprovalFact {
  id: string;
  userId: string;
  userName: string;
  /** Roles the person holds now (not when they approved). */
  roles: readonly Role[];
  /** The role they decided in. */
  role: Role;
  decision: ApprovalDecision;
  comment?: string | null;
  createdAt: Date;
  releaseId: string;
  environmentId: string;
  voidedAt: Date | null;
  userDisabled: boolean;
}

export interface ApprovalsFacts {
  /** The person who asked for the deployment: their own approval never counts. */
  requesterId: string;
  /** What the deployment puts where: approvals count only for exactly this. */
  releaseId: string;
  environmentId: string;
  approvals: readonly ApprovalFact[];
  /** Who holds each role now (active accounts, the requester included), to say who can still approve and why the requester cannot. */
  eligible: readonly { role: Role; people: readonly { id: string; name: string }[] }[];
}

export type IgnoredWhy = "voided" | "other-release-or-environment" | "superseded" | "own-request" | "expired" | "user-disabled" | "role-no-longer-held" | "role-not-required";

const NOTE: Partial<Record<IgnoredWhy, (a: ApprovalFact) => string>> = {
  "own-request": (a) => `${a.userName}'s own approval does not count`,
  expired: (a) => `${a.userName}'s approval has expired`,
  "user-disabled": (a) => `${a.userName}'s account is disabled`,
  "role-no-longer-held": (a) => `${a.userName} is no longer ${withArticle(roleName(a.role))}`,
};

interface RuleStanding {
  role: Role;
  candidates: readonly { id: string; name: string }[];
  /** The requester, when they hold this role: named, because they cannot count. */
  requester: { id: string; name: string } | null;
}

/** Who could still give the approval, and — when the requester holds the role — that they cannot. */
function candidatesPhrase(rule: RuleStanding): string {
  const names = rule.candidates.map((p) => p.name);
  if (names.length === 0) {
    return rule.requester ? `nobody else can give it: ${rule.requester.name} is ${withArticle(roleName(rule.role))} but requested this deployment, and nobody approves their own request` : `nobody is ${withArticle(roleName(rule.role))}`;
  }
  const shown = names.length > 4 ? [...names.slice(0, 3), `${names.length - 3} others`] : [...names];
  return `${formatList(shown, "or")} can give it`;
}

/**
 * Why the rule can never be met by the people who hold its roles now (the requester excluded, each
 * person counting once), or null when it can. A request like this would wait forever.
 * E.g. "Sam Lee is the only tech lead and cannot approve their own request".
 */
export function unapprovableReason(config: ApprovalsConfig, facts: Pick<ApprovalsFacts, "requesterId" | "eligible">): string | null {
  const holders = (role: Role) => facts.eligible.find((e) => e.role === role)?.people ?? [];
  const others = (role: Role) => holders(role).filter((p) => p.id !== facts.requesterId);
  const short = config.rules
    .filter((rule) => others(rule.role).length < rule.count)
    .map((rule) => {
      const available = others(rule.role);
      const own = holders(rule.role).find((p) => p.id === facts.requesterId);
      const needs = rule.count > 1 ? ` (${rule.count} needed)` : "";
      if (available.length === 0) return own ? `${own.name} is the only ${roleName(rule.role)}${needs} and cannot approve their own request` : `nobody is ${withArticle(roleName(rule.role))}${needs}`;
      const them = `${formatList(available.map((p) => p.name))} ${available.length === 1 ? `is ${withArticle(roleName(rule.role))}` : `are ${roleName(rule.role)}s`}`;
      return `only ${them}${own ? ` besides ${own.name}, who cannot approve their own request` : ""}, and ${rule.count} are needed`;
    });
  if (short.length) return `${short.join("; ")} — an admin must grant the role to someone else`;
  const people = new Map<string, Set<Role>>();
  for (const rule of config.rules) for (const p of others(rule.role)) (people.get(p.id) ?? people.set(p.id, new Set()).get(p.id)!).add(rule.role);
  const slots = config.rules.reduce((sum, r) => sum + r.count, 0);
  const matched = matchApprovers(
    config.rules,
    [...people].map(([id, roles]) => ({ id, roles })),
  ).size;
  if (matched < slots)
    return `each person counts once, and the people who are ${formatList(
      config.rules.map((r) => `${roleName(r.role)}s`),
      "or",
    )} can give at most ${matched} of the ${slots} approvals — an admin must grant the role to someone else`;
  return null;
}

/**
 * Approvals: every rule must be met by different people, each approving in the rule's role, for
 * this release in this environment, within `expiresAfter`, while still holding the role and an
 * active account. The requester never counts. A standing rejection refuses the deployment; it
 * does not expire (it is withdrawn by the same person approving later, or voided).
 */
export function evaluateApprovals(config: ApprovalsConfig, facts: ApprovalsFacts, now: Date): GateOutcome {
  const ignored: { approvalId: string; userName: string; why: IgnoredWhy }[] = [];
  const ignore = (a: ApprovalFact, why: IgnoredWhy) => ignored.push({ approvalId: a.id, userName: a.userName, why });
  const live: ApprovalFact[] = [];
  for (const a of [...facts.approvals].sort((x, y) => x.createdAt.getTime() - y.createdAt.getTime())) {
    if (a.voidedAt) ignore(a, "voided");
    else if (a.releaseId !== facts.releaseId || a.environmentId !== facts.environmentId) ignore(a, "other-release-or-environment");
    else live.push(a);
  }
  // A person's later decision replaces their earlier ones of the other kind.
  const lastRejection = new Map<string, number>();
  const lastApproval = new Map<string, number>();
  for (const a of live) (a.decision === "reject" ? lastRejection : lastApproval).set(a.userId, a.createdAt.getTime());
  const rejections = live.filter((a) => a.decision === "reject" && !((lastApproval.get(a.userId) ?? -Infinity) > a.createdAt.getTime()));
  const rules = config.rules;
  const required = new Set<Role>(rules.map((r) => r.role));
  const counting: ApprovalFact[] = [];
  for (const a of live) {
    if (a.decision === "reject") {
      if (!rejections.includes(a)) ignore(a, "superseded");
      continue;
    }
    const rejectedLater = (lastRejection.get(a.userId) ?? -Infinity) > a.createdAt.getTime();
    if (rejectedLater) ignore(a, "superseded");
    else if (a.userId === facts.requesterId) ignore(a, "own-request");
    else if (a.createdAt.getTime() + config.expiresAfter <= now.getTime()) ignore(a, "expired");
    else if (a.userDisabled) ignore(a, "user-disabled");
    else if (!a.roles.includes(a.role)) ignore(a, "role-no-longer-held");
    else if (!required.has(a.role)) ignore(a, "role-not-required");
    else counting.push(a);
  }

  const expiries = counting.map((a) => a.createdAt.getTime() + config.expiresAfter);
  const recheckAt = expiries.length > 0 ? new Date(Math.min(...expiries)) : undefined;
  const names = new Map(facts.approvals.map((a) => [a.userId, a.userName]));
  const people: { id: string; roles: Set<Role> }[] = [];
  for (const a of counting) {
    const person = people.find((p) => p.id === a.userId) ?? people[people.push({ id: a.userId, roles: new Set() }) - 1]!;
    person.roles.add(a.role);
  }
  const assignment = matchApprovers(rules, people);
  const perRule = rules.map((rule) => {
    const approvedBy = [...assignment].filter(([, role]) => role === rule.role).map(([id]) => ({ id, name: names.get(id) ?? id }));
    const holders = facts.eligible.find((e) => e.role === rule.role)?.people ?? [];
    const candidates = holders.filter((p) => p.id !== facts.requesterId && !assignment.has(p.id));
    const requester = holders.find((p) => p.id === facts.requesterId) ?? null;
    return { role: rule.role, needed: rule.count, have: approvedBy.length, approvedBy, candidates, requester };
  });
  const unapprovable = unapprovableReason(config, facts);
  const detail = {
    rules: perRule.map(({ requester, ...r }) => ({ ...r, ...(requester ? { requesterHoldsRole: true } : {}) })),
    ignored,
    expiresAfterMs: config.expiresAfter,
    ...(unapprovable ? { unapprovable } : {}),
  };

  if (rejections.length > 0) {
    const text = rejections.map((r) => `rejected by ${r.userName} (${roleName(r.role)})${r.comment?.trim() ? `: ${r.comment.trim()}` : ""}`);
    return outcome("approvals", "fail", text.join("; "), {
      detail: { ...detail, rejections: rejections.map((r) => ({ approvalId: r.id, userId: r.userId, userName: r.userName, role: r.role, comment: r.comment ?? null, at: r.createdAt })) },
    });
  }
  const missing = perRule.filter((r) => r.have < r.needed);
  if (missing.length === 0) {
    const by = perRule.flatMap((r) => r.approvedBy.map((p) => `${p.name} (${roleName(r.role)})`));
    return outcome("approvals", "pass", `approved by ${formatList(by)}`, { detail, recheckAt });
  }
  const lastCount = missing[missing.length - 1]!.needed - missing[missing.length - 1]!.have;
  const parts = missing.map((r) => `${r.needed - r.have} ${r.have > 0 ? "more " : ""}${roleName(r.role)}`);
  const who = missing.length === 1 ? candidatesPhrase(missing[0]!) : missing.map((r) => `${roleName(r.role)}: ${candidatesPhrase(r)}`).join("; ");
  const unfilled = new Set<Role>(missing.map((r) => r.role));
  const once = people.filter((p) => assignment.has(p.id) && [...p.roles].some((role) => unfilled.has(role) && role !== assignment.get(p.id))).map((p) => `${names.get(p.id)} counts once, as ${roleName(assignment.get(p.id)!)}`);
  const ignoredNotes = ignored.flatMap((i) => {
    const note = NOTE[i.why];
    const approval = facts.approvals.find((a) => a.id === i.approvalId);
    return note && approval ? [note(approval)] : [];
  });
  // The requester may hold the role: say why they are not among those who can give it.
  const requester = missing.find((r) => r.requester && r.candidates.length > 0)?.requester;
  const ownNote = requester && !unapprovable && !ignored.some((i) => i.why === "own-request") ? [`not ${requester.name}, who requested it`] : [];
  const notes = [...new Set([...once, ...ownNote, ...ignoredNotes])];
  const needs = `needs ${formatList(parts)} approval${lastCount > 1 ? "s" : ""}`;
  const reason = unapprovable ? `${needs}, which nobody can ever give as things stand: ${unapprovable}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}` : `${needs} — ${who}${notes.length > 0 ? ` (${notes.join("; ")})` : ""}`;
  return outcome("approvals", "pending", reason, { detail, recheckAt });
}
