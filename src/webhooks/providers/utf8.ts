const decoder = new TextDecoder("utf-8", { fatal: true });

/** The bytes as a string, or undefined when they are not valid UTF-8 (never a lossy replacement). */
export function decodeUtf8(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}
