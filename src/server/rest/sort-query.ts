import type { DescMessage } from "@bufbuild/protobuf";
import { BridgeError } from "./bridge-error.ts";

/** REST names of sortable times, as JSON APIs usually spell them, and the API field each orders by. */
const SORT_FIELDS: Readonly<Record<string, string>> = {
  created_at: "create_time",
  createdAt: "create_time",
  create_time: "create_time",
  createTime: "create_time",
};

function invalid(message: string): BridgeError {
  return new BridgeError(400, "invalid_argument", message);
}

/**
 * The query with a `sort`+`order` pair (`?sort=created_at&order=desc`) turned into the request's AIP-132
 * `order_by` (`create_time desc`), for request messages that have an `order_by` field; other queries are
 * returned as they are. `order` alone, a pair beside `order_by`, an unknown `sort` or an `order` other
 * than asc/desc is INVALID_ARGUMENT; which orders a list accepts is its `order_by` rule's to say.
 */
export function sortQueryToOrderBy(input: DescMessage, query: URLSearchParams): URLSearchParams {
  if (!input.fields.some((f) => f.name === "order_by")) return query;
  const sort = query.getAll("sort");
  const order = query.getAll("order");
  if (sort.length === 0 && order.length === 0) return query;
  if (sort.length !== 1 || order.length > 1) {
    throw invalid("query parameter 'sort' takes one field name, with at most one 'order' (asc or desc)");
  }
  if (query.has("order_by") || query.has("orderBy")) {
    throw invalid("query parameters 'sort' and 'order_by' set the same field: give one of them");
  }
  const field = SORT_FIELDS[sort[0] ?? ""];
  if (field === undefined) {
    throw invalid(`query parameter 'sort' must be one of ${Object.keys(SORT_FIELDS).join(", ")}`);
  }
  const direction = (order[0] ?? "asc").toLowerCase();
  if (direction !== "asc" && direction !== "desc") {
    throw invalid("query parameter 'order' must be asc or desc");
  }
  const mapped = new URLSearchParams(query);
  mapped.delete("sort");
  mapped.delete("order");
  mapped.set("order_by", `${field} ${direction}`);
  return mapped;
}
