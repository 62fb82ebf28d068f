/**
 * `npm run audit:verify`: re-checks the audit trail's hash chain, from the first event to the
 * last. Exit 0 with "audit trail intact: …", or exit 1 naming the first broken link. Read-only: it
 * runs no migrations and writes nothing. Runs as the operator of this installation (system actor);
 * while a Slipway holds the embedded database, the check runs in it, through its CLI channel.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { EnvError, env } from "@/lib/env";
import { RemoteCommandError } from "@/lib/server/cli-channel";
import { PortalUnreachableError, runCliCommand } from "@/lib/server/cli-commands";
import type { AuditVerification } from "@/lib/services/audit-verify";

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
  const where = e.DATABASE_URL ? "the PostgreSQL server in DATABASE_URL" : `the embedded database in ${e.dataDir}`;
  console.error(`Verifying the audit trail in ${where}…`);
  const { answer, via } = await runCliCommand("audit.verify", {}, { url: e.DATABASE_URL, dataDir: e.dataDir });
  if (via === "portal") console.error("  (through the running Slipway, which holds that database)");
  const { code, lines } = report(answer);
  for (const line of lines) (code === 0 ? console.log : console.error)(line);
  return code;
}

// Run only as a command, not when a test imports `report`.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main()
    .then((code) => process.exit(code))
    .catch((error: unknown) => {
      if (error instanceof PortalUnreachableError) {
        console.error(`${error.message}\nOr press Verify chain on Slipway's Audit page (the same check).`);
      } else if (error instanceof EnvError || error instanceof RemoteCommandError) {
        console.error(error.message);
      } else if (isMissingTable(error)) {
        console.error("There is no audit trail in this database yet: start Slipway once (npm start) or run npm run db:migrate.");
      } else {
        console.error(error);
      }
      process.exit(2);
    });
}
