#!/usr/bin/env node
// Solana JSON-RPC dev node over LiteSVM, bound to 127.0.0.1 (--host 0.0.0.0 in a container).
// Usage: node devnode/server.js --port 8899 [--host 127.0.0.1] [--program build/escrow.so] [--program-id <base58>] [--slot-ms 400]
// Prints "devnode listening on HOST:PORT program=<id>" once ready (--port 0 picks a free port).
import http from "node:http";
import path from "node:path";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { Chain } from "./chain.js";
import { createRpc, U64_MAX } from "./rpc.js";

export const DEFAULT_PROGRAM_ID = "CFnRYAA6BVyFD6b4yqGvHRmLiWnuGyK7UyQMUvHQrsHw";
const here = path.dirname(fileURLToPath(import.meta.url));
const MAX_BODY = 1 << 20;

/** Starts a dev node; resolves to {server, chain, port, url, close()}. */
export async function startDevnode({ port = 0, host = "127.0.0.1", programPath = path.join(here, "..", "build", "escrow.so"), programId = DEFAULT_PROGRAM_ID, slotMs = 400 } = {}) {
  if (!existsSync(programPath)) throw new Error(`program not found: ${programPath} (run build.sh)`);
  const chain = new Chain({ programId, programPath, slotMs });
  const handle = createRpc(chain);
  const server = http.createServer((req, res) => {
    if (req.method !== "POST") {
      res.writeHead(req.method === "GET" && req.url === "/health" ? 200 : 405, { "content-type": "text/plain" });
      res.end(req.method === "GET" && req.url === "/health" ? "ok" : "use POST with a JSON-RPC body");
      return;
    }
    const chunks = [];
    let size = 0;
    req.on("data", (c) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("end", () => {
      let body;
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        body = Array.isArray(parsed) ? parsed.map(handle) : handle(parsed);
      } catch {
        body = { jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } };
      }
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(body).replaceAll(`"${U64_MAX}"`, "18446744073709551615"));
    });
  });
  await new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, resolve);
  });
  chain.start();
  const actual = server.address().port;
  return {
    server, chain, port: actual, url: `http://${host}:${actual}`,
    close: () => new Promise((resolve) => { chain.stop(); server.close(() => resolve()); server.closeAllConnections?.(); }),
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "8899" },
      host: { type: "string", default: "127.0.0.1" },
      program: { type: "string" },
      "program-id": { type: "string", default: DEFAULT_PROGRAM_ID },
      "slot-ms": { type: "string", default: "400" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("usage: server.js --port N [--host 127.0.0.1] [--program path/to/escrow.so] [--program-id <base58>] [--slot-ms 400]");
    return;
  }
  const port = Number(values.port);
  const slotMs = Number(values["slot-ms"]);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, got ${values.port}`);
  if (!Number.isInteger(slotMs) || slotMs < 10) throw new Error(`--slot-ms must be an integer >= 10, got ${values["slot-ms"]}`);
  const node = await startDevnode({ port, host: values.host, slotMs, programId: values["program-id"], ...(values.program ? { programPath: path.resolve(values.program) } : {}) });
  console.log(`devnode listening on ${values.host}:${node.port} program=${node.chain.programId}`);
  const stop = () => node.close().then(() => process.exit(0));
  process.on("SIGINT", stop);
  process.on("SIGTERM", stop);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((e) => {
    console.error(`devnode: ${e.message}`);
    process.exit(1);
  });
}
