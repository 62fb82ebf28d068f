/**
 * The Procfile convention (Heroku, foreman): one `<type>: <command>` per line. `web` serves HTTP on
 * $PORT; other long-running types (`worker`, `clock`, …) run beside it; `release`, `seed` and any
 * other named line are commands the platform runs once, as jobs. Blank lines and `#` comments are
 * ignored.
 */

export class ProcfileError extends Error {}

/** Process type names: what foreman accepts, kept to one safe path segment (they name log files). */
const TYPE = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;
const LINE = /^([^:\s]+)\s*:\s*(.*)$/;

/** A parsed Procfile: process type → shell command, in file order. */
export type Procfile = ReadonlyMap<string, string>;

/**
 * Parses a Procfile's text. Throws ProcfileError naming the line for a malformed line, an empty
 * command, a duplicated type, or a missing `web:` line (`source` names the file in messages).
 */
export function parseProcfile(text: string, source = "Procfile"): Procfile {
  const types = new Map<string, string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const match = LINE.exec(line);
    const where = `${source} line ${index + 1}`;
    if (!match) throw new ProcfileError(`${where} is not "<type>: <command>": ${JSON.stringify(raw.slice(0, 80))}`);
    const [, type, command] = match as unknown as [string, string, string];
    if (!TYPE.test(type)) throw new ProcfileError(`${where}: process type "${type}" must be letters, digits, "_" or "-"`);
    if (command.trim() === "") throw new ProcfileError(`${where}: process type "${type}" has no command`);
    if (types.has(type)) throw new ProcfileError(`${where}: process type "${type}" is defined twice`);
    types.set(type, command.trim());
  });
  if (!types.has("web")) throw new ProcfileError(`${source} has no "web:" line: the platform needs the command that serves HTTP on $PORT`);
  return types;
}
