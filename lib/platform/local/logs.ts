import fs from "node:fs";

/** A log file grows to this many bytes before it is rotated (default 5 MiB). */
export const DEFAULT_LOG_CAP_BYTES = 5 * 1024 * 1024;

/**
 * Rotates `file` when it is larger than `capBytes`: its content moves to `<file>.1` (replacing the
 * previous one) and the file is truncated in place. Copy-and-truncate, as logrotate's
 * `copytruncate` does, because the app (which may outlive Slipway) holds the file open in append
 * mode and keeps writing at the new end. At most `2 × capBytes` per instance stay on disk.
 * Returns whether it rotated; a missing file is not an error.
 */
export function rotateLog(file: string, capBytes = DEFAULT_LOG_CAP_BYTES): boolean {
  let size: number;
  try {
    size = fs.statSync(file).size;
  } catch {
    return false;
  }
  if (size <= capBytes) return false;
  fs.copyFileSync(file, `${file}.1`);
  fs.truncateSync(file, 0);
  return true;
}

function lastLinesOf(file: string, lines: number, maxBytes: number): string[] {
  let fd: number;
  try {
    fd = fs.openSync(file, "r");
  } catch {
    return [];
  }
  try {
    const size = fs.fstatSync(fd).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    fs.readSync(fd, buffer, 0, length, size - length);
    const all = buffer.toString("utf8").split("\n");
    if (all.at(-1) === "") all.pop();
    // A read that started mid-file begins with a partial line: drop it.
    if (length < size) all.shift();
    return all.slice(-lines);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The last `lines` lines of an instance's log, reading into the rotated `<file>.1` when the
 * current file holds fewer. Reads at most 256 KiB per file; [] when there is no log yet.
 */
export function tailLog(file: string, lines: number, maxBytes = 256 * 1024): string[] {
  const current = lastLinesOf(file, lines, maxBytes);
  if (current.length >= lines) return current;
  return [...lastLinesOf(`${file}.1`, lines - current.length, maxBytes), ...current];
}
