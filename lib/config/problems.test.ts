import { describe, expect, it } from "vitest";
import { configOf, edit, lineOf, MINIMAL, problemsOf } from "./test-helpers";

/** MINIMAL with extra lines under the prod environment (indented as its keys). */
const withProd = (lines: string) => edit(MINIMAL, "  - name: prod\n", `  - name: prod\n${lines}`);

describe("parsePipelineConfig: problems point at the path and line", () => {
  it("reports a misspelt key at the key, naming the allowed keys", () => {
    const text = edit(MINIMAL, "  - name: admin\n", "  - name: admin\n    migraton: { paths: [db/**] }\n");
    expect(problemsOf(text)).toEqual([
      {
        path: "apps[1]",
        line: lineOf(text, "migraton"),
        column: 5,
        message: 'unknown key "migraton" (expected one of name, description, team, migrations, seed, healthPath)',
      },
    ]);
  });

  it("reports each unknown key on its own line, at every level", () => {
    const text = edit(withProd("    gates: { test: true }\n"), "pipeline:\n", "pipelines: x\npipeline:\n");
    const problems = problemsOf(text);
    expect(problems.map((p) => [p.path, p.line, p.message.split(" (")[0]])).toEqual([
      ["", lineOf(text, "pipelines:"), 'unknown key "pipelines"'],
      ["environments[1].gates", lineOf(text, "test: true"), 'unknown key "test"'],
    ]);
  });

  it("reports a missing required key at its parent", () => {
    const text = edit(MINIMAL, "  - name: admin\n", "  - description: back office\n");
    expect(problemsOf(text)).toEqual([{ path: "apps[1].name", line: lineOf(text, "back office"), column: 5, message: 'missing required key "name"' }]);
    const noEnvironments = MINIMAL.slice(0, MINIMAL.indexOf("environments:"));
    expect(problemsOf(noEnvironments)).toEqual([{ path: "environments", line: 1, column: 1, message: 'missing required key "environments"' }]);
  });

  it("reports values of the wrong type", () => {
    const text = withProd("    instances: two\n    autoPromote: yes\n    gates: [tests]\n");
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[1].instances", lineOf(text, "instances"), 'expected a number; got "two"'],
      ["environments[1].autoPromote", lineOf(text, "autoPromote"), 'expected true or false; got "yes"'],
      ["environments[1].gates", lineOf(text, "gates"), "expected a mapping; got a list"],
    ]);
  });

  it("reports numbers out of range and unsupported versions", () => {
    const text = edit(withProd("    instances: 21\n"), "version: 1", "version: 2");
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["version", 1, "expected version 1; got 2"],
      ["environments[1].instances", lineOf(text, "instances"), "expected a number ≤ 20; got 21"],
    ]);
  });

  it("reports a duplicate app name at the repeat", () => {
    const text = edit(MINIMAL, "  - name: admin\n", "  - name: portal\n");
    expect(problemsOf(text)).toEqual([{ path: "apps[1].name", line: lineOf(text, "name: portal", 2), column: 11, message: 'duplicate app name "portal" (already used by apps[0])' }]);
  });

  it("reports a duplicate environment name", () => {
    const text = edit(MINIMAL, "  - name: prod\n", "  - name: dev\n");
    expect(problemsOf(text)).toMatchObject([{ path: "environments[1].name", line: lineOf(text, "name: dev", 2), message: 'duplicate environment name "dev" (already used by environments[0])' }]);
  });

  it("reports a duplicate YAML key at the repeat", () => {
    const text = edit(MINIMAL, "  name: shop\n", "  name: shop\n  name: market\n");
    expect(problemsOf(text)).toEqual([{ path: "pipeline", line: lineOf(text, "name: market"), column: 3, message: 'duplicate key "name" (a key may appear only once in a mapping)' }]);
  });

  it("reports YAML syntax errors with their line and nothing else", () => {
    const badIndent = edit(MINIMAL, "  - name: admin\n", "  - name: admin\n   description: misaligned\n");
    const [indent, ...rest] = problemsOf(badIndent);
    expect(rest).toEqual([]);
    expect(indent).toMatchObject({ path: "", line: lineOf(badIndent, "misaligned") });
    expect(indent!.message).toMatch(/^invalid YAML: /);

    const tab = edit(MINIMAL, "  name: shop", "\tname: shop");
    expect(problemsOf(tab)).toEqual([{ path: "", line: lineOf(tab, "name: shop"), column: 1, message: "invalid YAML: Tabs are not allowed as indentation" }]);

    const unclosed = edit(MINIMAL, "  - name: admin\n", "  - name: 'admin\n");
    expect(problemsOf(unclosed)[0]!.message).toMatch(/^invalid YAML: Missing closing/);
  });

  it("reports bad durations, naming the expected form", () => {
    const text = withProd("    warmFor: soon\n    slo: { availability: 99.9, window: 0m }\n");
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[1].warmFor", lineOf(text, "warmFor"), 'expected a duration such as "30m", "2h" or "7d"; got "soon"'],
      ["environments[1].slo.window", lineOf(text, "slo:"), 'duration must be greater than zero; got "0m"'],
    ]);
  });

  it("reports a time zone that Intl does not know, and an empty or repetitive window", () => {
    const text = withProd(`    gates:
      windows:
        - days: [mon, mon]
          from: "09:00"
          to: "17:00"
          timezone: Mars/Olympus
`);
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[1].gates.windows[0].days[1]", lineOf(text, "days:"), 'duplicate day "mon" (already at [0])'],
      ["environments[1].gates.windows[0].timezone", lineOf(text, "Mars"), 'expected an IANA time zone such as "Europe/Berlin" or "UTC"; got "Mars/Olympus"'],
    ]);
    const empty = withProd('    gates:\n      windows: [{ days: [mon], from: "09:00", to: "09:00", timezone: UTC }]\n');
    expect(problemsOf(empty)).toMatchObject([{ path: "environments[1].gates.windows[0].to", message: expect.stringContaining("must differ from `from`") }]);
  });

  it("reports a role that may not approve", () => {
    const text = withProd("    gates:\n      approvals:\n        rules:\n          - { role: tech-lead }\n          - role: qa-lead\n");
    expect(problemsOf(text)).toEqual([
      {
        path: "environments[1].gates.approvals.rules[1].role",
        line: lineOf(text, "qa-lead"),
        column: 19,
        message: 'expected one of developer, delivery-lead, tech-lead, pm, admin; got "qa-lead"',
      },
    ]);
  });

  it("reports references to apps that are not declared", () => {
    const text = withProd(`    smoke: [{ name: home, app: shop-ui, path: / }]
    hooks: [{ name: sync, app: billing, job: sync }]
    apps:
      portal: { instances: 2 }
      search: { strategy: recreate }
`);
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[1].smoke[0].app", lineOf(text, "shop-ui"), 'unknown app "shop-ui" (declared apps: portal, admin)'],
      ["environments[1].hooks[0].app", lineOf(text, "billing"), 'unknown app "billing" (declared apps: portal, admin)'],
      ["environments[1].apps", lineOf(text, "search:"), 'unknown app "search" (declared apps: portal, admin)'],
    ]);
  });

  it("allows fastTrack only on the last environment and branch only on the first", () => {
    const text = edit(withProd("    branch: release\n"), "  - name: dev\n", "  - name: dev\n    fastTrack:\n      branches: [hotfix]\n      approvals: { rules: [{ role: tech-lead }] }\n");
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[0].fastTrack", lineOf(text, "branches:"), 'fastTrack is only allowed on the last environment ("prod")'],
      ["environments[1].branch", lineOf(text, "branch: release"), 'branch is only allowed on the first environment ("dev"); later environments take releases from the one before them'],
    ]);
  });

  it("requires the review source to be an environment, and maxTtl ≥ defaultTtl", () => {
    const text = `${MINIMAL}reviewEnvironments:\n  source: staging\n  defaultTtl: 7d\n  maxTtl: 2d\n`;
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["reviewEnvironments.source", lineOf(text, "source:"), 'unknown environment "staging" (environments: dev, prod)'],
      ["reviewEnvironments.maxTtl", lineOf(text, "maxTtl:"), "maxTtl (2d) must be at least defaultTtl (7d)"],
    ]);
  });

  it("reports the problem of the freeze form the author meant", () => {
    const text = withProd(`    gates:
      freezes:
        - { name: year-end, reason: holidays, rrule: "FREQ=YEARLY;BYMONTH=12", duration: 2x, timezone: UTC }
        - { name: launch, reason: launch, start: "2026-03-02T00:00:00Z", end: "2026-03-01T00:00:00Z" }
        - { name: weekly, reason: ops, rrule: "BYDAY=MO", duration: 1d, timezone: UTC }
`);
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[1].gates.freezes[0].duration", lineOf(text, "year-end"), 'expected a duration such as "30m", "2h" or "7d"; got "2x"'],
      ["environments[1].gates.freezes[1].end", lineOf(text, "launch"), "`end` must be after `start`"],
      ["environments[1].gates.freezes[2].rrule", lineOf(text, "weekly"), 'expected an RRULE starting with "FREQ=", e.g. "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=22"'],
    ]);
  });

  it("reports every problem at once, in file order", () => {
    const text = edit(
      withProd(`    instances: 1.5
    branch: main
    smoke: [{ name: home, app: nope, path: / }]
    gates:
      approvals:
        rules: [{ role: qa-lead }]
`),
      "  - name: admin\n",
      "  - name: portal\n    seed: { jb: seed }\n",
    );
    expect(problemsOf(text).map((p) => [p.path, p.line])).toEqual([
      ["apps[1].name", lineOf(text, "name: portal", 2)],
      ["apps[1].seed", lineOf(text, "jb: seed")],
      ["environments[1].instances", lineOf(text, "instances: 1.5")],
      ["environments[1].branch", lineOf(text, "branch: main")],
      ["environments[1].smoke[0].app", lineOf(text, "app: nope")],
      ["environments[1].gates.approvals.rules[0].role", lineOf(text, "qa-lead")],
    ]);
  });

  it("reports bad values in nested settings", () => {
    const text = edit(
      withProd("    apps: { portal: { instances: 0, strategy: canary } }\n    smoke: [{ name: home, path: home }]\n"),
      "  - name: portal\n",
      "  - name: portal\n    migrations: { paths: [../secrets/**] }\n    healthPath: health\n",
    );
    expect(problemsOf(text).map((p) => [p.path, p.line, p.message])).toEqual([
      ["apps[0].migrations.paths[0]", lineOf(text, "../secrets"), 'expected a relative path pattern inside the repository (no leading "/", no ".."); got "../secrets/**"'],
      ["apps[0].healthPath", lineOf(text, "healthPath"), 'expected a path starting with "/"; got "health"'],
      ["environments[1].apps.portal.instances", lineOf(text, "canary"), "expected a number ≥ 1; got 0"],
      ["environments[1].apps.portal.strategy", lineOf(text, "canary"), 'expected one of rolling, blue-green, recreate; got "canary"'],
      ["environments[1].smoke[0].app", lineOf(text, "smoke:"), 'missing required key "app"'],
      ["environments[1].smoke[0].path", lineOf(text, "smoke:"), 'expected a path starting with "/"; got "home"'],
    ]);
    const quota = `${MINIMAL}reviewEnvironments:\n  quota: { perPerson: 30 }\n`;
    expect(problemsOf(quota)).toMatchObject([{ path: "reviewEnvironments.quota.perPerson", line: lineOf(quota, "perPerson"), message: "perPerson (30) must not exceed total (20)" }]);
    const noApps = edit(MINIMAL, "apps:\n  - name: portal\n  - name: admin\n", "apps: []\n");
    expect(problemsOf(noApps)).toMatchObject([{ path: "apps", line: lineOf(noApps, "apps: []"), message: "expected at least 1 item" }]);
    const bareName = edit(MINIMAL, "  - name: prod\n", "  - prod\n");
    expect(problemsOf(bareName)).toMatchObject([{ path: "environments[1]", line: lineOf(bareName, "- prod"), message: 'expected a mapping; got "prod"' }]);
  });

  it("accepts worker counts per app and environment, and reports bad ones at their line", () => {
    const good = withProd("    apps: { portal: { workers: { worker: 2, clock: 1 } } }\n");
    expect(configOf(good).environments[1]!.apps.portal!.workers).toEqual({ worker: 2, clock: 1 });
    const bad = withProd('    apps: { portal: { workers: { web: 1, worker: 21, "bad type": 1 } } }\n');
    expect(problemsOf(bad).map((p) => [p.path, p.line, p.message])).toEqual([
      ["environments[1].apps.portal.workers.web", lineOf(bad, "workers"), "web and release are not workers: web serves HTTP (see instances), release runs once per deployment"],
      ["environments[1].apps.portal.workers.worker", lineOf(bad, "workers"), "expected a number ≤ 20; got 21"],
      ['environments[1].apps.portal.workers["bad type"]', lineOf(bad, "workers"), '"bad type" is not a Procfile process type: letters, digits, "_" or "-"'],
    ]);
  });

  it("resolves YAML anchors, and reports an alias without one at its line", () => {
    const shared = withProd("    gates: { approvals: &signoff { rules: [{ role: pm }] } }\n    fastTrack: { branches: [hotfix], approvals: *signoff }\n");
    expect(configOf(shared).environments[1]!.fastTrack?.approvals.rules).toEqual([{ role: "pm", count: 1 }]);
    const dangling = withProd("    fastTrack: { branches: [hotfix], approvals: *signoff }\n");
    expect(problemsOf(dangling)).toMatchObject([{ path: "", line: lineOf(dangling, "*signoff"), message: expect.stringMatching(/^invalid YAML: Unresolved alias/) }]);
  });

  it("explains an empty file and a root that is not a mapping", () => {
    for (const empty of ["", "# only a comment\n", "---\n"]) {
      expect(problemsOf(empty)).toEqual([{ path: "", message: "the file is empty; expected a mapping with the keys version, pipeline, apps and environments" }]);
    }
    expect(problemsOf("- dev\n- prod\n")).toEqual([{ path: "", line: 1, column: 1, message: "expected a mapping with the keys version, pipeline, apps and environments at the top level; got a list" }]);
    expect(problemsOf("# comment\nhello\n")[0]).toMatchObject({ line: 2, message: expect.stringContaining('got "hello"') });
  });
});
