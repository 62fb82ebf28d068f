import { describe, expect, it } from "vitest";
import type { ApprovalsConfig, GatesConfig } from "@/lib/config/schema";
import type { ApprovalsFacts } from "./approvals";
import { evaluateGates, type GateFacts } from "./index";
import { applicableApprovals, applicableChecklist, matchRisk, needsChanges, type AppChanges, type ReleaseChanges } from "./risk";

const RISKY = { changedPaths: ["**/migrations/**", "iam/**", "services/payments/**"] };
const app = (name: string, changedFiles: string[] | null, labels: string[] | null = []): AppChanges => ({ app: name, fromVersion: "1.0.0", toVersion: "1.1.0", changedFiles, labels });
const changes = (...apps: AppChanges[]): ReleaseChanges => ({ apps });

describe("matchRisk", () => {
  it("names the files that made the release risky (the issue's example paths)", () => {
    const match = matchRisk(RISKY, changes(app("portal", ["src/page.tsx", "db/migrations/0007_wishlist.sql"]), app("api-gateway", ["services/payments/charge.ts", "README.md"])));
    expect(match.risky).toBe(true);
    expect(match.files).toEqual(["api-gateway:services/payments/charge.ts", "portal:db/migrations/0007_wishlist.sql"]);
    expect(match.reason).toBe("changes api-gateway:services/payments/charge.ts, portal:db/migrations/0007_wishlist.sql");
  });

  it("a release that touches none of the paths is not risky and says what it was checked against", () => {
    const match = matchRisk(RISKY, changes(app("portal", ["src/page.tsx", "docs/migrations.md"])));
    expect(match).toMatchObject({ risky: false, files: [], unknown: [] });
    expect(match.reason).toBe("the release changes no file matching **/migrations/**, iam/**, services/payments/**");
  });

  it("fails closed: changed files CI did not send count as risky", () => {
    const match = matchRisk(RISKY, changes(app("portal", ["src/page.tsx"]), { ...app("admin", null), unknownWhy: "changed files not reported for 1.1.0" }));
    expect(match.risky).toBe(true);
    expect(match.files).toEqual([]);
    expect(match.unknown).toEqual(["admin (changed files not reported for 1.1.0)"]);
    expect(match.reason).toBe("changes unknown for admin (changed files not reported for 1.1.0), counted as risky");
  });

  it("labels match exactly; missing labels count as risky only for a labels condition", () => {
    expect(matchRisk({ labels: ["iam"] }, changes(app("portal", [], ["iam", "ui"])))).toMatchObject({ risky: true, labels: ["iam"] });
    expect(matchRisk({ labels: ["iam"] }, changes(app("portal", [], ["iam-docs"])))).toMatchObject({ risky: false });
    expect(matchRisk({ labels: ["iam"] }, changes(app("portal", [], null)))).toMatchObject({ risky: true, unknown: ["portal (labels not reported)"] });
    // Unknown labels do not matter to a paths-only rule, nor unknown files to a labels-only rule.
    expect(matchRisk(RISKY, changes(app("portal", ["src/a.ts"], null)))).toMatchObject({ risky: false });
    expect(matchRisk({ labels: ["iam"] }, changes(app("portal", null, [])))).toMatchObject({ risky: false });
  });

  it("paths or labels: either one is enough", () => {
    const both = { changedPaths: ["iam/**"], labels: ["payments"] };
    expect(matchRisk(both, changes(app("portal", ["iam/roles.yaml"], [])))).toMatchObject({ risky: true, files: ["portal:iam/roles.yaml"] });
    expect(matchRisk(both, changes(app("portal", ["src/x.ts"], ["payments"])))).toMatchObject({ risky: true, labels: ["payments"] });
    expect(matchRisk(both, changes(app("portal", ["src/x.ts"], ["ui"])))).toMatchObject({ risky: false });
  });

  it("dot files match globs, and a release that changes nothing is not risky", () => {
    expect(matchRisk({ changedPaths: ["iam/**"] }, changes(app("portal", ["iam/.policy"])))).toMatchObject({ risky: true });
    expect(matchRisk(RISKY, changes())).toMatchObject({ risky: false, reason: "the release changes nothing here" });
  });

  it("lists at most five files and counts the rest", () => {
    const files = Array.from({ length: 7 }, (_, i) => `iam/p${i}.yaml`);
    expect(matchRisk(RISKY, changes(app("portal", files))).reason).toBe("changes portal:iam/p0.yaml, portal:iam/p1.yaml, portal:iam/p2.yaml, portal:iam/p3.yaml, portal:iam/p4.yaml and 2 more");
  });
});

