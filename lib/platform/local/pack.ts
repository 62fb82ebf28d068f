import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import * as tar from "tar";
import { sha256Digest } from "./artifact-fetch";

/** One file of a tarball: its text, or text plus mode (e.g. 0o755 for a script). */
export type PackedFile = string | Buffer | { content: string | Buffer; mode: number };

/**
 * Writes a gzipped tarball of `files` (relative path → content) to `target` and returns its
 * digest. Reproducible: entries sorted, owner and times cleared, modes fixed (0o644 unless
 * given), so the same files always give the same bytes and digest. The file appears whole or
 * not at all (temp file + rename).
 */
export function packFiles(target: string, files: Readonly<Record<string, PackedFile>>): { path: string; digest: string } {
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), "slipway-pack-"));
  try {
    const names = Object.keys(files).sort();
    for (const name of names) {
      const file = files[name]!;
      const { content, mode } = typeof file === "string" || Buffer.isBuffer(file) ? { content: file, mode: 0o644 } : file;
      const full = path.join(staging, name);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.writeFileSync(full, content);
      fs.chmodSync(full, mode);
    }
    return packDirectory(target, staging, names);
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Writes a reproducible gzipped tarball of `entries` (paths relative to `dir`; default: everything
 * in it) to `target`, as a CI build step would, and returns its absolute path and digest.
 */
export function packDirectory(target: string, dir: string, entries?: string[]): { path: string; digest: string } {
  const absolute = path.resolve(target);
  fs.mkdirSync(path.dirname(absolute), { recursive: true });
  const temp = `${absolute}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    tar.c({ file: temp, cwd: dir, gzip: true, sync: true, portable: true, mtime: new Date(0), noDirRecurse: false }, entries ?? fs.readdirSync(dir).sort());
    const digest = sha256Digest(fs.readFileSync(temp));
    fs.renameSync(temp, absolute);
    return { path: absolute, digest };
  } finally {
    fs.rmSync(temp, { force: true });
  }
}
