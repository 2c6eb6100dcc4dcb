/**
 * A small HTTP front for the emulator: the Bot API routes (/bot<token>/<method>, /file/bot<token>/<path>),
 * request bodies (JSON, urlencoded, multipart) and the recording of every call.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { clean, isObj, type Params } from "./params";
import { type ApiCall, ApiError, bad } from "./types";

/** Parameters Telegram expects as JSON when the body is a form (urlencoded or multipart). */
const JSON_FIELDS = new Set([
  "reply_markup",
  "entities",
  "caption_entities",
  "allowed_updates",
  "commands",
  "scope",
  "reply_parameters",
  "link_preview_options",
  "menu_button",
  "media",
]);

export interface Upload {
  filename?: string;
  contentType?: string;
  data: Buffer;
}

/**
 * A small multipart/form-data parser. Not undici's `Request.formData()`: grammY writes headers like
 * `content-disposition:form-data;name="x";filename=x.csv` (unquoted filename), which undici rejects.
 */
function parseMultipart(
  body: Buffer,
  boundary: string,
): { fields: Record<string, string>; files: Map<string, Upload> } {
  const fail = () => bad("can't parse multipart/form-data body");
  const fields: Record<string, string> = {};
  const files = new Map<string, Upload>();
  const delimiter = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  let pos = body.indexOf(delimiter);
  if (pos < 0) throw fail();
  for (;;) {
    pos += delimiter.length;
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break; // "--": the closing delimiter
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const end = body.indexOf(next, pos);
    if (end < 0) throw fail();
    const part = body.subarray(pos, end);
    const headerEnd = part.indexOf("\r\n\r\n");
    if (headerEnd < 0) throw fail();
    const headerLines = part.subarray(0, headerEnd).toString("utf8").split("\r\n");
    const disposition = headerLines.find((l) => /^content-disposition\s*:/i.test(l));
    if (!disposition) throw fail();
    const attrs = new Map<string, string>();
    for (const piece of disposition.slice(disposition.indexOf(":") + 1).split(";")) {
      const eq = piece.indexOf("=");
      if (eq < 0) continue;
      let v = piece.slice(eq + 1).trim();
      if (v.length >= 2 && v.startsWith('"') && v.endsWith('"')) v = v.slice(1, -1);
      attrs.set(piece.slice(0, eq).trim().toLowerCase(), v);
    }
    const name = attrs.get("name");
    if (name === undefined) throw fail();
    const content = part.subarray(headerEnd + 4);
    if (attrs.has("filename")) {
      const ct = headerLines.find((l) => /^content-type\s*:/i.test(l));
      files.set(name, {
        filename: attrs.get("filename"),
        contentType: ct?.slice(ct.indexOf(":") + 1).trim(),
        data: Buffer.from(content),
      });
    } else {
      fields[name] = content.toString("utf8");
    }
    pos = end + 2;
  }
  return { fields, files };
}

async function readBody(req: http.IncomingMessage, max = 50 * 1024 * 1024): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) throw new ApiError(413, "Request Entity Too Large");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** What a method handler gets besides its parameters: the response (long polls watch it close) and uploads. */
export interface ReqCtx {
  res: http.ServerResponse;
  files: Map<string, Upload>;
}
export type Handler = (p: Params, ctx: ReqCtx) => unknown;

/** A handler's answer for a long poll the client gave up on: nothing is written back. */
export const ABORTED = Symbol("aborted");

/** What the HTTP front needs from the emulator. */
export interface Routes {
  token: string;
  /** The handler of a method (names are case-insensitive: the key is lower case). */
  handlers: Record<string, Handler>;
  /** A stored file by its file_path, for /file/bot<token>/<path>. */
  file(path: string): { data?: Buffer; mime_type?: string } | undefined;
  /** The calls recorded so far; each answered call is pushed, then answered, then announced. */
  calls: ApiCall[];
  announce(call: ApiCall): void;
}

export function createApiServer(routes: Routes): http.Server {
  return http.createServer((req, res) => {
    handle(routes, req, res).catch((e) =>
      reply(res, 500, { ok: false, error_code: 500, description: `Internal Server Error: ${String(e)}` }),
    );
  });
}

