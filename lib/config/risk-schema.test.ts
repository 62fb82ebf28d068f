import { describe, expect, it } from "vitest";
import { configOf, edit, MINIMAL, problemsOf } from "./test-helpers";

const withProd = (lines: string) => edit(MINIMAL, "  - name: prod\n", `  - name: prod\n${lines}`);

describe("`when:` on approval rules and checklist items in slipway.yaml", () => {
  it("accepts changedPaths and labels on a rule and on a checklist item", () => {
    const config = configOf(
      withProd(`    gates:
      approvals:
        rules:
          - { role: tech-lead, when: { changedPaths: ["**/migrations/**", "iam/**", "services/payments/**"] } }
          - { role: pm, when: { labels: [payments] } }
      checklist:
        - deploy announced
        - { item: database backup taken, when: { changedPaths: ["**/migrations/**"] } }
`),
    );
    const prod = config.environments[1]!;
    expect(prod.gates.approvals?.rules).toEqual([
      { role: "tech-lead", count: 1, when: { changedPaths: ["**/migrations/**", "iam/**", "services/payments/**"] } },
      { role: "pm", count: 1, when: { labels: ["payments"] } },
    ]);
    expect(prod.gates.checklist).toEqual(["deploy announced", { item: "database backup taken", when: { changedPaths: ["**/migrations/**"] } }]);
  });

  it("refuses an empty condition, an empty list, an unknown key and a duplicate item, each with its path", () => {
    const problems = problemsOf(
      withProd(`    gates:
      approvals:
        rules:
          - { role: tech-lead, when: {} }
          - { role: pm, when: { changedPaths: [] } }
          - { role: delivery-lead, when: { paths: [a] } }
      checklist:
        - backup
        - { item: backup, when: { labels: [db] } }
`),
    );
    expect(problems.map((p) => [p.path, p.message])).toEqual([
      ["environments[1].gates.approvals.rules[0].when", "expected `changedPaths`, `labels` or both"],
      ["environments[1].gates.approvals.rules[1].when.changedPaths", expect.stringContaining("at least 1")],
      ["environments[1].gates.approvals.rules[2].when", expect.stringContaining('unknown key "paths"')],
      ["environments[1].gates.checklist[1]", 'duplicate checklist item "backup" (already at [0])'],
    ]);
  });
});
