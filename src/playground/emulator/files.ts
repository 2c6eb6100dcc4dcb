/** Files the bot uploads (documents, photos) and the ones users send: ids, sizes, paths and getFile. */
import type { Upload } from "./http";
import { clean, optStr, type Params } from "./params";
import { bad } from "./types";

export interface FileRec {
  file_id: string;
  file_unique_id: string;
  file_name?: string;
  mime_type?: string;
  file_size?: number;
  file_path: string;
  data?: Buffer;
}

const MIME: Record<string, string> = {
  csv: "text/csv",
  txt: "text/plain",
  pdf: "application/pdf",
  json: "application/json",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  zip: "application/zip",
  ics: "text/calendar",
};
const mimeOf = (name?: string) => MIME[name?.split(".").pop()?.toLowerCase() ?? ""] ?? "application/octet-stream";

export class FileStore {
  private readonly files = new Map<string, FileRec>();
  private fileCounter = 0;

  newFile(kind: string, file_name: string | undefined, data: Buffer | undefined): FileRec {
    const n = ++this.fileCounter;
    const ext = file_name?.includes(".") ? file_name.split(".").pop() : "dat";
    const f: FileRec = clean({
      file_id: `${kind === "photo" ? "AgACAgIAAxkBAA" : "BQACAgIAAxkBAA"}${n.toString(36).padStart(6, "0")}${kind}`,
      file_unique_id: `AQAD${n.toString(36).padStart(5, "0")}`,
      file_name,
      mime_type: kind === "photo" ? "image/jpeg" : mimeOf(file_name),
      file_size: data?.length,
      file_path: `${kind}s/file_${n}.${ext}`,
      data,
    });
    this.files.set(f.file_id, f);
    return f;
  }

  /** The two sizes Telegram keeps of a photo (a thumbnail and the large one). */
  photoSizes(data: Buffer | undefined, existing?: FileRec) {
    const big = existing ?? this.newFile("photo", undefined, data);
    const small = this.newFile("photo", undefined, data);
    return [
      {
        file_id: small.file_id,
        file_unique_id: small.file_unique_id,
        width: 90,
        height: 68,
        file_size: small.file_size,
      },
      { file_id: big.file_id, file_unique_id: big.file_unique_id, width: 1280, height: 960, file_size: big.file_size },
    ].map((s) => clean(s));
  }

  /** An InputFile parameter: an uploaded part (attach://… or the field itself), a known file_id, or an http(s) URL. */
  inputFile(v: unknown, files: Map<string, Upload>, field: string, kind: string): FileRec {
    const upload = typeof v === "string" && v.startsWith("attach://") ? files.get(v.slice(9)) : files.get(field);
    if (upload) {
      if (upload.data.length === 0) throw bad("file must be non-empty");
      return this.newFile(kind, upload.filename, upload.data);
    }
    if (typeof v === "string" && v.startsWith("attach://")) throw bad(`there is no ${field} in the request`);
    if (v === undefined || v === null || v === "") throw bad(`there is no ${field} in the request`);
    if (typeof v !== "string") throw bad(`wrong file identifier/HTTP URL specified`);
    const known = this.files.get(v);
    if (known) return known;
    if (/^https?:\/\/\S+$/i.test(v)) {
      const name = decodeURIComponent(new URL(v).pathname.split("/").pop() || "") || undefined;
      return this.newFile(kind, name, undefined);
    }
    throw bad("wrong file identifier/HTTP URL specified");
  }

  /** The getFile method. */
  getFile(p: Params) {
    const f = this.files.get(optStr(p.file_id, "file_id") ?? "");
    if (!f) throw bad("invalid file_id");
    return clean({
      file_id: f.file_id,
      file_unique_id: f.file_unique_id,
      file_size: f.file_size,
      file_path: f.data ? f.file_path : undefined,
    });
  }

  /** A stored file by its file_id. */
  byId(fileId: string): FileRec | undefined {
    return this.files.get(fileId);
  }

  /** A stored file by its file_path (served at /file/bot<token>/<path>). */
  byPath(path: string): FileRec | undefined {
    return [...this.files.values()].find((x) => x.file_path === path);
  }
}
