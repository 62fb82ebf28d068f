import type { Actor } from "./actor";
import { formatList } from "@/lib/domain/gates/format";
import { ROLES, roleName, withArticle, type Role } from "./roles";

/**
 * The one permission policy. Every service asks `can` (through `authorize`) before it changes
 * anything; pages ask it only to decide what to show. Pure: no I/O, no clock.
 */
export type Action =
  | "pipeline.view"
  | "pipeline.manage"
  | "build.register"
  | "release.create"
  | "deployment.request"
  | "deployment.cancel"
  | "deployment.approve"
  | "deployment.checklist"
  | "deployment.verify"
  | "environment.rollback"
  | "environment.hold.lift"
  | "review.create"
  | "review.teardown"
  | "review.extend"
  | "review.verdict"
  | "config.edit"
  | "config.view"
  | "job.run"
  | "freeze.manage"
  | "incident.manage"
  | "gate.override"
  | "audit.view"
  | "token.manage"
  | "token.own"
  | "user.manage"
  | "team.manage";

/** What an action is aimed at, as far as the policy needs to know. */
export interface Target {
  /**
   * The pipeline the thing acted upon belongs to (and its owner team), so team and pipeline
   * grants count. Unset: only global roles count (org-wide things: users, teams, tokens).
   */
  pipeline?: PipelineRef | undefined;
  /** Who requested the deployment (self-approval and cancelling one's own request). */
  requestedBy?: string | undefined;
  /** Who owns the review environment. */
  ownerId?: string | undefined;
  /** The role an approval is given in. */
  role?: Role | undefined;
  /** Roles slipway.yaml allows for this environment's window/freeze overrides. */
  overrideRoles?: readonly Role[] | undefined;
  /** Roles slipway.yaml lets deploy into this environment (`access.deploy`); unset: no restriction. */
  deployRoles?: readonly Role[] | undefined;
  /** Roles slipway.yaml lets see this environment's config (`access.viewConfig`); unset: everyone. */
  viewConfigRoles?: readonly Role[] | undefined;
}

/** A pipeline as the policy sees it: its id and the id of the team that owns it (if any). */
export interface PipelineRef {
  id: string;
  teamId: string | null;
}

export type Decision = { allowed: true } | { allowed: false; reason: string };

const SHIPPERS: readonly Role[] = ["developer", "delivery-lead", "tech-lead", "admin"];
const LEADS: readonly Role[] = ["delivery-lead", "tech-lead", "admin"];
const EVERYONE: readonly Role[] = ["viewer", "developer", "delivery-lead", "tech-lead", "pm", "admin"];

interface Rule {
  /** Roles that may do it (any one suffices). */
  roles: readonly Role[];
  /** Slipway's automation may do it (auto-promotion, auto-rollback, expiry). */
  automation?: boolean;
  /** A further condition on the target, returning why not. */
  unless?: (actor: Actor, target: Target) => string | null;
  /** Instead of `roles`: the target decides which roles qualify. */
  rolesFromTarget?: (target: Target) => readonly Role[];
  /** Human wording for messages: "request deployments". */
  doing: string;
}

const RULES: Record<Action, Rule> = {
  "pipeline.view": { roles: EVERYONE, automation: true, doing: "view the pipeline" },
  "pipeline.manage": { roles: ["tech-lead", "admin"], doing: "register or update pipelines" },
  "build.register": { roles: SHIPPERS, doing: "register builds" },
  "release.create": { roles: SHIPPERS, doing: "cut releases" },
  "deployment.request": {
    roles: SHIPPERS,
    automation: true,
    unless: (actor, t) => restrictedTo(actor, t, t.deployRoles, "deploy into this environment"),
    doing: "request deployments",
  },
  "deployment.cancel": {
    roles: LEADS,
    automation: true,
    doing: "cancel deployments",
    // Whoever asked for a deployment may also take the request back.
  },
  "deployment.approve": {
    roles: [],
    rolesFromTarget: (t) => (t.role ? [t.role] : []),
    unless: (actor, t) => (t.requestedBy === actor.id ? "nobody approves their own request" : null),
    doing: "approve deployments",
  },
  "deployment.checklist": {
    roles: SHIPPERS,
    unless: (actor, t) => (t.requestedBy !== undefined && t.requestedBy !== actor.id ? "only the person who requested the deployment ticks its checklist" : null),
    doing: "tick pre-flight checklists",
  },
  "deployment.verify": { roles: SHIPPERS, automation: true, doing: "report verifications" },
  "environment.rollback": { roles: SHIPPERS, automation: true, doing: "roll environments back" },
  "environment.hold.lift": { roles: LEADS, doing: "lift holds" },
  "review.create": { roles: SHIPPERS, automation: true, doing: "create review environments" },
  "review.teardown": { roles: LEADS, automation: true, doing: "tear down review environments" },
  "review.extend": { roles: LEADS, doing: "extend review environments" },
  "review.verdict": { roles: ["delivery-lead", "admin"], doing: "give verdicts on review environments" },
  "config.edit": { roles: ["tech-lead", "admin"], doing: "edit configuration" },
  "config.view": { roles: EVERYONE, automation: true, unless: (actor, t) => restrictedTo(actor, t, t.viewConfigRoles, "see this environment's config"), doing: "see configuration" },
  "job.run": { roles: ["tech-lead", "delivery-lead", "admin"], doing: "run jobs" },
  "freeze.manage": { roles: LEADS, doing: "create or lift freezes" },
  "incident.manage": { roles: SHIPPERS, automation: true, doing: "declare or resolve incidents" },
  "gate.override": { roles: [], rolesFromTarget: (t) => t.overrideRoles ?? [], doing: "override windows and freezes" },
  "audit.view": { roles: ["delivery-lead", "tech-lead", "pm", "admin"], doing: "read the audit trail" },
  "token.manage": { roles: ["admin"], doing: "manage other people's API tokens" },
  "token.own": { roles: [...ROLES], doing: "create API tokens for yourself" },
  "user.manage": { roles: ["admin"], doing: "manage users and roles" },
  "team.manage": { roles: ["admin"], doing: "manage teams and their members" },
};

