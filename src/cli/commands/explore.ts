/**
 * `mmsim explore [SCENARIO|FILE] [--port N] [--open]`: serves the explorer (the web app built into
 * dist/web by `npm run build:web`) on 127.0.0.1 and prints its URL. The app is static: the model
 * runs in the browser, in a Web Worker, so the server only hands out the build folder's files.
 *
 * What it serves, and what not:
 * - GET and HEAD of regular files inside the build folder, with their MIME type; `/` is
 *   index.html. Every other method is 405.
 * - No directory listing, nothing outside the folder: a path that does not decode, holds a NUL
 *   byte or a `..` segment (also when percent-encoded, `%2e%2e`), or resolves through a symlink
 *   to a place outside the folder is 404, as is any path that is not a regular file.
 * - Headers: a Content-Security-Policy that lets the page load nothing but its own files (a
 *   pasted OOM report or scenario never leaves the browser), nosniff, no caching.
 *   No SharedArrayBuffer is used (the worker transfers its buffers), so no COOP/COEP.
 *
 * A scenario FILE travels in the URL's fragment, deflated and base64url-encoded (`#y=…`), as the
 * editor's share links do: the server never serves anything but the build folder, and the
 * fragment never reaches any server.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { existsSync, readFileSync, realpathSync, statSync, createReadStream } from "node:fs";
import { extname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { spawn } from "node:child_process";
import { deflateRawSync } from "node:zlib";
import { Command, InvalidArgumentError } from "commander";
import { ScenarioError } from "../../api/index.js";
import { UsageError, type CliIo } from "../main.js";
import { loadScenario, scenarioFailure, shippedScenarios } from "./run.js";

/** MIME types of the files a Vite build holds. */
export const MIME: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".yaml": "text/yaml; charset=utf-8",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
};

/** The page may load only its own files; scripts and workers from itself alone. */
export const CSP = "default-src 'self'; script-src 'self'; worker-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/** Largest scenario file that goes into a URL (deflated): browsers keep URLs of a few MB, sharing tools far less. */
export const MAX_URL_SCENARIO = 64 * 1024;

/** The build folder: dist/web beside the compiled CLI, or the repository's dist/web when run from src/. */
export function webRoot(): string | null {
  for (const rel of ["../../web/", "../../../dist/web/"]) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(join(dir, "index.html"))) return realpathSync(dir);
  }
  return null;
}

/**
 * Maps a request path to a file inside `root`, or null (404). `root` must be a real path.
 * Exported for tests.
 */
export function resolveStatic(root: string, urlPath: string): string | null {
  const q = urlPath.search(/[?#]/);
  let p = q >= 0 ? urlPath.slice(0, q) : urlPath;
  try {
    p = decodeURIComponent(p);
  } catch {
    return null;
  }
  if (!p.startsWith("/") || p.includes("\0") || p.includes("\\")) return null;
  const segments = p.split("/");
  if (segments.some((s) => s === ".." || s === ".")) return null;
  if (p.endsWith("/")) p += "index.html";
  const file = resolve(root, "." + p);
  if (!file.startsWith(root + sep)) return null;
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return null;
  }
  if (!real.startsWith(root + sep)) return null;
  try {
    if (!statSync(real).isFile()) return null;
  } catch {
    return null;
  }
  return real;
}

function handle(root: string, req: IncomingMessage, res: ServerResponse): void {
  const headers = { "Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Cache-Control": "no-cache", "Referrer-Policy": "no-referrer" };
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.writeHead(405, { ...headers, Allow: "GET, HEAD", "Content-Type": "text/plain; charset=utf-8" });
    res.end("405 method not allowed\n");
    return;
  }
  const file = resolveStatic(root, req.url ?? "/");
  if (file === null) {
    res.writeHead(404, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
    res.end("404 not found\n");
    return;
  }
  const size = statSync(file).size;
  res.writeHead(200, { ...headers, "Content-Type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream", "Content-Length": size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  const stream = createReadStream(file);
  stream.on("error", () => res.destroy());
  stream.pipe(res);
}

/** A running explorer server. */
export interface ExploreServer {
  readonly server: Server;
  readonly port: number;
  /** http://127.0.0.1:PORT/ */
  readonly origin: string;
  close(): Promise<void>;
}

/** Starts the static server on 127.0.0.1 (port 0 picks a free one). */
export function startExploreServer(root: string, port: number): Promise<ExploreServer> {
  const realRoot = realpathSync(root);
  const server = createServer((req, res) => handle(realRoot, req, res));
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", fail);
      const addr = server.address();
      const p = typeof addr === "object" && addr !== null ? addr.port : port;
      ok({
        server,
        port: p,
        origin: `http://127.0.0.1:${p}/`,
        close: () => new Promise<void>((done) => server.close(() => done())),
      });
    });
  });
}

