import { Writable } from "node:stream";

/** Collects every log line a logger writes, for assertions (and for searching for leaked secrets). */
export class LogCapture {
  readonly chunks: string[] = [];
  readonly stream = new Writable({
    write: (chunk: Buffer | string, _encoding, done) => {
      this.chunks.push(chunk.toString());
      done();
    },
  });

  /** Everything logged so far, as one string. */
  text(): string {
    return this.chunks.join("");
  }

  /** Parsed JSON lines. */
  lines(): Record<string, unknown>[] {
    return this.text()
      .split("\n")
      .filter((line) => line.trim() !== "")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
