/**
 * `npm run token -- --user <email> --name <label> [--expires-days <n>] [--pipeline <name>]`: prints a new API token
 * once. Runs as the operator of this installation (the system actor) and is audited. Works with
 * or without a running Slipway: while one holds the embedded database, the token is created
 * through its CLI channel (lib/server/cli-channel.ts).
 */
import { parseArgs } from "node:util";
import { EnvError, env } from "@/lib/env";
import { RemoteCommandError } from "@/lib/server/cli-channel";
import { CliUserError, PortalUnreachableError, runCliCommand } from "@/lib/server/cli-commands";
import { ServiceError } from "@/lib/services/errors";

const USAGE = "Usage: npm run token -- --user <email> --name <label> [--expires-days <n>] [--pipeline <name>]";

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({ options: { user: { type: "string" }, name: { type: "string" }, "expires-days": { type: "string" }, pipeline: { type: "string" } } }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!args.user || !args.name) {
    console.error(`Both --user and --name are required.\n${USAGE}`);
    return 2;
  }
  const e = env();
  const { answer } = await runCliCommand(
    "token.create",
    {
      user: args.user,
      name: args.name,
      ...(args["expires-days"] === undefined ? {} : { expiresInDays: args["expires-days"] }),
      ...(args.pipeline === undefined ? {} : { pipeline: args.pipeline }),
    },
    { url: e.DATABASE_URL, dataDir: e.dataDir, migrate: true },
  );
  console.log(answer.token);
  console.error(`\nToken "${answer.name}" for ${answer.userEmail}${answer.expiresAt ? `, expires ${answer.expiresAt}` : ""}. ` + "It is shown only this once: store it in your CI's secrets.\nUse it as: Authorization: Bearer <token>");
  return 0;
}

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof ServiceError || error instanceof RemoteCommandError) {
      const fields = error instanceof ServiceError ? error.fields : error.body.fields;
      console.error(error.message + (fields ? `\n${JSON.stringify(fields, null, 2)}` : ""));
    } else if (error instanceof CliUserError || error instanceof EnvError || error instanceof PortalUnreachableError) {
      console.error(error.message);
    } else {
      console.error(error);
    }
    process.exit(1);
  });
