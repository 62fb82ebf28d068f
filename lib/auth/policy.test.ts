import { describe, expect, it } from "vitest";
import { automationActor, systemActor, type Actor } from "./actor";
import { can, decide, whoMay, type Action } from "./policy";
import { ROLES, globalGrants, type Role } from "./roles";

function person(roles: Role[], id = "usr_me"): Actor {
  return { kind: "user", id, email: `${id}@example.com`, name: id, roles, grants: globalGrants(roles), disabled: false, via: "ui" };
}

/**
 * The expected matrix: for each action, the roles that may do it (with a neutral target: somebody
 * else's request, somebody else's environment). Written out in full on purpose — a change to the
 * policy must change this table too.
 */
const MATRIX: Record<Action, Role[]> = {
  "pipeline.view": ["viewer", "developer", "delivery-lead", "tech-lead", "pm", "admin"],
  "pipeline.manage": ["tech-lead", "admin"],
  "build.register": ["developer", "delivery-lead", "tech-lead", "admin"],
  "release.create": ["developer", "delivery-lead", "tech-lead", "admin"],
  "deployment.request": ["developer", "delivery-lead", "tech-lead", "admin"],
  "deployment.cancel": ["delivery-lead", "tech-lead", "admin"],
  "deployment.approve": [], // depends on the role asked for: see below
  "deployment.checklist": [], // only the requester: see below
  "deployment.verify": ["developer", "delivery-lead", "tech-lead", "admin"],
  "environment.rollback": ["developer", "delivery-lead", "tech-lead", "admin"],
  "environment.hold.lift": ["delivery-lead", "tech-lead", "admin"],
  "review.create": ["developer", "delivery-lead", "tech-lead", "admin"],
  "review.teardown": ["delivery-lead", "tech-lead", "admin"],
  "review.extend": ["delivery-lead", "tech-lead", "admin"],
  "review.verdict": ["delivery-lead", "admin"],
  "config.edit": ["tech-lead", "admin"],
  "config.view": ["viewer", "developer", "delivery-lead", "tech-lead", "pm", "admin"], // unless slipway.yaml's access.viewConfig narrows it
  "job.run": ["delivery-lead", "tech-lead", "admin"],
  "freeze.manage": ["delivery-lead", "tech-lead", "admin"],
  "incident.manage": ["developer", "delivery-lead", "tech-lead", "admin"],
  "gate.override": [], // depends on slipway.yaml's override roles: see below
  "audit.view": ["delivery-lead", "tech-lead", "pm", "admin"],
  "token.manage": ["admin"],
  "token.own": ["viewer", "developer", "delivery-lead", "tech-lead", "pm", "admin"],
  "user.manage": ["admin"],
  "team.manage": ["admin"],
};

const someoneElse = { requestedBy: "usr_other", ownerId: "usr_other" };

describe("can(user, action, target): the role matrix", () => {
  for (const [action, allowed] of Object.entries(MATRIX) as [Action, Role[]][]) {
    for (const role of ROLES) {
      const expected = allowed.includes(role);
      it(`${role} ${expected ? "may" : "may not"} ${action}`, () => {
        expect(can(person([role]), action, someoneElse)).toBe(expected);
      });
    }
  }
});

describe("approvals", () => {
  it("a person approves only in a role they hold", () => {
    expect(can(person(["tech-lead"]), "deployment.approve", { ...someoneElse, role: "tech-lead" })).toBe(true);
    expect(can(person(["tech-lead"]), "deployment.approve", { ...someoneElse, role: "pm" })).toBe(false);
    expect(can(person(["pm", "tech-lead"]), "deployment.approve", { ...someoneElse, role: "pm" })).toBe(true);
  });

  it("admins do not stand in for an approval role they do not hold", () => {
    expect(can(person(["admin"]), "deployment.approve", { ...someoneElse, role: "tech-lead" })).toBe(false);
  });

  it("nobody approves their own request, whatever their roles", () => {
    const decision = decide(person(["tech-lead", "pm", "admin"]), "deployment.approve", { requestedBy: "usr_me", role: "tech-lead" });
    expect(decision).toEqual({ allowed: false, reason: "nobody approves their own request" });
  });

  it("a developer cannot approve", () => {
    for (const role of ["tech-lead", "pm", "delivery-lead"] as const) {
      expect(can(person(["developer"]), "deployment.approve", { ...someoneElse, role })).toBe(false);
    }
  });
});

