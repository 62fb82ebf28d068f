import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import semver from "semver";
import { describe, expect, it } from "vitest";

// `npm install` must not warn EBADENGINE on the Node the README promises (issue 15, item 12).
// The lockfile records every installed package's `engines`; each must accept the lowest Node we
// support, which is the one package.json declares and the README states.
const root = fileURLToPath(new URL("..", import.meta.url));
const pkg = JSON.parse(readFileSync(`${root}/package.json`, "utf8")) as { engines: { node: string } };
const lock = JSON.parse(readFileSync(`${root}/package-lock.json`, "utf8")) as {
  packages: Record<string, { engines?: { node?: string } | string[]; optional?: boolean; dev?: boolean }>;
};
const readme = readFileSync(`${root}/README.md`, "utf8");

describe("the Node version we promise", () => {
  const lowest = semver.minVersion(pkg.engines.node)?.version;

  it("is the one the README states", () => {
    expect(lowest).toBeDefined();
    const [major, minor] = (lowest ?? "").split(".");
    expect(readme).toContain(`Node.js ${major}.${minor}+`);
  });

  it("is accepted by every package in the lockfile", () => {
    const refusing: string[] = [];
    for (const [path, entry] of Object.entries(lock.packages)) {
      if (path === "" || !entry.engines || Array.isArray(entry.engines)) continue;
      const range = entry.engines.node;
      if (range && !semver.satisfies(lowest ?? "0.0.0", range)) refusing.push(`${path} (node ${range})`);
    }
    expect(refusing).toEqual([]);
  });
});