/** What a token restricted to one pipeline may still do with no pipeline in the target: read (the API narrows lists to its pipeline). */
const READ_ACTIONS: readonly Action[] = ["pipeline.view", "config.view"];
/** Allowed to anyone holding any role in any scope. */
const ANY_GRANT_ACTIONS: readonly Action[] = ["pipeline.view", "token.own"];
/** Actions that are about the whole organisation, whatever the target: never through a restricted token. */
const ORG_ACTIONS: readonly Action[] = ["user.manage", "team.manage", "token.manage", "token.own"];
/** Reads that span every pipeline and cannot be narrowed to one (the audit trail): never through a restricted token. */
const ORG_READS: readonly Action[] = ["audit.view"];

/**
 * The roles the actor holds for a target in `pipeline`: global roles, plus roles granted on the
 * pipeline's owner team, plus roles granted on the pipeline itself. Without a pipeline: global only.
 */
export function effectiveRoles(actor: Actor, pipeline?: PipelineRef): Role[] {
  const roles = new Set<Role>(actor.roles);
  if (pipeline) {
    for (const g of actor.grants) {
      if ((g.scope === "pipeline" && g.scopeId === pipeline.id) || (g.scope === "team" && pipeline.teamId !== null && g.scopeId === pipeline.teamId)) roles.add(g.role);
    }
  }
  return ROLES.filter((r) => roles.has(r));
}

/** Every role the actor holds in any scope (for "could they do this anywhere?"). */
export function rolesAnywhere(actor: Actor): Role[] {
  const roles = new Set<Role>([...actor.roles, ...actor.grants.map((g) => g.role)]);
  return ROLES.filter((r) => roles.has(r));
}

/** Why a pipeline-restricted token may not do this, or null. */
function restrictionObjection(actor: Actor, action: Action, target: Target | null): string | null {
  const restriction = actor.pipelineRestriction;
  if (!restriction) return null;
  const why = `this token is restricted to pipeline ${actor.pipelineRestrictionName ?? restriction}`;
  if (ORG_ACTIONS.includes(action) || ORG_READS.includes(action)) return why;
  if (target === null) return null; // decideKind: the pipeline is not known yet
  if (target.pipeline) return target.pipeline.id === restriction ? null : why;
  return READ_ACTIONS.includes(action) ? null : why;
}

/** An environment's own restriction from slipway.yaml (`access`): admins are never restricted. */
function restrictedTo(actor: Actor, target: Target, roles: readonly Role[] | undefined, doing: string): string | null {
  const held = effectiveRoles(actor, target.pipeline);
  if (!roles || held.includes("admin") || held.some((r) => roles.includes(r))) return null;
  return `only the ${listRoles(roles)} role may ${doing}`;
}

/** Owners may act on their own things even without the role (their review env, their request). */
function isOwnerException(held: readonly Role[], actor: Actor, action: Action, target: Target): boolean {
  if (action === "review.teardown" || action === "review.extend") return target.ownerId === actor.id && held.some((r) => SHIPPERS.includes(r));
  if (action === "deployment.cancel") return target.requestedBy === actor.id && held.some((r) => SHIPPERS.includes(r));
  return false;
}

function listRoles(roles: readonly Role[]): string {
  return roles.length === 0 ? "no" : formatList(roles.map(roleName), "or");
}

