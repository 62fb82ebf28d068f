import { describe, expect, it } from "vitest";
import type { Actor } from "./actor";
import { can, decide, decideKind, effectiveRoles, type Action, type PipelineRef } from "./policy";
import { globalGrants, type Grant, type Role } from "./roles";

/**
 * Issue 18: roles are granted globally, per team or per pipeline. Two teams, each owning one
 * pipeline (A: shop, owned by storefront; B: ledger, owned by platform), plus an unowned pipeline.
 */
const STOREFRONT = "tea_storefront";
const PLATFORM = "tea_platform";
const shop: PipelineRef = { id: "pip_shop", teamId: STOREFRONT };
const ledger: PipelineRef = { id: "pip_ledger", teamId: PLATFORM };
const orphan: PipelineRef = { id: "pip_orphan", teamId: null };

function person(globalRoles: Role[], scoped: Grant[] = [], extra: Partial<Actor> = {}): Actor {
  return {
    kind: "user",
    id: "usr_me",
    email: "me@example.com",
    name: "me",
    roles: globalRoles,
    grants: [...globalGrants(globalRoles), ...scoped],
    disabled: false,
    via: "api",
    ...extra,
  };
}
const team = (role: Role, teamId: string): Grant => ({ role, scope: "team", scopeId: teamId });
const onPipeline = (role: Role, pipelineId: string): Grant => ({ role, scope: "pipeline", scopeId: pipelineId });

const approveAsTechLead = (pipeline?: PipelineRef) => ({ role: "tech-lead" as const, requestedBy: "usr_other", pipeline });

describe("effective roles = global ∪ team of the pipeline's owner ∪ the pipeline's own", () => {
  it("adds team grants only for the owner team's pipelines and pipeline grants only for that pipeline", () => {
    const actor = person(["viewer"], [team("tech-lead", STOREFRONT), onPipeline("developer", ledger.id)]);
    expect(effectiveRoles(actor, shop)).toEqual(["viewer", "tech-lead"]);
    expect(effectiveRoles(actor, ledger)).toEqual(["viewer", "developer"]);
    expect(effectiveRoles(actor, orphan)).toEqual(["viewer"]);
    expect(effectiveRoles(actor)).toEqual(["viewer"]);
  });

  it("a team grant never matches a pipeline with no owner team (null is nobody's team)", () => {
    const actor = person([], [{ role: "admin", scope: "team", scopeId: "" } as Grant]);
    expect(effectiveRoles(actor, orphan)).toEqual([]);
  });
});