/** The URL fragment that opens a scenario: `#s=NAME` for a shipped one, `#y=…` (deflated YAML) for a file. */
export function scenarioFragment(ref: string | undefined): string {
  if (ref === undefined) return "";
  const name = ref.replace(/\.ya?ml$/, "");
  if (!existsSync(ref) && shippedScenarios().includes(name)) return `#s=${encodeURIComponent(name)}`;
  // Validate first: a mistake in the file is reported here, located, as `mmsim run` reports it.
  loadScenario(ref);
  const packed = deflateRawSync(readFileSync(ref)).toString("base64url");
  if (packed.length > MAX_URL_SCENARIO) throw new UsageError(`${ref} is too large to open in the explorer (${packed.length} bytes deflated, at most ${MAX_URL_SCENARIO}); paste it into the editor instead`);
  return `#y=${packed}`;
}

function parsePort(v: string): number {
  if (!/^\d+$/.test(v.trim()) || Number(v) > 65535) throw new InvalidArgumentError("port must be a whole number from 0 to 65535 (0 picks a free one)");
  return Number(v);
}

/** Opens a URL in the desktop's browser, ignoring failure (the URL is printed anyway). */
function openBrowser(url: string): void {
  const cmd = process.platform === "darwin" ? "open" : process.platform === "win32" ? "explorer" : "xdg-open";
  try {
    const child = spawn(cmd, [url], { stdio: "ignore", detached: true });
    child.on("error", () => undefined);
    child.unref();
  } catch {
    // no browser to open: the printed URL is the way in
  }
}

/** Adds the `explore` subcommand. */
export function registerExplore(program: Command, io: CliIo): void {
  program
    .command("explore")
    .description("serve the explorer (the model running in your browser) on 127.0.0.1 and print its URL")
    .argument("[scenario]", "a shipped scenario's name or a scenario file to open")
    .option("--port <n>", "port to listen on (0 picks a free one)", parsePort, 7373)
    .option("--open", "open the URL in the desktop's browser")
    .action(async (ref: string | undefined, o: { port: number; open?: boolean }) => {
      const root = webRoot();
      if (root === null) throw new UsageError("the explorer is not built: run `npm run build:web` (npm ci builds it too)");
      let fragment: string;
      try {
        fragment = scenarioFragment(ref);
      } catch (e) {
        if (e instanceof ScenarioError) scenarioFailure(io, e);
        throw e;
      }
      let srv: ExploreServer;
      try {
        srv = await startExploreServer(root, o.port);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "EADDRINUSE") throw new UsageError(`port ${o.port} is in use: choose another with --port N (0 picks a free one)`);
        if (code === "EACCES") throw new UsageError(`port ${o.port} needs privileges: choose one above 1023 with --port N`);
        throw e;
      }
      const url = srv.origin + fragment;
      io.out(`mmsim explorer: ${url}\n(serving ${root} on 127.0.0.1 only; Ctrl-C stops it)\n`);
      if (o.open) openBrowser(url);
      await new Promise<void>((done) => {
        const stop = (): void => {
          process.off("SIGINT", stop);
          process.off("SIGTERM", stop);
          void srv.close().then(done);
        };
        process.on("SIGINT", stop);
        process.on("SIGTERM", stop);
      });
    });
}

