/**
 * `npm run token -- --user <email> --name <label> [--expires-days <n>]`: prints a new API token
 * once. Runs as the operator of this installation (the system actor) and is audited.
 */
import { parseArgs } from "node:util";
import { openConnection } from "@/db/client";
import { DataDirLockedError } from "@/db/data-dir-lock";
import { migrateDatabase } from "@/db/migrate";
import { systemActor } from "@/lib/auth/actor";
import { systemClock } from "@/lib/domain/clock";
import { EnvError, env } from "@/lib/env";
import { ServiceError } from "@/lib/services/errors";
import { createToken } from "@/lib/services/tokens";
import { findUserByEmail } from "@/lib/services/users";

const USAGE = "Usage: npm run token -- --user <email> --name <label> [--expires-days <n>]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { user: { type: "string" }, name: { type: "string" }, "expires-days": { type: "string" } } }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!args.user || !args.name) {
    console.error(`Both --user and --name are required.\n${USAGE}`);
    return 2;
  }
  const e = env();
  const connection = await openConnection({ url: e.DATABASE_URL, dataDir: e.dataDir });
  try {
    await migrateDatabase(connection);
    const user = await findUserByEmail(connection.db, args.user);
    if (!user) {
      console.error(`No user with the email ${args.user}. Users appear when they first sign in, or an admin adds them in Settings → Users.`);
      return 1;
    }
    const { token, summary } = await createToken(
      { db: connection.db, actor: systemActor("cli"), clock: systemClock },
      { userId: user.id, name: args.name, expiresInDays: args["expires-days"] },
    );
    console.log(token);
    console.error(
      `\nToken "${summary.name}" for ${summary.userEmail}${summary.expiresAt ? `, expires ${summary.expiresAt.toISOString()}` : ""}. ` +
        "It is shown only this once: store it in your CI's secrets.\nUse it as: Authorization: Bearer <token>",
    );
    return 0;
  } finally {
    await connection.close();
  }
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof DataDirLockedError) {
      console.error(`${error.message}\nWhile Slipway runs on the embedded database, create tokens in the UI: Settings → API tokens.`);
    } else if (error instanceof ServiceError || error instanceof EnvError) {
      console.error(error.message + (error instanceof ServiceError && error.fields ? `\n${JSON.stringify(error.fields, null, 2)}` : ""));
    } else {
      console.error(error);
    }
    process.exit(1);
  });
