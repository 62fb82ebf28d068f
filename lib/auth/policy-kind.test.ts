import { describe, expect, it } from "vitest";
import type { Actor } from "./actor";
import { decide, decideKind } from "./policy";
import { globalGrants, type Role } from "./roles";

const person = (roles: Role[], id = "usr_1"): Actor => ({ kind: "user", id, name: "p", email: "p@example.com", roles, grants: globalGrants(roles), disabled: false, via: "api" });

describe("decideKind: may the actor do this to anything of its kind", () => {
  it.each([
    [["viewer"], "deployment.cancel", false],
    [["developer"], "deployment.cancel", true], // their own request, found after the lookup
    [["viewer"], "environment.rollback", false],
    [["developer"], "review.teardown", true], // their own review environment
    [["viewer"], "review.verdict", false],
    [["developer"], "review.verdict", false],
    [["viewer"], "gate.override", false],
    [["tech-lead"], "gate.override", true],
    [["pm"], "config.edit", false],
    [["admin"], "user.manage", true],
  ] as [Role[], Parameters<typeof decideKind>[1], boolean][])("%j may %s: %s", (roles, action, allowed) => {
    expect(decideKind(person(roles), action).allowed).toBe(allowed);
  });

  it("checks an approval's role from the input, before the deployment is looked up", () => {
    expect(decideKind(person(["pm"]), "deployment.approve", { role: "tech-lead" }).allowed).toBe(false);
    expect(decideKind(person(["tech-lead"]), "deployment.approve", { role: "tech-lead" }).allowed).toBe(true);
    expect(decideKind(person(["viewer"]), "deployment.approve").allowed).toBe(false);
  });

  it("a disabled account may do nothing", () => {
    expect(decideKind({ ...person(["admin"]), disabled: true } as Actor, "user.manage").allowed).toBe(false);
  });
});

describe("an environment's access rules from slipway.yaml", () => {
  const prodAccess = { deployRoles: ["tech-lead"] as Role[], viewConfigRoles: ["tech-lead", "delivery-lead"] as Role[] };
  it.each([
    [["developer"], "deployment.request", false],
    [["tech-lead"], "deployment.request", true],
    [["admin"], "deployment.request", true],
    [["developer"], "config.view", false],
    [["delivery-lead"], "config.view", true],
    [["viewer"], "config.view", false],
  ] as [Role[], "deployment.request" | "config.view", boolean][])("%j may %s on a restricted environment: %s", (roles, action, allowed) => {
    expect(decide(person(roles), action, prodAccess).allowed).toBe(allowed);
  });

  it("says who may", () => {
    expect(decide(person(["developer"]), "deployment.request", prodAccess)).toEqual({ allowed: false, reason: "only the tech lead role may deploy into this environment" });
  });

  it("without access rules nothing changes", () => {
    expect(decide(person(["developer"]), "deployment.request", {}).allowed).toBe(true);
    expect(decide(person(["viewer"]), "config.view", {}).allowed).toBe(true);
  });
});
