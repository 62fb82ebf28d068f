/**
 * Reads a V8 .cpuprofile (Node's --cpu-prof) into a short report: time by file (self and
 * inclusive) and the app's functions by inclusive time, over a window at the end of the profile.
 * Frames in Next.js's server chunks (.next/server/…) are mapped back to their sources through the
 * chunks' source maps, so "lib/services/board-page.ts:122" appears instead of a minified name.
 *
 *   npx tsx scripts/bench/profile-summary.ts <file.cpuprofile> [window seconds] [skip-end seconds]
 */
import fs from "node:fs";
import { SourceMap } from "node:module";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const sourceMaps = new Map<string, SourceMap | null>();
function sourceMapOf(url: string): SourceMap | null {
  let map = sourceMaps.get(url);
  if (map === undefined) {
    try {
      map = new SourceMap(JSON.parse(fs.readFileSync(`${new URL(url).pathname}.map`, "utf8")));
    } catch {
      map = null; // no map beside the chunk
    }
    sourceMaps.set(url, map);
  }
  return map;
}

/** "name file:line" of a frame; a chunk of .next mapped to its source, packages shortened to "nm/<package>/<file>". */
function frameLabel(frame: ProfileNode["callFrame"]): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return `${name} [native]`;
  if (frame.url.includes("/.next/")) {
    const entry = sourceMapOf(frame.url)?.findEntry(frame.lineNumber, frame.columnNumber);
    if (entry && "originalSource" in entry && entry.originalSource) {
      const source = entry.originalSource.replace(/^.*?\/node_modules\//, "nm/").replace(/^(?:\.\.\/)+|^turbopack:\/\/\/\[project\]\//, "");
      return `${(entry as { name?: string }).name || name} ${decodeURIComponent(source)}:${entry.originalLine + 1}`;
    }
  }
  const inPackage = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?:.*\/)?([^/]+)$/.exec(frame.url);
  return `${name} ${inPackage ? `nm/${inPackage[1]}/${inPackage[2]}` : frame.url.replace(/^file:\/\/\/.*?\/(app|lib|components|db|scripts)\//, "$1/")}:${frame.lineNumber + 1}`;
}

const fileOf = (label: string) => label.slice(label.lastIndexOf(" ") + 1).replace(/:\d+$/, "");
const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
const isAppSource = (file: string) => /^(app|lib|components|db)\//.test(file);

/**
 * The report for `file`, over its last `windowSeconds` before the last `skipEndSeconds` (0: the
 * whole profile). Percentages are of the busy (non-idle) samples in that window.
 */
export function summarizeProfile(file: string, options: { windowSeconds?: number; skipEndSeconds?: number } = {}): string {
  const profile = JSON.parse(fs.readFileSync(file, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const at: number[] = [];
  let t = 0;
  for (let i = 0; i < profile.samples.length; i++) at.push((t += profile.timeDeltas[i] ?? 0));
  const windowUs = (options.windowSeconds ?? 0) * 1e6;
  const to = t - (options.skipEndSeconds ?? 0) * 1e6;
  const from = windowUs ? to - windowUs : -1;
  const labels = new Map<number, string>();
  const labelOf = (id: number) => labels.get(id) ?? labels.set(id, frameLabel(byId.get(id)!.callFrame)).get(id)!;
  const selfByFile = new Map<string, number>();
  const inclusiveByFile = new Map<string, number>();
  const inclusiveByFunction = new Map<string, number>();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (at[i]! < from || at[i]! > to) continue;
    const id = profile.samples[i]!;
    if (byId.get(id)!.callFrame.functionName === "(idle)") continue;
    const us = profile.timeDeltas[i] ?? 0;
    busy += us;
    add(selfByFile, fileOf(labelOf(id)), us);
    const seenFunctions = new Set<string>();
    const seenFiles = new Set<string>();
    for (let x: number | undefined = id; x !== undefined; x = parentOf.get(x)) {
      const label = labelOf(x);
      if (!seenFunctions.has(label)) {
        seenFunctions.add(label);
        add(inclusiveByFunction, label, us);
      }
      const source = fileOf(label);
      if (!seenFiles.has(source)) {
        seenFiles.add(source);
        add(inclusiveByFile, source, us);
      }
    }
  }
  const table = (title: string, map: Map<string, number>, count: number, keep: (key: string) => boolean = () => true) => [
    `--- ${title}`,
    ...[...map]
      .filter(([key]) => keep(key))
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, us]) => `${((100 * us) / busy).toFixed(1).padStart(6)} %  ${key}`),
  ];
  return [
    `busy ${(busy / 1e6).toFixed(1)} s of samples`,
    ...table("self time by file", selfByFile, 25),
    ...table("inclusive time by file (app sources)", inclusiveByFile, 25, isAppSource),
    ...table("inclusive time by function (app sources)", inclusiveByFunction, 30, (label) => isAppSource(fileOf(label))),
  ].join("\n");
}

if (process.argv[1]?.endsWith("profile-summary.ts")) {
  const [file, windowSeconds, skipEndSeconds] = process.argv.slice(2);
  if (!file) {
    console.error("usage: profile-summary.ts <file.cpuprofile> [window seconds] [skip-end seconds]");
    process.exitCode = 1;
  } else {
    console.log(summarizeProfile(file, { windowSeconds: Number(windowSeconds ?? 0), skipEndSeconds: Number(skipEndSeconds ?? 0) }));
  }
}
