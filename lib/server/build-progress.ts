/**
 * What `npm start` says while `next build` runs: each phase as it starts, a heartbeat while a phase
 * is silent, and an estimate from the last build on this machine (else a range for a first build).
 * Pure apart from the `log` it is given; the clock is injected.
 */

/** The phases of a Next.js production build, recognised from its output. */
const PHASES: { pattern: RegExp; phase: string }[] = [
  { pattern: /Creating an optimized production build/i, phase: "compiling (the longest part)" },
  { pattern: /Compiled successfully|Compiled with warnings/i, phase: "compiled" },
  { pattern: /Running TypeScript|Linting and checking validity of types/i, phase: "checking types" },
  { pattern: /Collecting page data/i, phase: "collecting page data" },
  { pattern: /Generating static pages/i, phase: "generating static pages" },
  { pattern: /Finalizing page optimization/i, phase: "finalizing" },
  { pattern: /Collecting build traces/i, phase: "collecting build traces" },
];

/** The build phase a line of `next build` output starts, or null. */
export function buildPhaseOf(line: string): string | null {
  return PHASES.find((p) => p.pattern.test(line))?.phase ?? null;
}

const MIN_S = 60;

/** "45 s", "3 min 20 s". */
export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < MIN_S) return `${s} s`;
  const rest = s % MIN_S;
  return rest ? `${Math.floor(s / MIN_S)} min ${rest} s` : `${Math.floor(s / MIN_S)} min`;
}

/**
 * What to expect: the last build's duration on this machine when known, else a range that holds
 * on a busy 2-core machine (measured: 20 s on an idle one, up to ~5 min when shared).
 */
export function buildEstimate(lastSeconds: number | null, cpus: number): string {
  if (lastSeconds !== null && lastSeconds > 0) return `the last build here took ${formatSeconds(lastSeconds)}`;
  return cpus <= 2 ? "usually 1 to 5 minutes on a 2-core machine, longer when it is busy" : "usually under 2 minutes";
}

export interface BuildProgressOptions {
  log: (line: string) => void;
  now: () => number;
  /** Seconds the previous build took here, if recorded. */
  lastSeconds: number | null;
  /** A heartbeat after this long without a new phase (default 20 s). */
  quietMs?: number;
}

/** Feed it the build's output lines and call `tick()` every few seconds; it logs phases and heartbeats. */
export class BuildProgress {
  private readonly started: number;
  private phase = "starting";
  private lastReport: number;

  constructor(private readonly options: BuildProgressOptions) {
    this.started = options.now();
    this.lastReport = this.started;
  }

  private elapsed(): string {
    return formatSeconds((this.options.now() - this.started) / 1000);
  }

  /** One line of `next build` output: a new phase is logged with the time so far. */
  line(text: string): void {
    const phase = buildPhaseOf(text);
    if (!phase || phase === this.phase) return;
    this.phase = phase;
    this.lastReport = this.options.now();
    this.options.log(`  build: ${phase} (${this.elapsed()} so far)`);
  }

  /** Called periodically: after a quiet spell, says the build is still going and for how long. */
  tick(): void {
    const quiet = this.options.quietMs ?? 20_000;
    if (this.options.now() - this.lastReport < quiet) return;
    this.lastReport = this.options.now();
    const last = this.options.lastSeconds ? `; the last build took ${formatSeconds(this.options.lastSeconds)}` : "";
    this.options.log(`  build: still ${this.phase}, ${this.elapsed()} so far${last}`);
  }
}
