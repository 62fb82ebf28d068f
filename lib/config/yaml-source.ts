import { type Document, isMap, isNode, isScalar, isSeq, LineCounter, parseDocument, visit, type YAMLError } from "yaml";
import type { ConfigProblem, IssuePath, LocatableProblem } from "./problems";
import { formatPath } from "./problems";

/**
 * The YAML text of a config file, kept alongside its parsed document so that a problem found in
 * the data (by zod) can be reported at the line it comes from.
 */
export class YamlSource {
  readonly doc: Document.Parsed;
  private readonly lines = new LineCounter();

  constructor(text: string) {
    this.doc = parseDocument(text, { lineCounter: this.lines, uniqueKeys: true, prettyErrors: true });
  }

  /** YAML syntax problems: bad indentation, tabs, unclosed quotes, duplicate keys, several documents. */
  syntaxProblems(): ConfigProblem[] {
    return this.doc.errors.map((error) => this.syntaxProblem(error));
  }

  /** 1-based line/column of a problem: its node, else (for a missing key) the nearest existing parent. */
  locate(problem: LocatableProblem): ConfigProblem {
    const path = formatPath(problem.path);
    const node = (problem.key !== undefined ? this.keyNode(problem.path, problem.key) : undefined) ?? this.nearestNode(problem.path);
    return { path, ...this.position(node), message: problem.message };
  }

  /** Where the first alias (`*name`) without a matching anchor is, for a clear "unresolved alias" line. */
  unresolvedAliasPosition(): { line?: number; column?: number } {
    let found: unknown;
    visit(this.doc, {
      Alias: (_key, alias) => {
        if (alias.resolve(this.doc) === undefined) {
          found = alias;
          return visit.BREAK;
        }
        return undefined;
      },
    });
    return this.position(found);
  }

  private syntaxProblem(error: YAMLError): ConfigProblem {
    const position = error.linePos?.[0];
    // prettyErrors appends " at line L, column C:" and a source excerpt; line and column are fields here.
    let message = `invalid YAML: ${error.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`;
    let path = "";
    if (error.code === "DUPLICATE_KEY") {
      const duplicate = this.findKeyAt(this.doc.contents, error.pos[0], []);
      if (duplicate) {
        path = formatPath(duplicate.mapPath);
        message = `duplicate key "${duplicate.key}" (a key may appear only once in a mapping)`;
      }
    }
    return { path, ...(position ? { line: position.line, column: position.col } : {}), message };
  }

  private findKeyAt(node: unknown, offset: number, path: IssuePath): { mapPath: IssuePath; key: string } | undefined {
    if (isMap(node)) {
      for (const pair of node.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
        if (key !== undefined && isNode(pair.key) && pair.key.range?.[0] === offset) return { mapPath: path, key };
        const found = key !== undefined ? this.findKeyAt(pair.value, offset, [...path, key]) : undefined;
        if (found) return found;
      }
    } else if (isSeq(node)) {
      for (const [index, item] of node.items.entries()) {
        const found = this.findKeyAt(item, offset, [...path, index]);
        if (found) return found;
      }
    }
    return undefined;
  }

  private nodeAt(path: IssuePath): unknown {
    return path.length === 0 ? this.doc.contents : this.doc.getIn(path, true);
  }

  private keyNode(mapPath: IssuePath, key: string): unknown {
    const map = this.nodeAt(mapPath);
    if (!isMap(map)) return undefined;
    return map.items.find((pair) => isScalar(pair.key) && String(pair.key.value) === key)?.key;
  }

  private nearestNode(path: IssuePath): unknown {
    for (let length = path.length; length >= 0; length--) {
      const node = this.nodeAt(path.slice(0, length));
      if (isNode(node) && node.range) return node;
    }
    return undefined;
  }

  private position(node: unknown): { line?: number; column?: number } {
    if (!isNode(node) || !node.range) return {};
    const { line, col } = this.lines.linePos(node.range[0]);
    return { line, column: col };
  }
}