/** The matrix: [grants, action, target pipeline, allowed]. */
const MATRIX: [string, Actor, Action, PipelineRef | undefined, boolean][] = [
  // Global roles reach every pipeline.
  ["global tech lead approves in A", person(["tech-lead"]), "deployment.approve", shop, true],
  ["global tech lead approves in B", person(["tech-lead"]), "deployment.approve", ledger, true],
  ["global developer requests in B", person(["developer"]), "deployment.request", ledger, true],
  // Team grants reach the team's pipelines only.
  ["team-A tech lead approves in A", person([], [team("tech-lead", STOREFRONT)]), "deployment.approve", shop, true],
  ["team-A tech lead cannot approve in B", person([], [team("tech-lead", STOREFRONT)]), "deployment.approve", ledger, false],
  ["team-A tech lead cannot approve in an unowned pipeline", person([], [team("tech-lead", STOREFRONT)]), "deployment.approve", orphan, false],
  ["team-B developer cannot promote in A", person(["viewer"], [team("developer", PLATFORM)]), "deployment.request", shop, false],
  ["team-B developer promotes in B", person(["viewer"], [team("developer", PLATFORM)]), "deployment.request", ledger, true],
  ["team-B developer cannot roll back A", person([], [team("developer", PLATFORM)]), "environment.rollback", shop, false],
  // Admin of team A acting on team B.
  ["team-A admin edits config in A", person([], [team("admin", STOREFRONT)]), "config.edit", shop, true],
  ["team-A admin cannot edit config in B", person([], [team("admin", STOREFRONT)]), "config.edit", ledger, false],
  ["team-A admin cannot cancel in B", person([], [team("admin", STOREFRONT)]), "deployment.cancel", ledger, false],
  ["team-A admin cannot manage freezes in B", person([], [team("admin", STOREFRONT)]), "freeze.manage", ledger, false],
  ["team-A admin cannot manage teams, even on A's pipeline", person([], [team("admin", STOREFRONT)]), "team.manage", shop, false],
  ["team-A admin cannot manage users", person([], [team("admin", STOREFRONT)]), "user.manage", undefined, false],
  ["team-A admin cannot manage others' tokens", person([], [team("admin", STOREFRONT)]), "token.manage", undefined, false],
  // Pipeline grants reach that pipeline only, even within the same team.
  ["pipeline grant on A's shop", person([], [onPipeline("tech-lead", shop.id)]), "deployment.approve", shop, true],
  ["pipeline grant on shop does not reach ledger", person([], [onPipeline("tech-lead", shop.id)]), "deployment.approve", ledger, false],
  ["pipeline grant reaches its pipeline even without an owner team", person([], [onPipeline("developer", orphan.id)]), "release.create", orphan, true],
  // Without a pipeline in the target only global roles count.
  ["team grant without a pipeline target does not count", person([], [team("developer", STOREFRONT)]), "build.register", undefined, false],
  ["global role without a pipeline target counts", person(["developer"]), "build.register", undefined, true],
  ["global admin manages teams", person(["admin"]), "team.manage", undefined, true],
  // Seeing: anyone with a grant anywhere sees every pipeline.
  ["team-B member sees A", person([], [team("developer", PLATFORM)]), "pipeline.view", shop, true],
  ["pipeline-grant holder sees an unowned pipeline", person([], [onPipeline("pm", ledger.id)]), "pipeline.view", orphan, true],
  ["nobody without any grant sees nothing", person([]), "pipeline.view", shop, false],
  // Own API tokens: anyone with a grant anywhere; other people's: global admins only.
  ["team-only member creates their own tokens", person([], [team("tech-lead", STOREFRONT)]), "token.own", undefined, true],
  ["nobody without any grant holds tokens", person([]), "token.own", undefined, false],
];

describe("can(actor, action, target) across global, team and pipeline grants", () => {
  for (const [label, actor, action, pipeline, allowed] of MATRIX) {
    it(`${label}: ${allowed ? "allowed" : "refused"}`, () => {
      const target = action === "deployment.approve" ? approveAsTechLead(pipeline) : { pipeline, requestedBy: "usr_other", ownerId: "usr_other" };
      expect(can(actor, action, target)).toBe(allowed);
    });
  }

  it("names the missing role for the scope when refusing", () => {
    const decision = decide(person([], [team("tech-lead", STOREFRONT)]), "deployment.approve", approveAsTechLead(ledger));
    expect(decision).toEqual({ allowed: false, reason: "you need the tech lead role to approve deployments in this pipeline (yours is granted for other teams or pipelines only)" });
  });

  it("slipway.yaml's access rules read the scoped roles too", () => {
    const actor = person([], [team("developer", STOREFRONT)]);
    expect(can(actor, "deployment.request", { pipeline: shop, deployRoles: ["developer"] })).toBe(true);
    expect(decide(actor, "deployment.request", { pipeline: shop, deployRoles: ["tech-lead"] })).toEqual({ allowed: false, reason: "only the tech lead role may deploy into this environment" });
    expect(can(person([], [team("admin", STOREFRONT)]), "deployment.request", { pipeline: shop, deployRoles: ["tech-lead"] })).toBe(true);
    expect(can(person([], [team("admin", STOREFRONT)]), "config.view", { pipeline: ledger, viewConfigRoles: ["tech-lead"] })).toBe(false);
  });

  it("owner exceptions need a shipping role in the pipeline's scope", () => {
    const mine = { requestedBy: "usr_me", ownerId: "usr_me" };
    expect(can(person([], [team("developer", STOREFRONT)]), "deployment.cancel", { ...mine, pipeline: shop })).toBe(true);
    expect(can(person([], [team("developer", STOREFRONT)]), "deployment.cancel", { ...mine, pipeline: ledger })).toBe(false);
    expect(can(person([], [team("developer", STOREFRONT)]), "review.teardown", { ...mine, pipeline: shop })).toBe(true);
  });

  it("nobody approves their own request, whatever the scope", () => {
    expect(decide(person([], [team("tech-lead", STOREFRONT)]), "deployment.approve", { role: "tech-lead", requestedBy: "usr_me", pipeline: shop })).toEqual({
      allowed: false,
      reason: "nobody approves their own request",
    });
  });
});

