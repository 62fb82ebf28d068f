import { describe, expect, it } from "vitest";
import type { AuditEvent } from "@/db/schema";
import { auditCsvHeader, auditCsvRow, auditEventDto, auditEventSchema, auditExportStream, auditQuerySchema, csvField, exportFilename, requestedExportFormat } from "./audit-export";

const event: AuditEvent = {
  seq: 42,
  id: "aud_1",
  at: new Date("2026-03-05T09:01:00Z"),
  actorId: "usr_1",
  actorLabel: "dev@example.com",
  action: "deployment.request",
  targetType: "deployment",
  targetId: "dep_1",
  outcome: "allowed",
  reason: 'hotfix, "urgent"\nsecond line',
  data: { b: 1, a: "x,y" },
  source: "ui",
  ip: null,
  prevHash: "0".repeat(64),
  hash: "f".repeat(64),
};

describe("CSV", () => {
  it("quotes fields with commas, quotes, line breaks or edge spaces (RFC 4180)", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField("a,b")).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField("two\nlines")).toBe('"two\nlines"');
    expect(csvField(" padded")).toBe('" padded"');
    expect(csvField(null)).toBe("");
    expect(csvField(7)).toBe("7");
  });

  it("defuses text a spreadsheet would run as a formula", () => {
    expect(csvField('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvField("+1")).toBe("'+1");
    expect(csvField("-2")).toBe("'-2");
    expect(csvField("@SUM(A1)")).toBe("'@SUM(A1)");
  });

  it("writes one header row and one row per event, CRLF-terminated, data as canonical JSON", () => {
    expect(auditCsvHeader()).toBe("seq,at,actor,actor_id,action,target_type,target_id,outcome,reason,source,ip,data,id,prev_hash,hash\r\n");
    expect(auditCsvRow(auditEventDto(event))).toBe(
      `42,2026-03-05T09:01:00.000Z,dev@example.com,usr_1,deployment.request,deployment,dep_1,allowed,"hotfix, ""urgent""\nsecond line",ui,,"{""a"":""x,y"",""b"":1}",aud_1,${"0".repeat(64)},${"f".repeat(64)}\r\n`,
    );
  });
});

describe("API shapes", () => {
  it("the DTO matches the published schema; the query schema takes the filters and a format", () => {
    expect(auditEventSchema.parse(auditEventDto(event))).toMatchObject({ seq: 42, actor: "dev@example.com", outcome: "allowed" });
    expect(auditQuerySchema.parse({ action: "deployment.", format: "csv", limit: "10" })).toMatchObject({ action: "deployment.", format: "csv", limit: 10 });
    expect(auditQuerySchema.safeParse({ format: "xml" }).success).toBe(false);
  });
});

describe("downloads", () => {
  async function* batches() {
    yield [event];
    yield [{ ...event, seq: 41, id: "aud_0" }];
  }

  it("streams a JSON array of DTOs across batches", async () => {
    const parsed = JSON.parse(await new Response(auditExportStream("json", batches())).text());
    expect(parsed.map((e: { seq: number }) => e.seq)).toEqual([42, 41]);
    expect(parsed[0]).toMatchObject({ actor: "dev@example.com", at: "2026-03-05T09:01:00.000Z", data: { a: "x,y", b: 1 } });
  });

  it("names the file after the date, and picks the format from ?format= or Accept", () => {
    expect(exportFilename("csv", new Date("2026-03-05T23:59:00Z"))).toBe("slipway-audit-2026-03-05.csv");
    expect(exportFilename("json", new Date("2026-03-05T23:59:00Z"))).toBe("slipway-audit-2026-03-05.json");
    expect(requestedExportFormat("csv", null)).toBe("csv");
    expect(requestedExportFormat("json", "text/csv")).toBe("json");
    expect(requestedExportFormat(undefined, "text/csv")).toBe("csv");
    expect(requestedExportFormat(undefined, "text/csv, application/json;q=0.5")).toBe("csv");
    expect(requestedExportFormat(undefined, "application/json, text/csv;q=0.5")).toBeNull();
    expect(requestedExportFormat(undefined, "*/*")).toBeNull();
    expect(requestedExportFormat(undefined, "text/html,application/xhtml+xml,*/*;q=0.8")).toBeNull();
    expect(requestedExportFormat(undefined, null)).toBeNull();
    expect(requestedExportFormat("xml", null)).toBe("invalid");
  });
});
