import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, mkdirSync, realpathSync, symlinkSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { runCli } from "../main.js";
import { CSP, resolveStatic, scenarioFragment, startExploreServer, type ExploreServer } from "./explore.js";

/** A raw GET: the path goes on the wire as written (fetch would normalise `..` away). */
function get(port: number, path: string, method = "GET"): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((ok, fail) => {
    const req = request({ host: "127.0.0.1", port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => ok({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", fail);
    req.end();
  });
}

describe("mmsim explore's static server", () => {
  let base: string;
  let root: string;
  let srv: ExploreServer;
  beforeAll(async () => {
    base = realpathSync(mkdtempSync(join(tmpdir(), "mmsim-explore-")));
    root = join(base, "web");
    mkdirSync(join(root, "assets"), { recursive: true });
    mkdirSync(join(root, "empty"));
    writeFileSync(join(root, "index.html"), "<!doctype html><title>x</title>");
    writeFileSync(join(root, "assets", "app.js"), "console.log(1)");
    writeFileSync(join(root, "assets", "a b.css"), "body{}");
    writeFileSync(join(root, "favicon.svg"), "<svg/>");
    writeFileSync(join(base, "secret.txt"), "secret");
    symlinkSync(join(base, "secret.txt"), join(root, "out.txt"));
    symlinkSync(join(root, "favicon.svg"), join(root, "in.svg"));
    symlinkSync(base, join(root, "up"));
    srv = await startExploreServer(root, 0);
  });
  afterAll(async () => {
    await srv.close();
  });

  it("listens on 127.0.0.1 and serves index.html at / with the CSP", async () => {
    expect(srv.origin).toBe(`http://127.0.0.1:${srv.port}/`);
    const r = await get(srv.port, "/");
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    expect(r.headers["content-security-policy"]).toBe(CSP);
    expect(r.headers["x-content-type-options"]).toBe("nosniff");
    expect(r.body).toContain("<title>x</title>");
  });

  it("gives each file its MIME type and ignores the query and fragment", async () => {
    expect((await get(srv.port, "/assets/app.js?v=1")).headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect((await get(srv.port, "/assets/a%20b.css")).headers["content-type"]).toBe("text/css; charset=utf-8");
    expect((await get(srv.port, "/favicon.svg")).headers["content-type"]).toBe("image/svg+xml");
    expect((await get(srv.port, "/in.svg")).status).toBe(200);
    const head = await get(srv.port, "/assets/app.js", "HEAD");
    expect([head.status, head.body, head.headers["content-length"]]).toEqual([200, "", "14"]);
  });

  it.each([
    ["/../secret.txt"],
    ["/assets/../../secret.txt"],
    ["/%2e%2e/secret.txt"],
    ["/%2E%2E%2Fsecret.txt"],
    ["/assets/%2e%2e/%2e%2e/secret.txt"],
    ["/..%5csecret.txt"],
    ["/out.txt"],
    ["/up/secret.txt"],
    ["/etc/passwd"],
    ["//etc/passwd"],
    [join(realpathSync(tmpdir()), "x")],
    ["/%00index.html"],
    ["/%ZZ"],
    ["/assets"],
    ["/assets/"],
    ["/empty/"],
    ["/nope.js"],
    ["*"],
  ])("answers 404 to %s (outside the folder, a directory, or not there)", async (path) => {
    const r = await get(srv.port, path);
    expect(r.status).toBe(404);
    expect(r.body).not.toContain("secret");
  });

  it("refuses methods other than GET and HEAD", async () => {
    const r = await get(srv.port, "/", "POST");
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, HEAD");
  });

  it("resolves only inside the real root", () => {
    expect(resolveStatic(root, "/index.html")).toBe(join(root, "index.html"));
    expect(resolveStatic(root, "/up/secret.txt")).toBeNull();
  });
});

describe("mmsim explore's arguments", () => {
  it("opens a shipped scenario by name and a file through the URL fragment", () => {
    expect(scenarioFragment(undefined)).toBe("");
    expect(scenarioFragment("tour")).toBe("#s=tour");
    const dir = mkdtempSync(join(tmpdir(), "mmsim-explore-sc-"));
    const file = join(dir, "mine.yaml");
    const text = "name: mine\nmachine: { memory: 96M }\nprocesses:\n  - name: a\n    run:\n      - mmap: { name: m, size: 1M }\n";
    writeFileSync(file, text);
    const frag = scenarioFragment(file);
    expect(frag.startsWith("#y=")).toBe(true);
    expect(inflateRawSync(Buffer.from(frag.slice(3), "base64url")).toString("utf8")).toBe(text);
  });

  it("reports a scenario file's mistake located, as mmsim run does, and a bad port as a usage error", async () => {
    const dir = mkdtempSync(join(tmpdir(), "mmsim-explore-bad-"));
    const file = join(dir, "bad.yaml");
    writeFileSync(file, "name: bad\nmachine: { memory: 96M }\nprocesses:\n  - name: a\n    run:\n      - mmap: { name: m, size: lots }\n");
    expect(() => scenarioFragment(file)).toThrow(/bad\.yaml:6:\d+ processes\[0\]\.run\[0\]\.mmap\.size/);
    const err: string[] = [];
    const io = { out: () => undefined, err: (s: string) => err.push(s) };
    expect(await runCli(["explore", "--port", "http"], io)).toBe(2);
    expect(err.join("")).toContain("port must be a whole number");
  });
});
