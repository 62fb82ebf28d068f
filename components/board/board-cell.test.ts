import { describe, expect, it } from "vitest";
import type { EnvironmentAppView } from "@/lib/services/environments";
import { boardCellData } from "./board-cell";

const cell = (deployedBy: EnvironmentAppView["deployedBy"]) =>
  ({
    releaseId: "rel_1",
    releaseCommit: "abcdef0123456789",
    version: "1.0.0",
    commit: "abcdef0123456789",
    digest: null,
    deployedAt: new Date("2026-03-02T10:00:00Z"),
    deployedBy,
    health: { status: "healthy", observedAt: null, stale: true },
    drift: null,
  }) as unknown as EnvironmentAppView;

describe("boardCellData", () => {
  it("names who deployed a cell as every page names a person (personName): the email when the name is blank", () => {
    expect(boardCellData(cell({ id: "usr_1", name: "Ada", email: "ada@example.com" }), "rel_1")?.deployedBy).toBe("Ada");
    expect(boardCellData(cell({ id: "usr_1", name: " ", email: "ada@example.com" }), "rel_1")?.deployedBy).toBe("ada@example.com");
    expect(boardCellData(cell(null), "rel_1")?.deployedBy).toBeNull();
  });
});
