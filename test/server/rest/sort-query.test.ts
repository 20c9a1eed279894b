import { describe, expect, it } from "vitest";
import { ListConnectionsRequestSchema } from "../../../gen/patchbay/v1/connection_pb.ts";
import { ListEndpointsRequestSchema } from "../../../gen/patchbay/v1/webhook_pb.ts";
import { BridgeError } from "../../../src/server/rest/bridge-error.ts";
import { sortQueryToOrderBy } from "../../../src/server/rest/sort-query.ts";

const orderBy = (query: string) =>
  sortQueryToOrderBy(ListConnectionsRequestSchema, new URLSearchParams(query)).toString();

// Issue 19 item 13: REST's `?sort=created_at&order=desc` is the request's AIP-132 order_by.
describe("sortQueryToOrderBy", () => {
  it.each([
    ["sort=created_at&order=desc&q=x", "q=x&order_by=create_time+desc"],
    ["sort=created_at&order=ASC", "order_by=create_time+asc"],
    ["sort=createTime", "order_by=create_time+asc"],
    ["q=x", "q=x"],
    ["order_by=create_time", "order_by=create_time"],
  ])("reads %s as %s", (query, expected) => {
    expect(orderBy(query)).toBe(expected);
  });

  it.each([
    ["order=desc", /takes one field name/],
    ["sort=created_at&sort=created_at", /takes one field name/],
    ["sort=created_at&order_by=create_time", /set the same field/],
    ["sort=label", /must be one of created_at, createdAt, create_time, createTime/],
    ["sort=created_at&order=newest", /'order' must be asc or desc/],
  ])("refuses %s with 400", (query, message) => {
    expect(() => orderBy(query)).toThrow(BridgeError);
    expect(() => orderBy(query)).toThrow(message);
  });

  it("leaves the query of a request without order_by to the usual rules", () => {
    const query = new URLSearchParams("sort=created_at");
    expect(sortQueryToOrderBy(ListEndpointsRequestSchema, query)).toBe(query);
  });
});