describe("the pre-flight checklist", () => {
  it("is ticked by whoever requested the deployment, if they may deploy", () => {
    expect(can(person(["developer"]), "deployment.checklist", { requestedBy: "usr_me" })).toBe(true);
    expect(decide(person(["tech-lead"]), "deployment.checklist", { requestedBy: "usr_other" })).toEqual({ allowed: false, reason: "only the person who requested the deployment ticks its checklist" });
    expect(can(person(["viewer"]), "deployment.checklist", { requestedBy: "usr_me" })).toBe(false);
  });
});

describe("overrides follow slipway.yaml", () => {
  it("only the configured roles may override, and nobody when none are configured", () => {
    expect(can(person(["tech-lead"]), "gate.override", { overrideRoles: ["tech-lead", "admin"] })).toBe(true);
    expect(can(person(["developer"]), "gate.override", { overrideRoles: ["tech-lead", "admin"] })).toBe(false);
    expect(can(person(["admin"]), "gate.override", { overrideRoles: [] })).toBe(false);
    expect(decide(person(["admin"]), "gate.override", {})).toEqual({ allowed: false, reason: "nobody may override windows and freezes here" });
  });
});

describe("owners", () => {
  it("a developer may tear down or extend their own review environment but not someone else's", () => {
    expect(can(person(["developer"]), "review.teardown", { ownerId: "usr_me" })).toBe(true);
    expect(can(person(["developer"]), "review.extend", { ownerId: "usr_me" })).toBe(true);
    expect(can(person(["developer"]), "review.extend", { ownerId: "usr_other" })).toBe(false);
    expect(can(person(["developer"]), "review.teardown", { ownerId: "usr_other" })).toBe(false);
  });

  it("a developer may cancel their own request but not someone else's", () => {
    expect(can(person(["developer"]), "deployment.cancel", { requestedBy: "usr_me" })).toBe(true);
    expect(can(person(["developer"]), "deployment.cancel", { requestedBy: "usr_other" })).toBe(false);
  });

  it("a viewer owns nothing: ownership needs a shipping role", () => {
    expect(can(person(["viewer"]), "review.teardown", { ownerId: "usr_me" })).toBe(false);
  });
});

describe("special actors", () => {
  it("a disabled person may do nothing, not even look", () => {
    const disabled = { ...person(["admin"]), disabled: true };
    expect(can(disabled, "pipeline.view")).toBe(false);
    expect(decide(disabled, "user.manage")).toEqual({ allowed: false, reason: "your account is disabled" });
  });

  it("a person with no roles may do nothing", () => {
    for (const action of Object.keys(MATRIX) as Action[]) expect(can(person([]), action, someoneElse)).toBe(false);
  });

  it("automation may promote, roll back and expire, but never approve or manage people", () => {
    const bot = automationActor();
    expect(can(bot, "deployment.request")).toBe(true);
    expect(can(bot, "environment.rollback")).toBe(true);
    expect(can(bot, "review.teardown")).toBe(true);
    expect(can(bot, "deployment.approve", { role: "tech-lead" })).toBe(false);
    expect(can(bot, "user.manage")).toBe(false);
    expect(can(bot, "token.manage")).toBe(false);
  });

  it("the system actor (start-up, CLI) may do anything", () => {
    expect(can(systemActor(), "token.manage")).toBe(true);
  });

  it("no actor may do nothing", () => {
    expect(can(null, "pipeline.view")).toBe(false);
  });

  it("refusals say which role is missing", () => {
    expect(decide(person(["viewer"]), "build.register")).toEqual({
      allowed: false,
      reason: "you need the developer, delivery lead, tech lead or admin role to register builds",
    });
  });
});

describe("whoMay: whom to ask, from the same rules can() reads", () => {
  it("names the roles that may lift a hold, and agrees with can()", () => {
    expect(whoMay("environment.hold.lift")).toBe("a delivery lead, tech lead or admin");
    expect(whoMay("user.manage")).toBe("an admin");
    for (const role of ["delivery-lead", "tech-lead", "admin"] as const) expect(can(person([role]), "environment.hold.lift")).toBe(true);
    expect(can(person(["developer"]), "environment.hold.lift")).toBe(false);
  });

  it("says nobody for an action no role may take by role alone (approvals follow their own rules)", () => {
    expect(whoMay("deployment.approve")).toBe("nobody");
    expect(whoMay("gate.override")).toBe("nobody");
  });
});
