import { describe, expect, it } from "vitest";
import { evaluateTests, type BuildTests } from "./tests";

const build = (app: string, version: string, tests: BuildTests["tests"]): BuildTests => ({ app, version, tests });

describe("tests gate", () => {
  it("passes when every build passed, listing the counts", () => {
    const result = evaluateTests([build("portal", "1.4.0", { passed: true, total: 412, failed: 0 }), build("admin", "2.5.1", { passed: true, total: 1250 })]);
    expect(result).toMatchObject({ gate: "tests", status: "pass", reason: "all 2 builds passed their tests (portal 1.4.0: 412 tests and admin 2.5.1: 1,250 tests)" });
  });

  it("fails on failing tests, with the counts", () => {
    const result = evaluateTests([build("portal", "1.4.0", { passed: false, total: 412, failed: 3, url: "https://ci.example.com/1" }), build("admin", "2.5.1", { passed: true, total: 88 })]);
    expect(result.status).toBe("fail");
    expect(result.reason).toBe("portal 1.4.0: 3 of 412 tests failed — fix it and cut a new release");
    expect(result.detail).toMatchObject({
      builds: [
        { app: "portal", passed: false, failed: 3, url: "https://ci.example.com/1" },
        { app: "admin", passed: true },
      ],
    });
  });

  it("fails closed when a build has no test results", () => {
    const result = evaluateTests([build("portal", "1.4.0", { passed: true, total: 412 }), build("admin", "2.5.1", null)]);
    expect(result).toMatchObject({ status: "fail", reason: "admin 2.5.1 has no test results from CI — fix it and cut a new release" });
    expect(result.detail).toMatchObject({ builds: [{ missing: false }, { missing: true }] });
  });

  it("fails closed on results that contradict themselves, and on a failure without counts", () => {
    expect(evaluateTests([build("portal", "1.4.0", { passed: true, total: 10, failed: 1 })]).reason).toContain("portal 1.4.0: 1 of 10 tests failed");
    expect(evaluateTests([build("portal", "1.4.0", { passed: false })]).reason).toContain("portal 1.4.0: tests failed in CI");
  });

  it("lists every problem", () => {
    const result = evaluateTests([build("portal", "1.4.0", { passed: false, failed: 2 }), build("admin", "2.5.1", null)]);
    expect(result.reason).toBe("portal 1.4.0: 2 tests failed; admin 2.5.1 has no test results from CI — fix them and cut a new release");
  });

  it("fails a release without builds rather than passing it vacuously", () => {
    expect(evaluateTests([]).status).toBe("fail");
  });
});
