import { execFile } from "node:child_process";

/** What a finished process printed and how it exited (status null: killed, e.g. on timeout). */
export interface ProcessResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript script (`node --import tsx <args>`) without blocking this process — which a
 * test may need, when it plays a server the script talks to. Never rejects: the exit is in `status`.
 */
export function runProcess(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<ProcessResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, ["--import", "tsx", ...args], { encoding: "utf8", timeout: timeoutMs, env: { ...process.env, ...env } }, (error, stdout, stderr) => {
      const status = error ? (typeof error.code === "number" ? error.code : null) : 0;
      resolve({ status, stdout, stderr });
    });
  });
}
