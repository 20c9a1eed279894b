import { Migration } from "@mikro-orm/migrations";

/**
 * What MCP's live parts need across replicas.
 *
 * - `mcp_tool_list_changed()` announces on the channel `mcp_tool_lists` (NOTIFY, sent at commit) every
 *   change that can change someone's tool list: a connection created, relabelled, deleted or changing
 *   status (payload `s:` + md5 of its tenant and subject), and a connector created, changed or deleted
 *   (`t:` + md5 of its tenant, or `*` for a shared or published one). Triggers, so that every write path
 *   (RPCs, the OAuth callback, token refresh, the CLI, another release's replicas) announces without
 *   knowing MCP; an OAuth token refresh changes no column the trigger watches and announces nothing.
 *   The payload carries digests only, never a tenant or subject as written.
 * - `mcp_replies` holds a client's answer to a server-to-client request (sampling) that reached another
 *   replica than the one waiting for it, until the waiting replica takes it (announced on `mcp_replies`).
 */
export class M0019McpLive extends Migration {
  override name = "m0019-mcp-live";

  override up(): void {
    this.addSql(`create or replace function mcp_tool_list_changed() returns trigger language plpgsql as $$
begin
  if TG_TABLE_NAME = 'connections' then
    if TG_OP <> 'INSERT' then
      perform pg_notify('mcp_tool_lists', 's:' || md5(OLD.tenant_id || E'\\n' || OLD.subject));
    end if;
    if TG_OP <> 'DELETE' then
      perform pg_notify('mcp_tool_lists', 's:' || md5(NEW.tenant_id || E'\\n' || NEW.subject));
    end if;
  else
    if TG_OP <> 'INSERT' then
      perform pg_notify('mcp_tool_lists',
        case when OLD.tenant_id is null or OLD.published then '*' else 't:' || md5(OLD.tenant_id) end);
    end if;
    if TG_OP <> 'DELETE' then
      perform pg_notify('mcp_tool_lists',
        case when NEW.tenant_id is null or NEW.published then '*' else 't:' || md5(NEW.tenant_id) end);
    end if;
  end if;
  return null;
end $$`);
    this.addSql(`create trigger connections_mcp_tool_list_written
      after insert or delete on connections
      for each row execute function mcp_tool_list_changed()`);
    this.addSql(`create trigger connections_mcp_tool_list_changed
      after update on connections for each row
      when ((old.status, old.label, old.deleted_at, old.connector_id, old.connector_slug)
        is distinct from (new.status, new.label, new.deleted_at, new.connector_id, new.connector_slug))
      execute function mcp_tool_list_changed()`);
    this.addSql(`create trigger connectors_mcp_tool_list_written
      after insert or delete on connectors
      for each row execute function mcp_tool_list_changed()`);
    this.addSql(`create trigger connectors_mcp_tool_list_changed
      after update on connectors for each row when (old.* is distinct from new.*)
      execute function mcp_tool_list_changed()`);
    this.addSql(`create table mcp_replies (
      id text not null,
      key_id text not null,
      body jsonb not null,
      created_at timestamptz not null default now(),
      primary key (id, key_id)
    )`);
  }
}
