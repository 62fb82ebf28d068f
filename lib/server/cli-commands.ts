import { openConnection, type Connection } from "@/db/client";
import { DataDirLockedError } from "@/db/data-dir-lock";
import { migrateAsOwner, migrateDatabase } from "@/db/migrate";
import { systemActor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { verifyAuditTrail, type AuditVerification } from "@/lib/services/audit-verify";
import { ServiceError } from "@/lib/services/errors";
import { createToken } from "@/lib/services/tokens";
import { ensureSystemUsers, findUserByEmail } from "@/lib/services/users";
import { callCliChannel, cliChannelExists, serveCliChannel, type CliCommand } from "./cli-channel";

/** A problem with what the CLI asked for (no such user, …): exit 1 with this message. */
export class CliUserError extends Error {}

/** What `token.create` answers (times as ISO strings: the answer may have crossed the channel). */
export interface CreatedTokenAnswer {
  token: string;
  name: string;
  userEmail: string;
  expiresAt: string | null;
}

/**
 * The commands the CLIs run, the same code on their own connection (no portal running, or
 * DATABASE_URL) and on the running portal's (through the channel). They act as the operator of
 * this installation (the system actor, audited): whoever can reach the data directory is that.
 */
export const CLI_COMMANDS = {
  /** args: `user` (email), `name`, optional `expiresInDays`, `pipeline` (restrict the token to it). */
  "token.create": async (connection, args): Promise<CreatedTokenAnswer> => {
    const email = typeof args.user === "string" ? args.user : "";
    const user = await findUserByEmail(connection.db, email);
    if (!user) {
      throw new CliUserError(`No user with the email ${email}. Users appear when they first sign in, or an admin adds them in Settings → Users & roles.`);
    }
    await ensureSystemUsers(connection.db); // the system actor's row, in a database that was only migrated
    const { token, summary } = await createToken(
      { db: connection.db, actor: systemActor("cli"), clock: systemClock },
      {
        userId: user.id,
        name: args.name,
        ...(args.expiresInDays === undefined ? {} : { expiresInDays: args.expiresInDays }),
        ...(args.pipeline === undefined ? {} : { pipeline: args.pipeline }),
      },
    );
    return { token, name: summary.name, userEmail: summary.userEmail, expiresAt: summary.expiresAt?.toISOString() ?? null };
  },
  /** Read-only: re-checks the audit trail's hash chain. */
  "audit.verify": async (connection): Promise<AuditVerification> => verifyAuditTrail({ db: connection.db, actor: systemActor("cli"), clock: systemClock }),
  /** Applies pending migrations (a running portal has already: then this is a no-op). */
  "db.migrate": async (connection): Promise<{ applied: true }> => {
    // As the tables' owner (SLIPWAY_MIGRATION_DATABASE_URL) where the application's role is not it.
    await migrateAsOwner(connection);
    return { applied: true };
  },
} satisfies Record<string, CliCommand>;

export type CliCommandName = keyof typeof CLI_COMMANDS;
type Answer<N extends CliCommandName> = Awaited<ReturnType<(typeof CLI_COMMANDS)[N]>>;

function isUserError(error: unknown): error is Error & { fields?: Record<string, string> | undefined } {
  return error instanceof ServiceError || error instanceof CliUserError;
}

/** Starts the channel for the portal holding `dataDir` (embedded database only). */
export function serveCliCommands(dataDir: string, connection: Connection): Promise<() => Promise<void>> {
  return serveCliChannel(dataDir, connection, CLI_COMMANDS, isUserError);
}

/** The data directory is held by a Slipway that does not answer on the channel. */
export class PortalUnreachableError extends Error {}

/**
 * Runs one CLI command: on the PostgreSQL server in `url`; else on the data directory when no
 * Slipway holds it; else through the running portal's channel. `migrate` applies migrations
 * first when the CLI opens the database itself. Returns the answer and where it ran.
 * Throws what the command throws (ServiceError, CliUserError — or RemoteCommandError from the
 * portal), PortalUnreachableError, or the database's own errors.
 */
export async function runCliCommand<N extends CliCommandName>(name: N, args: Record<string, unknown>, options: { url?: string | undefined; dataDir: string; migrate?: boolean }): Promise<{ answer: Answer<N>; via: "database" | "portal" }> {
  let connection: Connection;
  try {
    connection = await openConnection({ url: options.url, dataDir: options.dataDir });
  } catch (error) {
    if (!(error instanceof DataDirLockedError)) throw error;
    if (!cliChannelExists(options.dataDir)) {
      throw new PortalUnreachableError(`${error.message}\nThat Slipway offers no CLI channel (${options.dataDir}/cli.sock is missing): it may be an older version, or still starting. Try again once it prints its URL, or restart it.`);
    }
    try {
      return { answer: (await callCliChannel(options.dataDir, name, args)) as Answer<N>, via: "portal" };
    } catch (callError) {
      const code = (callError as NodeJS.ErrnoException).code;
      if (code === "ECONNREFUSED" || code === "ENOENT") {
        throw new PortalUnreachableError(`${error.message}\nIt does not answer on ${options.dataDir}/cli.sock: it may be stopping. Try again in a moment.`);
      }
      if (code === "EACCES") throw new PortalUnreachableError(`${error.message}\nIts CLI channel belongs to another user: run this command as the user who started Slipway.`);
      throw callError;
    }
  }
  try {
    if (options.migrate) await migrateAsOwner(connection);
    return { answer: (await (CLI_COMMANDS[name] as CliCommand)(connection, args)) as Answer<N>, via: "database" };
  } finally {
    await connection.close();
  }
}
