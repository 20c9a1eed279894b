/** Visible ASCII, bounded: a dedupe id taken from an (unsigned) header must not be arbitrary input. */
const HEADER_ID = /^[\x21-\x7e]{1,200}$/;

/** The header value when it is usable as a dedupe id (1–200 visible ASCII characters), else undefined. */
export function headerId(value: string | undefined): string | undefined {
  return value !== undefined && HEADER_ID.test(value) ? value : undefined;
}
