import type { DescEnum, DescField, DescMessage, DescMethod, DescService } from "@bufbuild/protobuf";
import { getComments } from "@bufbuild/protoplugin";

/** Elements whose proto comments become OpenAPI descriptions. */
export type Documented = DescService | DescMethod | DescMessage | DescField | DescEnum;

// Lines that start a list item or a code block keep their line break when paragraphs are reflowed.
const KEEP_BREAK = /^(?:[-*+] |\d+[.)] | {2,}|```)/;

/**
 * The leading comment of an element (the trailing one when there is no leading), without the single
 * space protoc keeps after `//`, each paragraph on one line: the proto wraps at 100 columns, which means
 * nothing in a description (and would only make the YAML fold oddly). Needs the source_code_info of a
 * CodeGeneratorRequest; protoc-gen-es drops it from embedded descriptors.
 */
export function commentOf(desc: Documented): string {
  const comments = getComments(desc);
  const text = comments.leading ?? comments.trailing ?? "";
  const lines = text.split("\n").map((line) => (line.startsWith(" ") ? line.slice(1) : line).trimEnd());
  let out = "";
  let previous = "";
  for (const line of lines) {
    if (out === "") out = line;
    else if (line === "" || previous === "" || KEEP_BREAK.test(line)) out += `\n${line}`;
    else out += ` ${line}`;
    previous = line;
  }
  return out.trim();
}

// A sentence ends at . ! or ? followed by a capital letter or the end; "e.g." and "i.e." never end one.
const SENTENCE_END = /(?<!\b(?:e\.g|i\.e))[.!?](?=\s+[A-Z]|\s*$)/;

/** The first sentence of a comment, on one line and without its final period: an operation summary. */
export function firstSentence(comment: string): string {
  const flat = comment.replace(/\s+/g, " ").trim();
  const end = SENTENCE_END.exec(flat);
  const sentence = end === null ? flat : flat.slice(0, end.index + 1);
  return sentence.endsWith(".") ? sentence.slice(0, -1) : sentence;
}
