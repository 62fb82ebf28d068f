import { describe, expect, it } from "vitest";
import type { ApprovalsConfig } from "@/lib/config/schema";
import { approvalsSchema } from "@/lib/config/gates-schema";
import { evaluateApprovals, type ApprovalFact, type ApprovalsFacts } from "./approvals";
import { matchApprovers } from "./approvals-matching";

const now = new Date("2026-06-01T12:00:00Z");
const ago = (minutes: number) => new Date(now.getTime() - minutes * 60_000);
const HOUR = 3_600_000;

// prod in slipway.yaml: 1 tech lead AND 1 pm, approvals expire after 24h.
const prodRules: ApprovalsConfig = approvalsSchema.parse({
  rules: [
    { role: "tech-lead", count: 1 },
    { role: "pm", count: 1 },
  ],
  expiresAfter: "24h",
});

const people = {
  dev: { id: "u_dev", name: "Sam Lee" }, // the requester
  alex: { id: "u_alex", name: "Alex Kim" },
  jo: { id: "u_jo", name: "Jo Park" },
  priya: { id: "u_priya", name: "Priya Shah" },
  omar: { id: "u_omar", name: "Omar Ali" },
};

let seq = 0;
const approval = (who: { id: string; name: string }, over: Partial<ApprovalFact> & Pick<ApprovalFact, "role">): ApprovalFact => ({
  id: `apr_${++seq}`,
  userId: who.id,
  userName: who.name,
  roles: [over.role],
  decision: "approve",
  createdAt: ago(30),
  releaseId: "rel_1",
  environmentId: "env_prod",
  voidedAt: null,
  userDisabled: false,
  ...over,
});

const facts = (approvals: ApprovalFact[], over: Partial<ApprovalsFacts> = {}): ApprovalsFacts => ({
  requesterId: people.dev.id,
  releaseId: "rel_1",
  environmentId: "env_prod",
  approvals,
  eligible: [
    { role: "tech-lead", people: [people.alex, people.jo, people.dev] },
    { role: "pm", people: [people.priya] },
  ],
  ...over,
});

const evaluate = (approvals: ApprovalFact[], rules = prodRules, over: Partial<ApprovalsFacts> = {}) => evaluateApprovals(rules, facts(approvals, over), now);
const ruleDetail = (result: ReturnType<typeof evaluate>) => (result.detail as { rules: { role: string; have: number; needed: number; candidates: { name: string }[] }[] }).rules;
const ignoredWhy = (result: ReturnType<typeof evaluate>) => (result.detail as { ignored: { why: string }[] }).ignored.map((i) => i.why);