describe("applicable rules and items", () => {
  const approvals: ApprovalsConfig = {
    rules: [
      { role: "tech-lead", count: 1, when: RISKY },
      { role: "pm", count: 1 },
    ],
    expiresAfter: 86_400_000,
  };

  it("keeps rules without `when` and drops conditional ones the release does not meet", () => {
    expect(applicableApprovals(approvals, changes(app("portal", ["src/a.ts"]))).config?.rules.map((r) => r.role)).toEqual(["pm"]);
    expect(applicableApprovals(approvals, changes(app("portal", ["iam/a.yaml"]))).config?.rules.map((r) => r.role)).toEqual(["tech-lead", "pm"]);
    const onlyConditional = { ...approvals, rules: [approvals.rules[0]!] };
    expect(applicableApprovals(onlyConditional, changes(app("portal", ["src/a.ts"]))).config).toBeNull();
  });

  it("throws when a rule has a condition but the changes were not loaded (the gate then fails closed)", () => {
    expect(() => applicableApprovals(approvals, undefined)).toThrow("the release's changes were not loaded");
    expect(() => applicableChecklist(["a", { item: "b", when: RISKY }], undefined)).toThrow("not loaded");
  });

  it("checklist items with `when` apply only to risky releases", () => {
    const entries = ["deploy announced", { item: "database backup taken", when: { changedPaths: ["**/migrations/**"] } }];
    expect(applicableChecklist(entries, changes(app("portal", ["src/a.ts"]))).items).toEqual(["deploy announced"]);
    expect(applicableChecklist(entries, changes(app("portal", ["db/migrations/1.sql"]))).items).toEqual(["deploy announced", "database backup taken"]);
  });

  it("needsChanges only when some rule or item has a condition", () => {
    expect(needsChanges({ approvals: { ...approvals, rules: [{ role: "pm", count: 1 }] }, checklist: ["a"] })).toBe(false);
    expect(needsChanges({ approvals })).toBe(true);
    expect(needsChanges({ checklist: [{ item: "x", when: RISKY }] })).toBe(true);
    expect(needsChanges({}, approvals)).toBe(true);
  });
});

describe("the approvals and checklist gates with `when`", () => {
  const now = new Date("2026-05-04T10:00:00Z");
  const gates = (extra: Partial<GatesConfig>): GatesConfig => ({ tests: false, windows: [], freezes: [], incident: false, checklist: [], ...extra }) as GatesConfig;
  const approvalFacts: ApprovalsFacts = { requesterId: "u-dev", releaseId: "rel-1", environmentId: "env-prod", approvals: [], eligible: [{ role: "tech-lead", people: [{ id: "u-tl", name: "Tess" }] }] };
  const onlyRisky: ApprovalsConfig = { rules: [{ role: "tech-lead", count: 1, when: RISKY }], expiresAfter: 86_400_000 };
  const evaluate = (g: GatesConfig, facts: GateFacts) => evaluateGates({ environment: { name: "prod", gates: g }, facts, now });

  it("a release that touches none of the paths needs no approval there", () => {
    const [approvalsGate] = evaluate(gates({ approvals: onlyRisky }), { freeze: { stored: [] }, approvals: approvalFacts, changes: changes(app("portal", ["src/page.tsx"])) });
    expect(approvalsGate).toMatchObject({ gate: "approvals", status: "pass" });
    expect(approvalsGate!.reason).toBe("no approval needed: not a risky change (tech lead: the release changes no file matching **/migrations/**, iam/**, services/payments/**)");
  });

  it("a risky release waits for the approval and the reason names the files", () => {
    const [approvalsGate] = evaluate(gates({ approvals: onlyRisky }), { freeze: { stored: [] }, approvals: approvalFacts, changes: changes(app("portal", ["db/migrations/0007.sql"])) });
    expect(approvalsGate).toMatchObject({ status: "pending" });
    expect(approvalsGate!.reason).toBe("needs 1 tech lead approval — Tess can give it — risky change: a tech lead because the release changes portal:db/migrations/0007.sql");
    expect(approvalsGate!.detail).toMatchObject({ risk: [{ role: "tech-lead", applies: true, files: ["portal:db/migrations/0007.sql"] }] });
  });

  it("unknown changes wait for the approval", () => {
    const [approvalsGate] = evaluate(gates({ approvals: onlyRisky }), { freeze: { stored: [] }, approvals: approvalFacts, changes: changes(app("portal", null)) });
    expect(approvalsGate).toMatchObject({ status: "pending", reason: expect.stringContaining("changes unknown for portal") });
  });

  it("fails closed when the changes were not loaded", () => {
    const [approvalsGate] = evaluate(gates({ approvals: onlyRisky }), { freeze: { stored: [] }, approvals: approvalFacts });
    expect(approvalsGate).toMatchObject({ status: "fail", reason: "could not evaluate the approvals gate: the release's changes were not loaded" });
  });

  it("a checklist item with `when` is asked only for a risky release; without applying items the gate passes", () => {
    const checklist = [{ item: "database backup taken", when: { changedPaths: ["**/migrations/**"] } }];
    const [safe] = evaluate(gates({ checklist }), { freeze: { stored: [] }, checklist: { ticks: [] }, changes: changes(app("portal", ["src/a.ts"])) });
    expect(safe).toMatchObject({ gate: "checklist", status: "pass", reason: "no checklist item applies: 'database backup taken': the release changes no file matching **/migrations/**" });
    const [risky] = evaluate(gates({ checklist }), { freeze: { stored: [] }, checklist: { ticks: [] }, changes: changes(app("portal", ["db/migrations/2.sql"])) });
    expect(risky).toMatchObject({ status: "pending", reason: "0 of 1 checklist item ticked: 'database backup taken' is open — risky change: 'database backup taken' because the release changes portal:db/migrations/2.sql" });
  });
});
