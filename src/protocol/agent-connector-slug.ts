/**
 * A connector slug as an agent names it (`--connector`, Hello.connectors): every catalog slug, and the
 * underscores and up to 100 characters agents have always accepted, so no agent of an earlier release is
 * refused. Bounded because the server keeps, stores and lists each Hello's connectors.
 */
export const AGENT_CONNECTOR_SLUG = /^[a-z0-9][a-z0-9_-]{0,99}$/;
