import { describe, expect, it } from "vitest";
import type { EnvironmentAppView } from "@/lib/services/environments";
import { boardCellData, packBoardCell, unpackBoardCell } from "./board-cell";

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

  it("packs a cell for the page and unpacks it as it was, on its column's release or another", () => {
    const onColumn = boardCellData(cell({ id: "usr_1", name: "Ada", email: "ada@example.com" }), "rel_1")!;
    const observed = { ...onColumn, health: { status: "unhealthy" as const, observedAt: new Date("2026-03-02T10:05:00Z"), stale: false }, drift: { kind: "digest", message: "runs another digest" } };
    expect(unpackBoardCell(packBoardCell(onColumn, "rel_1"), "rel_1")).toEqual(onColumn);
    expect(packBoardCell(onColumn, "rel_1")[0]).toBeNull();
    expect(unpackBoardCell(packBoardCell(observed, "rel_2"), "rel_2")).toEqual(observed);
    expect(unpackBoardCell(packBoardCell(observed, null), null)).toEqual(observed);
    const undated = { ...onColumn, deployedAt: null, deployedBy: null };
    expect(unpackBoardCell(packBoardCell(undated, "rel_1"), "rel_1")).toEqual(undated);
  });
});