export async function listen(server: http.Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function reply(res: http.ServerResponse, status: number, body: unknown, contentType = "application/json"): void {
  if (res.headersSent || res.destroyed) return;
  const data = Buffer.isBuffer(body) ? body : Buffer.from(JSON.stringify(body));
  res.writeHead(status, { "content-type": contentType, "content-length": data.length });
  res.end(data);
}

async function handle(routes: Routes, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://127.0.0.1");
  const file = /^\/file\/bot([^/]+)\/(.+)$/.exec(url.pathname);
  if (file) return serveFile(routes, res, decodeURIComponent(file[1]!), decodeURIComponent(file[2]!));
  const route = /^\/bot([^/]*)\/([A-Za-z0-9_]*)\/?$/.exec(url.pathname);
  if (!route) return reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
  const token = decodeURIComponent(route[1]!);
  const method = route[2]!;

  let params: Params = {};
  let files = new Map<string, Upload>();
  let parseError: ApiError | undefined;
  try {
    ({ params, files } = await parseRequest(req, url));
  } catch (e) {
    if (res.destroyed) return; // the client went away mid-body
    parseError = e instanceof ApiError ? e : bad(`can't parse request body: ${String(e)}`);
  }

  let outcome: { result: unknown } | { error: ApiError };
  try {
    if (token !== routes.token) throw new ApiError(401, "Unauthorized");
    const handler = routes.handlers[method.toLowerCase()];
    if (!handler) throw new ApiError(404, "Not Found");
    if (parseError) throw parseError;
    outcome = { result: await handler(params, { res, files }) };
  } catch (e) {
    outcome = {
      error:
        e instanceof ApiError
          ? e
          : new ApiError(500, `Internal Server Error: ${e instanceof Error ? e.message : String(e)}`),
    };
  }

  const calls = routes.calls;
  const call: ApiCall = { seq: calls.length + 1, method, params, ok: !("error" in outcome), at: Date.now() };
  if ("error" in outcome) {
    const { error_code, description, parameters } = outcome.error;
    call.error = clean({ error_code, description, parameters });
    calls.push(call);
    reply(res, error_code, clean({ ok: false, error_code, description, parameters }));
  } else if (outcome.result === ABORTED) {
    Object.assign(call, { result: [], aborted: true });
    calls.push(call);
  } else {
    call.result = outcome.result;
    calls.push(call);
    reply(res, 200, { ok: true, result: outcome.result });
  }
  routes.announce(call);
}

async function parseRequest(
  req: http.IncomingMessage,
  url: URL,
): Promise<{ params: Params; files: Map<string, Upload> }> {
  const params: Params = Object.fromEntries(url.searchParams);
  let files = new Map<string, Upload>();
  let form = url.searchParams.size > 0;
  const body = await readBody(req);
  const contentType = req.headers["content-type"] ?? "";
  if (body.length > 0) {
    if (/^multipart\/form-data/i.test(contentType)) {
      const boundary = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
      if (!boundary) throw bad("can't parse multipart/form-data body: no boundary");
      const parsed = parseMultipart(body, boundary[1] ?? boundary[2]!);
      Object.assign(params, parsed.fields);
      files = parsed.files;
      form = true;
    } else if (/^application\/x-www-form-urlencoded/i.test(contentType)) {
      for (const [k, v] of new URLSearchParams(body.toString("utf8"))) params[k] = v;
      form = true;
    } else {
      let json: unknown;
      try {
        json = JSON.parse(body.toString("utf8"));
      } catch {
        throw bad("can't parse JSON object");
      }
      if (!isObj(json)) throw bad("can't parse JSON object");
      Object.assign(params, json);
    }
  }
  if (form) {
    // Form encodings carry strings only; Telegram decodes these fields as JSON.
    for (const k of JSON_FIELDS) {
      const v = params[k];
      if (typeof v === "string") {
        try {
          params[k] = JSON.parse(v);
        } catch {
          /* left as a string: the validation reports it */
        }
      }
    }
  }
  return { params, files };
}

function serveFile(routes: Routes, res: http.ServerResponse, token: string, path: string): void {
  const f = token === routes.token ? routes.file(path) : undefined;
  if (f?.data) reply(res, 200, f.data, f.mime_type ?? "application/octet-stream");
  else reply(res, 404, { ok: false, error_code: 404, description: "Not Found" });
}
