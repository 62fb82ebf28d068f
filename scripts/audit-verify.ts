/**
 * `npm run audit:verify`: re-checks the audit trail's hash chain, from the first event to the
 * last. Exit 0 with "audit trail intact: …", or exit 1 naming the first broken link. Read-only: it
 * runs no migrations and writes nothing. Runs as the operator of this installation (system actor).
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { openConnection } from "@/db/client";
import { DataDirLockedError } from "@/db/data-dir-lock";
import { systemActor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { EnvError, env } from "@/lib/env";
import { verifyAuditTrail, type AuditVerification } from "@/lib/services/audit-verify";

/** What to print for a result, and the exit code. */
export function report(result: AuditVerification): { code: number; lines: string[] } {
  if (result.intact) {
    return {
      code: 0,
      lines: [
        `audit trail intact: ${result.count} event${result.count === 1 ? "" : "s"}, last hash ${result.lastHash}${result.lastSeq === null ? "" : ` (seq ${result.lastSeq})`}`,
        "Keep the last hash somewhere else: comparing it next time also shows if the newest events were removed.",
      ],
    };
  }
  const b = result.broken;
  return {
    code: 1,
    lines: [
      `audit trail BROKEN at seq ${b.seq} (${b.id}): ${b.problem === "hash-mismatch" ? "hash mismatch" : "prevHash mismatch"}`,
      `  ${b.message}`,
      `  expected ${b.problem === "hash-mismatch" ? "hash" : "prevHash"} ${b.expected}`,
      `  found    ${b.actual}`,
      `  ${result.count} event${result.count === 1 ? "" : "s"} before it verified intact.`,
    ],
  };
}

function isMissingTable(error: unknown): boolean {
  const code = (error as { code?: string; cause?: { code?: string } }).code ?? (error as { cause?: { code?: string } }).cause?.code;
  return code === "42P01";
}

async function main(): Promise<number> {
  const e = env();
  const connection = await openConnection({ url: e.DATABASE_URL, dataDir: e.dataDir });
  try {
    const where = e.DATABASE_URL ? "the PostgreSQL server in DATABASE_URL" : `the embedded database in ${e.dataDir}`;
    console.error(`Verifying the audit trail in ${where}…`);
    const result = await verifyAuditTrail(
      { db: connection.db, actor: systemActor("cli"), clock: systemClock },
      { onProgress: (checked) => checked > 0 && checked % 100_000 === 0 && console.error(`  ${checked} events checked…`) },
    );
    const { code, lines } = report(result);
    for (const line of lines) (code === 0 ? console.log : console.error)(line);
    return code;
  } finally {
    await connection.close();
  }
}

// Run only as a command, not when a test imports `report`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      if (error instanceof DataDirLockedError) {
        console.error(
          `${error.message}\nThe embedded database allows one process at a time: while Slipway runs, press Verify chain on its Audit page (same check), or stop Slipway (Ctrl+C in its terminal), run npm run audit:verify, then start it again.`,
        );
      } else if (error instanceof EnvError) {
        console.error(error.message);
      } else if (isMissingTable(error)) {
        console.error("There is no audit trail in this database yet: start Slipway once (npm start) or run npm run db:migrate.");
      } else {
        console.error(error);
      }
      process.exit(2);
    });
}
