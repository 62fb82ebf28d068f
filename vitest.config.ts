import os from "node:os";
import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

/**
 * The controller's test files start real processes (apps, Prometheus, a second Slipway) and wait on
 * rollouts: each takes 10 s to 2 min where most files take a second or two. vitest orders a fresh
 * clone's files (no duration cache yet, as in CI) by size, which can leave one of them running
 * alone at the end; this runs them first so the quick files fill the other workers meanwhile.
 * Within each group vitest's own order (failed first, then longest, then largest) stands.
 */
class SlowFirstSequencer extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const slow = (spec: TestSpecification) => /[\\/]lib[\\/]controller[\\/]__tests__[\\/]/.test(spec.moduleId);
    return [...sorted.filter(slow), ...sorted.filter((spec) => !slow(spec))];
  }
}

/**
 * Files that replace modules with vi.mock: without isolation a mock would stay in the worker's
 * module graph for the files after them, so they run isolated (each in a fresh process).
 */
const INCLUDE = ["lib/**/*.test.ts", "components/**/*.test.ts", "db/**/*.test.ts", "scripts/**/*.test.ts", "app/**/*.test.ts", "deploy/**/*.test.ts"];
const EXCLUDE = ["e2e/**", "node_modules/**", ".next/**"];
const MOCKING_FILES = ["lib/services/__tests__/webhook-replay.test.ts", "lib/services/__tests__/incident-webhook-route.test.ts", "lib/services/__tests__/deployment-page.test.ts"];

// Unit and integration tests live next to the code they test. Playwright specs (e2e/) are
// excluded on purpose: vitest would otherwise try to run them (STACK.md trap 11).
export default defineConfig({
  resolve: { alias: { "@": fileURLToPath(new URL(".", import.meta.url)) } },
  test: {
    // include and exclude are per project (below): a project's lists are added to the root's, not put in their place.
    environment: "node",
    // A safety net, not a measure: three workers on two cores (below) can double a process-starting test's time.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Migrate once per run; each file's database starts from that (see the setup file).
    globalSetup: ["lib/testing/migrated-databases.setup.ts"],
    // Concurrent queries on one connection (a transaction's) fail the file: pg 9 refuses them.
    setupFiles: ["lib/testing/no-queued-queries.setup.ts"],
    // vitest's default (cores − 1) is one worker on a 2-core machine, which sat 65 % idle: most test
    // files wait on PostgreSQL, child processes and controller ticks. Three workers took the run on
    // both databases from 1,043 s to 745 s there. Test files already keep apart (their own
    // databases, temp directories and port blocks). At most 25: that many workers' port blocks fit
    // below the ephemeral ports (testPortBase in lib/platform/local/testing/helpers.ts).
    maxWorkers: Math.min(25, Math.max(3, os.availableParallelism() - 1)),
    sequence: { sequencer: SlowFirstSequencer },
    // Most files run without isolation: a worker keeps its module graph (PGlite's WebAssembly,
    // drizzle, the domain) from one file to the next instead of importing it again for each. On
    // both databases that took the run from 313 s to 206 s of wall time and from 458 s to 275 s of
    // CPU on a 2-core machine, and CPU is what a slower CI machine multiplies. Files already keep
    // apart (their own databases, temp directories, port blocks) and restore what they change in
    // process.env.
    projects: [
      { extends: true, test: { name: "shared", isolate: false, include: INCLUDE, exclude: [...EXCLUDE, ...MOCKING_FILES] } },
      { extends: true, test: { name: "isolated", include: MOCKING_FILES } },
    ],
  },
});
