import { formatCount, formatList, plural } from "./format";
import { outcome, type GateOutcome } from "./types";

/** CI's test results for one build, as registered with the build. */
export interface TestResults {
  passed: boolean;
  total?: number | null;
  failed?: number | null;
  url?: string | null;
}

/** One build of the release and its test results (null: CI reported none). */
export interface BuildTests {
  app: string;
  version: string;
  tests: TestResults | null;
}

const label = (build: BuildTests) => `${build.app} ${build.version}`;

function problem(build: BuildTests): string | null {
  const tests = build.tests;
  if (!tests) return `${label(build)} has no test results from CI`;
  const failed = tests.failed ?? null;
  // A build that claims to pass while reporting failures is not trusted: fail closed.
  if (tests.passed && !(failed && failed > 0)) return null;
  if (failed && failed > 0) {
    return tests.total ? `${label(build)}: ${formatCount(failed)} of ${formatCount(tests.total)} tests failed` : `${label(build)}: ${plural(failed, "test")} failed`;
  }
  return `${label(build)}: tests failed in CI`;
}

/** Every build of the release must have passing CI tests; missing results count as a failure. */
export function evaluateTests(builds: readonly BuildTests[]): GateOutcome {
  if (builds.length === 0) return outcome("tests", "fail", "the release has no builds, so there are no test results to check");
  const results = builds.map((build) => ({
    app: build.app,
    version: build.version,
    passed: problem(build) === null,
    total: build.tests?.total ?? null,
    failed: build.tests?.failed ?? null,
    url: build.tests?.url ?? null,
    missing: build.tests === null,
  }));
  const problems = builds.map(problem).filter((p): p is string => p !== null);
  if (problems.length > 0) {
    const fix = problems.length === 1 ? "fix it and cut a new release" : "fix them and cut a new release";
    return outcome("tests", "fail", `${problems.join("; ")} — ${fix}`, { detail: { builds: results } });
  }
  const counts = builds.map((b) => (b.tests?.total ? `${label(b)}: ${formatCount(b.tests.total)} tests` : label(b)));
  const all = builds.length === 1 ? "the build passed its tests" : `all ${builds.length} builds passed their tests`;
  return outcome("tests", "pass", `${all} (${formatList(counts)})`, { detail: { builds: results } });
}