/** Who may do an action, for telling people whom to ask: "a delivery lead, tech lead or admin", "an admin" (roles of RULES, in their order). */
export function whoMay(action: Action): string {
  // An action no role may take (an approval's own rules decide it) has nobody to ask: not "a no".
  if (!RULES[action].roles.length) return "nobody";
  return withArticle(listRoles(RULES[action].roles));
}

export function decide(actor: Actor, action: Action, target: Target = {}): Decision {
  const rule = RULES[action];
  if (actor.disabled) return { allowed: false, reason: "your account is disabled" };
  if (actor.kind === "system") return { allowed: true };
  if (actor.kind === "automation") {
    return rule.automation ? { allowed: true } : { allowed: false, reason: `automation may not ${rule.doing}` };
  }
  const restricted = restrictionObjection(actor, action, target);
  if (restricted) return { allowed: false, reason: restricted };
  // Seeing is open to everyone with a role anywhere (the portfolio shows every pipeline), and so
  // is holding API tokens of one's own (they act with one's grants, scope and all).
  if (ANY_GRANT_ACTIONS.includes(action) && rolesAnywhere(actor).length > 0) return { allowed: true };
  // Org-wide actions count global roles only: a team's admin administers its pipelines, not the org.
  const held = ORG_ACTIONS.includes(action) ? [...actor.roles] : effectiveRoles(actor, target.pipeline);
  const roles = rule.rolesFromTarget ? rule.rolesFromTarget(target) : rule.roles;
  const holdsRole = held.includes("admin") && !rule.rolesFromTarget ? true : held.some((r) => roles.includes(r));
  if (!holdsRole && !isOwnerException(held, actor, action, target)) {
    if (roles.length === 0) return { allowed: false, reason: `nobody may ${rule.doing} here` };
    // A role held in another team or pipeline does not reach this one: say so, or it reads as a bug.
    const elsewhere = target.pipeline && !ORG_ACTIONS.includes(action) && rolesAnywhere(actor).some((r) => roles.includes(r));
    return { allowed: false, reason: `you need the ${listRoles(roles)} role to ${rule.doing}${elsewhere ? " in this pipeline (yours is granted for other teams or pipelines only)" : ""}` };
  }
  const objection = rule.unless?.(actor, target);
  if (objection) return { allowed: false, reason: objection };
  return { allowed: true };
}

export function can(actor: Actor | null | undefined, action: Action, target: Target = {}): boolean {
  return actor ? decide(actor, action, target).allowed : false;
}

/**
 * Whether the actor could do `action` to some target of its kind at all — asked before anything
 * is looked up, so a refusal says nothing about whether the named target exists. Target facts
 * known from the input alone (the approval `role`) may be given; facts that need a lookup
 * (requester, owner, override roles) are assumed in the actor's favour: the full `decide` after
 * the lookup still applies them. The pipeline is not known yet either: a role held in any scope
 * (global, any team, any pipeline) passes here, and the full `decide` applies the scope.
 */
export function decideKind(actor: Actor, action: Action, known: Pick<Target, "role"> = {}): Decision {
  const rule = RULES[action];
  if (actor.disabled) return { allowed: false, reason: "your account is disabled" };
  if (actor.kind === "system") return { allowed: true };
  if (actor.kind === "automation") return rule.automation ? { allowed: true } : { allowed: false, reason: `automation may not ${rule.doing}` };
  const restricted = restrictionObjection(actor, action, null);
  if (restricted) return { allowed: false, reason: restricted };
  // Org-wide actions are never granted per team or pipeline: only global roles can pass them.
  const held = ORG_ACTIONS.includes(action) ? [...actor.roles] : rolesAnywhere(actor);
  if (ANY_GRANT_ACTIONS.includes(action) && rolesAnywhere(actor).length > 0) return { allowed: true };
  if (rule.rolesFromTarget) {
    if (known.role !== undefined) return held.includes(known.role) ? { allowed: true } : { allowed: false, reason: `you need the ${listRoles([known.role])} role to ${rule.doing}` };
    // Which roles qualify depends on the target (slipway.yaml): a viewer-only account never does.
    return held.some((r) => r !== "viewer") ? { allowed: true } : { allowed: false, reason: `viewers may not ${rule.doing}` };
  }
  if (held.includes("admin") || held.some((r) => rule.roles.includes(r))) return { allowed: true };
  const couldOwn = OWNER_ACTIONS.includes(action) && held.some((r) => SHIPPERS.includes(r));
  if (couldOwn) return { allowed: true };
  return { allowed: false, reason: `you need the ${listRoles(rule.roles)} role to ${rule.doing}` };
}

const OWNER_ACTIONS: readonly Action[] = ["review.teardown", "review.extend", "deployment.cancel"];