describe("tokens restricted to one pipeline", () => {
  const restricted = (roles: Role[], scoped: Grant[] = []) => person(roles, scoped, { pipelineRestriction: shop.id, pipelineRestrictionName: "shop" });

  it("act on their pipeline with the owner's roles", () => {
    expect(can(restricted(["developer"]), "deployment.request", { pipeline: shop })).toBe(true);
    expect(can(restricted([], [team("tech-lead", STOREFRONT)]), "deployment.approve", approveAsTechLead(shop))).toBe(true);
  });

  it("are refused on any other pipeline, naming the restriction, even for an admin and for reads", () => {
    const reason = "this token is restricted to pipeline shop";
    expect(decide(restricted(["admin"]), "deployment.request", { pipeline: ledger })).toEqual({ allowed: false, reason });
    expect(decide(restricted(["developer"]), "pipeline.view", { pipeline: orphan })).toEqual({ allowed: false, reason });
    expect(decide(restricted(["tech-lead"]), "deployment.approve", approveAsTechLead(ledger))).toEqual({ allowed: false, reason });
  });

  it("are refused for org-wide mutations and the audit trail, allowed reads the API narrows to their pipeline", () => {
    const reason = "this token is restricted to pipeline shop";
    for (const action of ["user.manage", "team.manage", "token.manage", "token.own", "build.register", "freeze.manage", "incident.manage", "audit.view"] as Action[]) {
      expect(decide(restricted(["admin"]), action, {}), action).toEqual({ allowed: false, reason });
    }
    expect(decideKind(restricted(["admin"]), "audit.view")).toEqual({ allowed: false, reason });
    expect(decide(restricted(["admin"]), "team.manage", { pipeline: shop })).toEqual({ allowed: false, reason });
    for (const action of ["pipeline.view", "config.view"] as Action[]) expect(can(restricted(["admin"]), action, {}), action).toBe(true);
  });

  it("decideKind refuses org-wide actions up front but lets pipeline actions reach the full check", () => {
    expect(decideKind(restricted(["admin"]), "user.manage")).toEqual({ allowed: false, reason: "this token is restricted to pipeline shop" });
    expect(decideKind(restricted(["developer"]), "deployment.request")).toEqual({ allowed: true });
  });

  it("names the pipeline by id when the name is unknown", () => {
    expect(decide(person(["admin"], [], { pipelineRestriction: "pip_x" }), "deployment.request", { pipeline: shop })).toEqual({
      allowed: false,
      reason: "this token is restricted to pipeline pip_x",
    });
  });
});

describe("decideKind: the check before the lookup counts a role held in any scope", () => {
  it.each<[string, Actor, Action, boolean]>([
    ["team tech lead may try to approve (as tech lead)", person([], [team("tech-lead", STOREFRONT)]), "deployment.approve", true],
    ["pipeline developer may try to request", person([], [onPipeline("developer", ledger.id)]), "deployment.request", true],
    ["team developer may try to cancel their own request", person([], [team("developer", PLATFORM)]), "deployment.cancel", true],
    ["team viewer may not try to request", person([], [team("viewer", PLATFORM)]), "deployment.request", false],
    ["team admin may not try to manage users (org-wide: global roles only)", person([], [team("admin", STOREFRONT)]), "user.manage", false],
    ["team admin may not try to manage teams", person([], [team("admin", STOREFRONT)]), "team.manage", false],
    ["a team grant anywhere lets one look", person([], [team("pm", PLATFORM)]), "pipeline.view", true],
    ["a team grant anywhere lets one hold own tokens", person([], [team("pm", PLATFORM)]), "token.own", true],
    ["no grant at all: nothing", person([]), "deployment.request", false],
  ])("%s", (_label, actor, action, allowed) => {
    const known = action === "deployment.approve" ? { role: "tech-lead" as const } : {};
    expect(decideKind(actor, action, known).allowed).toBe(allowed);
  });

  it("the refusal is the same whether or not the target exists: it depends on the actor alone", () => {
    const actor = person([], [team("viewer", STOREFRONT)]);
    expect(decideKind(actor, "environment.rollback")).toEqual(decideKind(actor, "environment.rollback", {}));
    expect(decideKind(actor, "environment.rollback")).toEqual({ allowed: false, reason: "you need the developer, delivery lead, tech lead or admin role to roll environments back" });
  });
});
