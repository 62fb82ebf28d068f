import { describe, expect, it } from "vitest";
import { groupsFromClaim, managedRoles, parseRoleMap, syncRoles, type OidcRoleMapping } from "./oidc-roles";

const mapping = (text: string): OidcRoleMapping => {
  const parsed = parseRoleMap(text);
  if (!("groups" in parsed)) throw new Error(parsed.problems.join("; "));
  return { claim: "groups", groups: parsed.groups };
};

describe("roles from an identity provider's groups", () => {
  const map = mapping("eng-leads=tech-lead,product=pm,delivery=delivery-lead,eng-leads=developer");

  it("grants every role of every group the person is in, plus viewer", () => {
    expect(syncRoles([], ["eng-leads", "unrelated"], map)).toEqual(["viewer", "developer", "tech-lead"]);
    expect(syncRoles(["viewer"], ["product", "delivery"], map)).toEqual(["viewer", "delivery-lead", "pm"]);
  });

  it("leaving a group removes the roles it granted at the next sign-in", () => {
    expect(syncRoles(["viewer", "developer", "tech-lead"], [], map)).toEqual(["viewer"]);
  });

  it("keeps roles the mapping never grants (an admin set by hand stays an admin)", () => {
    expect(managedRoles(map)).toEqual(["developer", "delivery-lead", "tech-lead", "pm"]);
    expect(syncRoles(["viewer", "admin", "pm"], ["eng-leads"], map)).toEqual(["viewer", "developer", "tech-lead", "admin"]);
  });

  it("reads arrays and space- or comma-separated strings; anything else is no groups", () => {
    expect(groupsFromClaim(["a", "b", 3, "", null])).toEqual(["a", "b"]);
    expect(groupsFromClaim("a b,c")).toEqual(["a", "b", "c"]);
    expect(groupsFromClaim(undefined)).toEqual([]);
    expect(groupsFromClaim({ a: 1 })).toEqual([]);
  });

  it("matches group names exactly", () => {
    expect(syncRoles([], ["Eng-Leads"], map)).toEqual(["viewer"]);
  });
});
