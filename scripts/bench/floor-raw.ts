/**
 * The benchmark's raw floor (scripts/bench/measure.ts): a plain Node `http` server with a `pg`
 * pool answering every request with the 50 newest deployments as JSON (gzip when asked), nothing
 * else — what one query and one JSON response cost on this machine.
 *
 *   npx tsx scripts/bench/floor-raw.ts <database url> <port>
 */
import http from "node:http";
import { gzipSync } from "node:zlib";
import pg from "pg";

const [url, port] = process.argv.slice(2);
if (!url || !port) {
  console.error("usage: floor-raw.ts <database url> <port>");
  process.exit(2);
}
const pool = new pg.Pool({ connectionString: url, max: 10 });
const QUERY = `select d.id, d.state, d.kind, d.created_at, e.name as environment, r.commit
  from deployments d join environments e on e.id = d.environment_id join releases r on r.id = d.release_id
  order by d.created_at desc, d.id desc limit 50`;

const server = http.createServer((req, res) => {
  pool.query(QUERY).then(
    ({ rows }) => {
      const body = Buffer.from(JSON.stringify({ items: rows }));
      const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "");
      res.writeHead(200, { "content-type": "application/json", ...(gzip ? { "content-encoding": "gzip" } : {}) });
      res.end(gzip ? gzipSync(body) : body);
    },
    (error: Error) => {
      res.writeHead(500);
      res.end(error.message);
    },
  );
});
server.listen(Number(port), "127.0.0.1", () => console.log(`floor-raw listening on ${port}`));
process.on("SIGTERM", () => {
  server.close();
  void pool.end().then(() => process.exit(0));
});
