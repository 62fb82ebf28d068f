import fs from "node:fs";
import path from "node:path";
import { randomBytes } from "node:crypto";
import * as tar from "tar";
import { PlatformError } from "../types";
import { parseProcfile, ProcfileError, type Procfile } from "./procfile";

/** Unpacked size cap (sum of the entries' sizes) when none is given: 1 GiB. */
export const DEFAULT_MAX_UNPACKED_BYTES = 1024 ** 3;
const MAX_ENTRIES = 200_000;
const ALLOWED_TYPES = new Set(["File", "OldFile", "ContiguousFile", "Directory", "SymbolicLink", "Link"]);

export interface UnpackOptions {
  maxUnpackedBytes?: number;
  /** Names the artifact in messages, e.g. "build bld_1 (portal 1.5.0)". */
  label: string;
}

/** An unpacked, verified release: its read-only directory and its Procfile. */
export interface Release {
  dir: string;
  procfile: Procfile;
}

function refuse(label: string, problem: string): PlatformError {
  return new PlatformError(`The artifact of ${label} ${problem}. Nothing was started.`, true);
}

/** Why an entry may not be unpacked, or null when it may. Paths are checked as written, before tar touches them. */
export function entryProblem(entry: { path: string; type: string; linkpath?: string | undefined }): string | null {
  const name = entry.path;
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name) || name.includes("\\")) return `contains an absolute path (${JSON.stringify(name)})`;
  if (name.split("/").includes("..")) return `contains a ".." entry (${JSON.stringify(name)})`;
  if (!ALLOWED_TYPES.has(entry.type)) return `contains ${JSON.stringify(name)} of type ${entry.type}: only files, directories and links inside the app are allowed`;
  if (entry.type === "SymbolicLink" || entry.type === "Link") {
    const target = entry.linkpath ?? "";
    const resolved = entry.type === "SymbolicLink" ? path.posix.join(path.posix.dirname(name), target) : path.posix.normalize(target);
    if (target.startsWith("/") || resolved === ".." || resolved.startsWith("../")) {
      return `contains a link that leaves its directory (${JSON.stringify(name)} → ${JSON.stringify(target)})`;
    }
  }
  return null;
}

/**
 * Lists the archive without writing anything and throws (PlatformError, permanent) at the first
 * problem: not gzip, not a tar archive, an absolute path, a ".." entry, a link that leaves the
 * directory, a device or fifo, more than `maxUnpackedBytes` once unpacked, or no entries.
 */
export async function inspectTarball(file: string, options: UnpackOptions): Promise<void> {
  const max = options.maxUnpackedBytes ?? DEFAULT_MAX_UNPACKED_BYTES;
  const head = Buffer.alloc(2);
  const fd = await fs.promises.open(file, "r");
  try {
    await fd.read(head, 0, 2, 0);
  } finally {
    await fd.close();
  }
  if (head[0] !== 0x1f || head[1] !== 0x8b) throw refuse(options.label, "is not a gzip-compressed tarball (it does not start with the gzip magic bytes 1f 8b)");

  let problem: string | null = null;
  let total = 0;
  let entries = 0;
  try {
    await tar.t({
      file,
      strict: true,
      onReadEntry: (entry) => {
        entries++;
        if (problem) return;
        problem = entryProblem({ path: entry.path, type: entry.type, linkpath: entry.linkpath });
        total += entry.size ?? 0;
        if (!problem && total > max) problem = `unpacks past the size cap of ${max} bytes`;
        if (!problem && entries > MAX_ENTRIES) problem = `has more than ${MAX_ENTRIES} entries`;
      },
    });
  } catch (error) {
    throw refuse(options.label, `is not a valid gzip-compressed tar archive (${(error as Error).message})`);
  }
  if (problem) throw refuse(options.label, problem);
  if (entries === 0) throw refuse(options.label, "is an empty archive");
}

/** Read-only for everyone (execute bits kept); symlinks are left alone (chmod would follow them). */
async function makeReadOnly(dir: string): Promise<void> {
  for (const entry of await fs.promises.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeReadOnly(full);
    else if (entry.isFile()) await fs.promises.chmod(full, (await fs.promises.stat(full)).mode & 0o555);
  }
  await fs.promises.chmod(dir, 0o555);
}

/** Removes a tree even when it was made read-only. */
export async function removeTree(dir: string): Promise<void> {
  const chmodDirs = async (current: string): Promise<void> => {
    await fs.promises.chmod(current, 0o755).catch(() => {});
    const entries = await fs.promises.readdir(current, { withFileTypes: true }).catch(() => []);
    for (const entry of entries) if (entry.isDirectory()) await chmodDirs(path.join(current, entry.name));
  };
  await chmodDirs(dir);
  await fs.promises.rm(dir, { recursive: true, force: true });
}

/** The app's directory inside the unpacked tree: the top, or the one directory at the top (as `npm pack` makes). */
async function appRoot(unpacked: string, label: string): Promise<string> {
  if (fs.existsSync(path.join(unpacked, "Procfile"))) return unpacked;
  const top = await fs.promises.readdir(unpacked, { withFileTypes: true });
  const only = top.length === 1 && top[0]!.isDirectory() ? top[0]!.name : null;
  if (only && fs.existsSync(path.join(unpacked, only, "Procfile"))) return path.join(unpacked, only);
  throw refuse(label, `has no Procfile (looked at its top${only ? ` and in ${only}/` : ""}): add one with at least "web: <command that serves HTTP on $PORT>"`);
}

export async function readProcfile(dir: string, label: string): Promise<Procfile> {
  let text: string;
  try {
    text = await fs.promises.readFile(path.join(dir, "Procfile"), "utf8");
  } catch (error) {
    throw refuse(label, `has no readable Procfile (${(error as Error).message})`);
  }
  try {
    return parseProcfile(text);
  } catch (error) {
    if (error instanceof ProcfileError) throw refuse(label, `has a bad Procfile: ${error.message}`);
    throw error;
  }
}

/**
 * Unpacks a verified tarball into `target` (which must not exist yet): checks it first
 * (inspectTarball), extracts into a temporary sibling, finds and parses its Procfile, makes the
 * tree read-only and renames it into place, so `target` appears complete or not at all. On any
 * problem nothing is left behind and a permanent PlatformError names it.
 */
export async function unpackRelease(file: string, target: string, options: UnpackOptions): Promise<Release> {
  await inspectTarball(file, options);
  const temp = `${target}.${randomBytes(4).toString("hex")}.tmp`;
  await fs.promises.mkdir(temp, { recursive: true });
  try {
    try {
      await tar.x({ file, cwd: temp, strict: true, preserveOwner: false, noChmod: false });
    } catch (error) {
      throw refuse(options.label, `could not be unpacked (${(error as Error).message})`);
    }
    const root = await appRoot(temp, options.label);
    const procfile = await readProcfile(root, options.label);
    await makeReadOnly(root);
    try {
      await fs.promises.rename(root, target);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      // Another start of the same digest won the race: its copy is the same bytes.
      if (code !== "ENOTEMPTY" && code !== "EEXIST") throw error;
    }
    return { dir: target, procfile };
  } finally {
    await removeTree(temp);
  }
}