describe("approvals gate", () => {
  it("passes with one tech-lead and one pm, and rechecks when the first approval expires", () => {
    const result = evaluate([approval(people.alex, { role: "tech-lead", createdAt: ago(60) }), approval(people.priya, { role: "pm", createdAt: ago(10) })]);
    expect(result).toMatchObject({ status: "pass", reason: "approved by Alex Kim (tech lead) and Priya Shah (product manager)" });
    expect(result.recheckAt).toEqual(new Date(ago(60).getTime() + 24 * HOUR));
  });

  it("with none given, says what is needed and who can give it (never the requester)", () => {
    const result = evaluate([]);
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("needs 1 tech lead and 1 product manager approval — tech lead: Alex Kim or Jo Park can give it; product manager: Priya Shah can give it (not Sam Lee, who requested it)");
    expect(ruleDetail(result)).toEqual([
      { role: "tech-lead", needed: 1, have: 0, approvedBy: [], candidates: [people.alex, people.jo], requesterHoldsRole: true },
      { role: "pm", needed: 1, have: 0, approvedBy: [], candidates: [people.priya] },
    ]);
    expect(result.recheckAt).toBeUndefined();
  });

  it("with one rule met, names only the missing one", () => {
    const result = evaluate([approval(people.alex, { role: "tech-lead" })]);
    expect(result.reason).toBe("needs 1 product manager approval — Priya Shah can give it");
  });

  it("ignores the requester's own approval, and says so", () => {
    const result = evaluate([approval(people.dev, { role: "tech-lead" }), approval(people.priya, { role: "pm" })]);
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("needs 1 tech lead approval — Alex Kim or Jo Park can give it (Sam Lee's own approval does not count)");
    expect(ignoredWhy(result)).toEqual(["own-request"]);
  });

  it("one person holding both roles counts once: not enough for 1 tech lead AND 1 pm", () => {
    const both = { ...people.jo };
    const roles = ["tech-lead", "pm"] as const;
    // Jo approved once as tech-lead, and once more as pm.
    const result = evaluate([approval(both, { role: "tech-lead", roles: [...roles] }), approval(both, { role: "pm", roles: [...roles] })]);
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("needs 1 product manager approval — Priya Shah can give it (Jo Park counts once, as tech lead)");
    expect(ruleDetail(result).map((r) => r.have)).toEqual([1, 0]);
  });

  it("matching is a real matching: the person holding both roles is placed where nobody else can be", () => {
    // Jo can be tech-lead or pm; Alex only tech-lead. Greedy first-come would put Jo on tech-lead and leave pm empty.
    const roles = ["tech-lead", "pm"] as const;
    const result = evaluate([
      approval(people.jo, { role: "tech-lead", roles: [...roles], createdAt: ago(50) }),
      approval(people.jo, { role: "pm", roles: [...roles], createdAt: ago(40) }),
      approval(people.alex, { role: "tech-lead", createdAt: ago(30) }),
    ]);
    expect(result).toMatchObject({ status: "pass", reason: "approved by Alex Kim (tech lead) and Jo Park (product manager)" });
  });

  it("an expired approval does not count", () => {
    const result = evaluate([approval(people.alex, { role: "tech-lead", createdAt: new Date(now.getTime() - 24 * HOUR) }), approval(people.priya, { role: "pm" })]);
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("needs 1 tech lead approval — Alex Kim or Jo Park can give it (not Sam Lee, who requested it; Alex Kim's approval has expired)");
    expect(ignoredWhy(result)).toEqual(["expired"]);
    // One millisecond younger, and it still counts until exactly 24h after it was given.
    const fresh = evaluate([approval(people.alex, { role: "tech-lead", createdAt: new Date(now.getTime() - 24 * HOUR + 1) }), approval(people.priya, { role: "pm" })]);
    expect(fresh.status).toBe("pass");
    expect(fresh.recheckAt).toEqual(new Date(now.getTime() + 1));
  });

  it("an approval for another release or environment (voided by a changed release) does not count", () => {
    const result = evaluate([approval(people.alex, { role: "tech-lead", releaseId: "rel_0" }), approval(people.jo, { role: "tech-lead", environmentId: "env_staging" }), approval(people.priya, { role: "pm" })]);
    expect(result.status).toBe("pending");
    expect(ignoredWhy(result)).toEqual(["other-release-or-environment", "other-release-or-environment"]);
    expect(evaluate([approval(people.alex, { role: "tech-lead", voidedAt: ago(5) }), approval(people.priya, { role: "pm" })]).status).toBe("pending");
  });

  it("an approver who no longer holds the role, or is disabled, does not count", () => {
    const lostRole = evaluate([approval(people.alex, { role: "tech-lead", roles: ["developer"] }), approval(people.priya, { role: "pm" })]);
    expect(lostRole.status).toBe("pending");
    expect(lostRole.reason).toContain("Alex Kim is no longer a tech lead");
    const disabled = evaluate([approval(people.alex, { role: "tech-lead", userDisabled: true }), approval(people.priya, { role: "pm" })]);
    expect(disabled.status).toBe("pending");
    expect(disabled.reason).toContain("Alex Kim's account is disabled");
  });

  it("a rejection fails the gate, quoting the comment", () => {
    const result = evaluate([approval(people.alex, { role: "tech-lead" }), approval(people.priya, { role: "pm", decision: "reject", comment: "checkout copy is not signed off" })]);
    expect(result).toMatchObject({ status: "fail", reason: "rejected by Priya Shah (product manager): checkout copy is not signed off" });
    expect(result.detail).toMatchObject({ rejections: [{ userName: "Priya Shah", role: "pm" }] });
  });

  it("a rejection does not expire, but the same person approving later withdraws it", () => {
    const old = approval(people.priya, { role: "pm", decision: "reject", createdAt: ago(3 * 24 * 60) });
    expect(evaluate([old, approval(people.alex, { role: "tech-lead" })]).status).toBe("fail");
    const changedMind = evaluate([old, approval(people.priya, { role: "pm", createdAt: ago(5) }), approval(people.alex, { role: "tech-lead" })]);
    expect(changedMind.status).toBe("pass");
    // …and a later rejection cancels that person's earlier approval.
    const reversed = evaluate([approval(people.priya, { role: "pm", createdAt: ago(20) }), approval(people.priya, { role: "pm", decision: "reject", createdAt: ago(5) })]);
    expect(reversed).toMatchObject({ status: "fail", reason: "rejected by Priya Shah (product manager)" });
  });

  it("a voided rejection, or one for another release, no longer blocks", () => {
    const result = evaluate([approval(people.priya, { role: "pm", decision: "reject", voidedAt: ago(1) }), approval(people.alex, { role: "tech-lead", decision: "reject", releaseId: "rel_0" })]);
    expect(result.status).toBe("pending");
  });

  it("count 2 needs two different people in the role", () => {
    const twoLeads = approvalsSchema.parse({ rules: [{ role: "tech-lead", count: 2 }] });
    const one = evaluate([approval(people.alex, { role: "tech-lead" }), approval(people.alex, { role: "tech-lead", createdAt: ago(5) })], twoLeads);
    expect(one.status).toBe("pending");
    expect(one.reason).toBe("needs 1 more tech lead approval — Jo Park can give it (not Sam Lee, who requested it)");
    expect(ruleDetail(one)[0]).toMatchObject({ needed: 2, have: 1 });
    expect(evaluate([], twoLeads).reason).toBe("needs 2 tech lead approvals — Alex Kim or Jo Park can give it (not Sam Lee, who requested it)");
    expect(evaluate([approval(people.alex, { role: "tech-lead" }), approval(people.jo, { role: "tech-lead" })], twoLeads).status).toBe("pass");
  });

  it('when the only holder of the role is the requester, says exactly that — not "nobody holds it" (issue 14 #6)', () => {
    const onlyLead = approvalsSchema.parse({ rules: [{ role: "tech-lead" }] });
    const result = evaluate([], onlyLead, { eligible: [{ role: "tech-lead", people: [people.dev] }] });
    expect(result.status).toBe("pending");
    expect(result.reason).toBe("needs 1 tech lead approval, which nobody can ever give as things stand: Sam Lee is the only tech lead and cannot approve their own request — an admin must grant the role to someone else");
    expect(result.detail).toMatchObject({ unapprovable: "Sam Lee is the only tech lead and cannot approve their own request — an admin must grant the role to someone else" });
    expect(ruleDetail(result)[0]).toMatchObject({ candidates: [], requesterHoldsRole: true });
  });

  it("tells a role nobody holds apart from one only the requester holds, and names who else is short", () => {
    const nobody = evaluate([], approvalsSchema.parse({ rules: [{ role: "pm" }] }), { eligible: [{ role: "pm", people: [] }] });
    expect(nobody.reason).toBe("needs 1 product manager approval, which nobody can ever give as things stand: nobody is a product manager — an admin must grant the role to someone else");
    const twoLeads = approvalsSchema.parse({ rules: [{ role: "tech-lead", count: 2 }] });
    const short = evaluate([], twoLeads, { eligible: [{ role: "tech-lead", people: [people.alex, people.dev] }] });
    expect(short.reason).toBe(
      "needs 2 tech lead approvals, which nobody can ever give as things stand: only Alex Kim is a tech lead besides Sam Lee, who cannot approve their own request, and 2 are needed — an admin must grant the role to someone else",
    );
  });

  it("one person holding both required roles cannot meet both rules: unapprovable, though each role has a holder", () => {
    const result = evaluate([], prodRules, {
      eligible: [
        { role: "tech-lead", people: [people.omar] },
        { role: "pm", people: [people.omar] },
      ],
    });
    expect(result.detail).toMatchObject({ unapprovable: "each person counts once, and the people who are tech leads or product managers can give at most 1 of the 2 approvals — an admin must grant the role to someone else" });
  });

  it("a request others can approve is not unapprovable, and an approval already given keeps counting", () => {
    expect(evaluate([]).detail).not.toHaveProperty("unapprovable");
    const onlyAlex = {
      eligible: [
        { role: "tech-lead" as const, people: [people.alex] },
        { role: "pm" as const, people: [people.priya] },
      ],
    };
    const result = evaluate([approval(people.alex, { role: "tech-lead" })], prodRules, onlyAlex);
    expect(result.detail).not.toHaveProperty("unapprovable");
    expect(result.reason).toBe("needs 1 product manager approval — Priya Shah can give it");
  });

  it("an approval in a role no rule asks for does not count", () => {
    const result = evaluate([approval(people.omar, { role: "admin" })], approvalsSchema.parse({ rules: [{ role: "pm" }] }));
    expect(result.status).toBe("pending");
    expect(ignoredWhy(result)).toEqual(["role-not-required"]);
  });
});

describe("matchApprovers", () => {
  it("finds a maximum matching, each person at most once", () => {
    const both = new Set(["a", "b"] as const);
    const onlyA = new Set(["a"] as const);
    const assignment = matchApprovers(
      [
        { role: "a", count: 1 },
        { role: "b", count: 1 },
      ],
      [
        { id: "p1", roles: both },
        { id: "p2", roles: onlyA },
      ],
    );
    expect(Object.fromEntries(assignment)).toEqual({ p1: "b", p2: "a" });
    expect(
      matchApprovers(
        [
          { role: "a", count: 1 },
          { role: "b", count: 1 },
        ],
        [{ id: "p1", roles: both }],
      ).size,
    ).toBe(1);
  });
});
