/**
 * How each documented shell command is kept true. `run` commands are run verbatim by a test here
 * (`server`: against a test server, with $KEY, $ADMIN and $PATCHBAY set and localhost:8080 pointing at it;
 * `example`: against the example external connector); `test` names the test file that makes the same call
 * (`shows` is text that file must contain, so a renamed call or a deleted test is noticed); `ci` names a
 * step of `.ci/run`.
 */
export type CommandProof =
  | { readonly run: "server" | "example" }
  | { readonly test: string; readonly shows: string }
  | { readonly ci: string };

/** One documented command and its proof. */
export interface ProvenCommand {
  readonly page: string;
  /** The command with white space collapsed (`ShellCommand.key`). */
  readonly command: string;
  readonly proof: CommandProof;
}

const KEYS_CLI = { test: "test/cli/keys.test.ts", shows: "--overlap" } as const;
const EXAMPLE = { run: "example" } as const;
const SERVER = { run: "server" } as const;
const AGENT_CLI = {
  test: "test/cli/agent-command.test.ts",
  shows: '"--allow", "ldap.corp.example:8443"',
} as const;

/** Every shell command of README.md, docs/*.md and examples/**\/README.md, with its proof. */
export const COMMAND_PROOFS: readonly ProvenCommand[] = [
  {
    page: "docs/agent.md",
    command: `curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"name": "internal-http", "type": "http", "executionModel": "built_in", "agentPool": "dc-1"}' http://localhost:8080/api/v1/connectors`,
    proof: { test: "test/e2e/agent-process.test.ts", shows: 'name: "internal-http"' },
  },
  {
    page: "docs/agent.md",
    command: `curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"name": "inventory", "executionModel": "external", "endpointUrl": "http://10.0.4.7:9090", "protocol": "connect", "agentPool": "dc-1"}' http://localhost:8080/api/v1/connectors`,
    proof: {
      test: "test/e2e/agent-external.test.ts",
      shows: 'executionModel: "external", endpointUrl: served.url, protocol, agentPool',
    },
  },
  {
    page: "docs/agent.md",
    command: `curl -H "Authorization: Bearer $ADMIN" 'http://localhost:8080/api/v1/agents?pool=dc-1'`,
    proof: SERVER,
  },
  {
    page: "README.md",
    command: "npm ci && npm start",
    proof: { ci: "smoke: npm start on the embedded default" },
  },
  { page: "README.md", command: "npm test", proof: { ci: "npm test" } },
  {
    page: "README.md",
    command: "npx buf curl --protocol grpc --http2-prior-knowledge --list-methods http://localhost:8080",
    proof: SERVER,
  },
  {
    page: "README.md",
    command: `npx buf curl --protocol grpc --http2-prior-knowledge -H "Authorization: Bearer $KEY" -d '{"slug":"http"}' http://localhost:8080/patchbay.v1.CatalogService/GetConnector`,
    proof: SERVER,
  },
  {
    page: "README.md",
    command: `curl -H "Authorization: Bearer $KEY" 'http://localhost:8080/api/v1/connectors?authType=none'`,
    proof: SERVER,
  },
  {
    page: "README.md",
    command: `curl -H "Authorization: Bearer $KEY" http://localhost:8080/api/v1/connectors/http`,
    proof: SERVER,
  },
  {
    page: "README.md",
    command: `curl -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"pageSize": 10}' http://localhost:8080/patchbay.v1.CatalogService/ListConnectors`,
    proof: SERVER,
  },
  {
    page: "README.md",
    command: `npx patchbay scaffold acme-crm -d "ACME CRM"`,
    proof: { test: "test/cli/scaffold.test.ts", shows: "scaffold" },
  },
  {
    page: "README.md",
    command:
      "npx patchbay keys create --subject billing-service --scope catalog:read --scope execute [--expires 90d]",
    proof: { test: "test/cli/keys.test.ts", shows: "--expires" },
  },
  {
    page: "README.md",
    command: "npx patchbay keys list [--tenant t]",
    proof: { test: "test/cli/keys.test.ts", shows: "--tenant" },
  },
  { page: "README.md", command: "npx patchbay keys rotate pb_AbCdEfGh1 [--overlap 3600]", proof: KEYS_CLI },
  {
    page: "README.md",
    command: "npx patchbay keys revoke pb_AbCdEfGh1",
    proof: { test: "test/cli/keys.test.ts", shows: '"revoke"' },
  },
  {
    page: "README.md",
    command: "npx patchbay keys rotate-master",
    proof: { test: "test/cli/rotate-master.test.ts", shows: "rotate-master" },
  },
  {
    page: "README.md",
    command: "npx patchbay migrate",
    proof: { test: "test/e2e/process.test.ts", shows: '"migrate"' },
  },
  {
    page: "README.md",
    command: "npx patchbay import-openapi api.yaml --slug my-api [--tenant t]",
    proof: { test: "test/e2e/openapi-import-cli.test.ts", shows: "import-openapi" },
  },
  {
    page: "README.md",
    command: "PATCHBAY_API_KEY=pb_… npx patchbay mcp --url https://patchbay.example.com [--key-env VAR]",
    proof: { test: "test/cli/mcp-bridge.test.ts", shows: '"--key-env", "ACME_PATCHBAY_KEY"' },
  },
  {
    page: "docs/mcp-bridge.md",
    command: "PATCHBAY_API_KEY=pb_… npx patchbay mcp --url https://patchbay.example.com",
    proof: { test: "test/cli/mcp-bridge.test.ts", shows: "PATCHBAY_API_KEY: KEY" },
  },
  {
    page: "docs/mcp-bridge.md",
    command: "npx patchbay mcp --url https://patchbay.example.com --key-env ACME_PATCHBAY_KEY",
    proof: { test: "test/cli/mcp-bridge.test.ts", shows: '"--key-env", "ACME_PATCHBAY_KEY"' },
  },
  {
    page: "README.md",
    command:
      "PATCHBAY_AGENT_KEY=pb_… npx patchbay agent --url https://patchbay.example.com --pool dc-1 --allow 10.20.0.0/16:443",
    proof: AGENT_CLI,
  },
  {
    page: "docs/agent.md",
    command: "npx patchbay keys create --subject dc1-agent --scope agent --agent-pool dc-1",
    proof: { test: "test/cli/keys.test.ts", shows: '"--agent-pool"' },
  },
  {
    page: "docs/agent.md",
    command:
      "PATCHBAY_AGENT_KEY=pb_… npx patchbay agent --url https://patchbay.example.com --pool dc-1 --allow 10.20.0.0/16:443 --allow ldap.corp.example:8443",
    proof: AGENT_CLI,
  },
  {
    page: "docs/agent.md",
    command:
      "NODE_EXTRA_CA_CERTS=/etc/ssl/corp-ca.pem HTTPS_PROXY=http://proxy.corp.example:3128 PATCHBAY_AGENT_KEY=pb_… npx patchbay agent --url https://patchbay.example.com --pool dc-1 --allow wiki.corp.example:443",
    proof: { test: "test/e2e/agent-tls.test.ts", shows: "HTTPS_PROXY: proxy.url" },
  },
  {
    page: "docs/agent.md",
    command:
      "PATCHBAY_AGENT_KEY=pb_… npx patchbay agent --url https://patchbay.example.com --pool dc-1 --allow 10.20.0.0/16:443 --drain-timeout 120 --backoff-initial 1 --backoff-max 60",
    proof: {
      test: "test/cli/agent-command.test.ts",
      shows: '"--drain-timeout", "120", "--backoff-initial", "1", "--backoff-max", "60"',
    },
  },
  {
    page: "docs/agent.md",
    command: "curl http://127.0.0.1:9090/healthz",
    proof: { test: "test/agent/agent.test.ts", shows: "/healthz`" },
  },
  {
    page: "docs/api-keys.md",
    command: `curl -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"subject": "billing-service", "scopes": ["catalog:read", "execute"], "name": "billing", "expireTime": "2027-06-30T00:00:00Z"}' http://localhost:8080/api/v1/api-keys`,
    proof: SERVER,
  },
  {
    page: "docs/api-keys.md",
    command: `curl -H "Authorization: Bearer $ADMIN" 'http://localhost:8080/api/v1/api-keys?pageSize=20'`,
    proof: SERVER,
  },
  {
    page: "docs/api-keys.md",
    command: `curl -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{"overlapSeconds": 3600}' "http://localhost:8080/api/v1/api-keys/$KEY_ID:rotate"`,
    proof: { test: "test/auth/api-key-revocation.test.ts", shows: ":rotate" },
  },
  {
    page: "docs/api-keys.md",
    command: `curl -H "Authorization: Bearer $ADMIN" -H 'Content-Type: application/json' -d '{}' http://localhost:8080/api/v1/api-keys/pb_AbCdEfGh1:revoke`,
    proof: { test: "test/auth/api-key-revocation.test.ts", shows: ":revoke" },
  },
  {
    page: "docs/api-keys.md",
    command: `grpcurl -plaintext -H "authorization: Bearer $ADMIN" -d '{"id": "pb_AbCdEfGh1", "overlap_seconds": 0}' localhost:8080 patchbay.v1.ApiKeyService/RotateApiKey`,
    proof: { test: "test/auth/api-key-service.test.ts", shows: "rotateApiKey" },
  },
  {
    page: "docs/connections.md",
    command: `curl -X POST http://localhost:8080/api/v1/connections -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"connectorSlug": "placeholder-api", "label": "Work"}'`,
    proof: SERVER,
  },
  {
    page: "docs/connections.md",
    command: `curl -X POST http://localhost:8080/api/v1/connections/$ID/credentials -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"credentials": {"baseUrl": "https://api.example.com", "apiKey": "…"}}'`,
    proof: { test: "test/e2e/connections-api-key.test.ts", shows: "/credentials" },
  },
  {
    page: "docs/connections.md",
    command: `npx buf curl --protocol grpc --http2-prior-knowledge -H "Authorization: Bearer $KEY" -d '{"connectorSlug": "placeholder-api", "label": "Work"}' http://localhost:8080/patchbay.v1.ConnectionService/StartConnection`,
    proof: SERVER,
  },
  {
    page: "docs/connections.md",
    command: `npx buf curl --protocol grpc --http2-prior-knowledge -H "Authorization: Bearer $KEY" -d '{"id": "'$ID'", "credentials": {"baseUrl": "https://api.example.com", "apiKey": "…"}}' http://localhost:8080/patchbay.v1.ConnectionService/SubmitCredentials`,
    proof: { test: "test/inprocess/services.test.ts", shows: "submitCredentials" },
  },
  {
    page: "docs/connections.md",
    command: `curl -X POST http://localhost:8080/api/v1/connections -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"connectorSlug": "acme-oauth"}'`,
    proof: { test: "test/e2e/connections-oauth.test.ts", shows: "oauthUrl" },
  },
  {
    page: "docs/connections.md",
    command: `curl -i -H "Authorization: Bearer $KEY" 'http://localhost:8080/api/v1/connections/oauth/start?slug=acme-oauth&select_account=1'`,
    proof: { test: "test/e2e/connections-oauth.test.ts", shows: "oauth/start" },
  },
  {
    page: "docs/connections.md",
    command: `curl -H "Authorization: Bearer $KEY" http://localhost:8080/api/v1/connections/$ID/oauth`,
    proof: { test: "test/e2e/connections-oauth.test.ts", shows: "/oauth" },
  },
  {
    page: "docs/connections.md",
    command: `curl -X POST -H "Authorization: Bearer $KEY" -d '{"selectAccount": true}' http://localhost:8080/api/v1/connections/$ID/oauth`,
    proof: { test: "test/e2e/connections-oauth.test.ts", shows: "select_account" },
  },
  {
    page: "docs/connectors.md",
    command: `npx patchbay scaffold acme-crm -d "Acme CRM contacts and deals"`,
    proof: { test: "test/cli/scaffold.test.ts", shows: "scaffold" },
  },
  {
    page: "docs/execute.md",
    command: `curl -X POST http://localhost:8080/api/v1/connectors/delay/execute -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"command": "wait", "params": {"delayMs": 250}}'`,
    proof: SERVER,
  },
  {
    page: "docs/execute.md",
    command: `curl -X POST http://localhost:8080/api/v1/connections/$ID/execute -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"command": "listPosts", "params": {"limit": 10}, "variables": {"run": 1}, "metadata": {"stepId": "s1", "runId": "r1", "timeoutMs": 5000, "idempotencyKey": "order-42"}}'`,
    proof: { test: "test/e2e/execute.test.ts", shows: "idempotencyKey" },
  },
  {
    page: "docs/execute.md",
    command: `curl -X POST http://localhost:8080/api/v1/connections/$ID/execute -H "Authorization: Bearer $KEY" -H 'Content-Type: application/json' -d '{"command": "listPosts", "metadata": {"mockScenario": "empty"}}'`,
    proof: { test: "test/e2e/execute-mock-scenario.test.ts", shows: 'metadata: { mockScenario: "empty" }' },
  },
  {
    page: "docs/openapi-connectors.md",
    command: `curl -s localhost:8080/api/v1/connectors/parse-oas -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d "{\\"document\\": $(jq -Rs . < petstore.yaml)}"`,
    proof: { test: "test/e2e/parse-openapi.test.ts", shows: "parse-oas" },
  },
  {
    page: "docs/openapi-connectors.md",
    command: `curl -s localhost:8080/api/v1/connectors -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d "{\\"name\\": \\"petstore\\", \\"executionModel\\": \\"openapi\\", \\"openapiDocument\\": $(jq -Rs . < petstore.yaml), \\"operations\\": [\\"getPetById\\", \\"findPetsByStatus\\"]}"`,
    proof: { test: "test/e2e/openapi-connectors.test.ts", shows: "openapiDocument" },
  },
  {
    page: "docs/openapi-connectors.md",
    command:
      "npx patchbay import-openapi github.json --slug github-rest [--select issues/create,issues/list-for-repo] [--json]",
    proof: { test: "test/e2e/openapi-import-cli.test.ts", shows: "import-openapi" },
  },
  {
    page: "docs/operations.md",
    command: "kubectl delete job patchbay-migrate --ignore-not-found",
    proof: { test: "test/deploy/kubernetes.test.ts", shows: "patchbay-migrate" },
  },
  {
    page: "docs/operations.md",
    command: "kubectl apply -f deploy/kubernetes/migrate-job.yaml",
    proof: { test: "test/deploy/kubernetes.test.ts", shows: "patchbay-migrate" },
  },
  {
    page: "docs/operations.md",
    command: "kubectl wait --for=condition=complete job/patchbay-migrate --timeout=10m",
    proof: { test: "test/deploy/kubernetes.test.ts", shows: "patchbay-migrate" },
  },
  {
    page: "docs/operations.md",
    command: "kubectl apply -f deploy/kubernetes/deployment.yaml",
    proof: { test: "test/deploy/kubernetes.test.ts", shows: "Deployment" },
  },
  {
    page: "docs/operations.md",
    command: `kubectl create secret generic patchbay --from-literal=database-url='postgres://patchbay:…@db.internal:5432/patchbay' --from-literal=master-key="$(openssl rand -base64 32)"`,
    proof: { test: "test/deploy/kubernetes.test.ts", shows: "master-key" },
  },
  {
    page: "docs/rest-api.md",
    command: `curl -H "Authorization: Bearer $KEY" 'http://localhost:8080/api/v1/connectors?authType=none&pageSize=10'`,
    proof: SERVER,
  },
  {
    page: "docs/rest-api.md",
    command: `curl -H "X-API-Key: $KEY" http://localhost:8080/api/v1/connectors/http`,
    proof: SERVER,
  },
  {
    page: "docs/webhooks.md",
    command: `curl -s -X POST "$PATCHBAY/api/v1/webhook-endpoints" -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d '{"provider":"github","connectorSlug":"github","secret":"<the webhook secret you set on GitHub>"}'`,
    proof: SERVER,
  },
  {
    page: "examples/external-connector/README.md",
    command: "node examples/external-connector/main.ts",
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: "PORT=9191 HOST=0.0.0.0 node examples/external-connector/main.ts",
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: `curl -s -X POST http://127.0.0.1:9090/execute -H 'content-type: application/json' -d '{ "protocolVersion": "2.0", "command": "hello", "config": {}, "params": {"name": "Ada"}, "variables": {}, "metadata": {"stepId": "step-1", "runId": "run-1", "timeout": 30000}}'`,
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: `curl -si -X POST http://127.0.0.1:9090/execute -d '{"protocolVersion":"2.0","command":"hello"}'`,
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: "curl -s http://127.0.0.1:9090/schema",
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: "curl -s http://127.0.0.1:9090/health",
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: `buf curl --schema proto --protocol grpc --http2-prior-knowledge -d '{"protocolVersion":"2.0","command":"hello","params":{"name":"Ada"}}' http://127.0.0.1:9090/patchbay.connector.v1.ConnectorService/Execute`,
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command:
      "buf curl --schema proto --protocol grpc --http2-prior-knowledge http://127.0.0.1:9090/patchbay.connector.v1.ConnectorService/Describe",
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command:
      "buf curl --schema node_modules/grpc-health-check/proto --protocol grpc --http2-prior-knowledge http://127.0.0.1:9090/grpc.health.v1.Health/Check",
    proof: EXAMPLE,
  },
  {
    page: "examples/external-connector/README.md",
    command: `curl -s -X POST http://127.0.0.1:9090/patchbay.connector.v1.ConnectorService/Execute -H 'content-type: application/json' -d '{"protocolVersion":"2.0","command":"test"}'`,
    proof: EXAMPLE,
  },
  {
    page: "docs/connections.md",
    command: 'curl -i "$OAUTH_LINK_URL"',
    proof: { test: "test/e2e/oauth-start-link.test.ts", shows: "oauthLinkUrl" },
  },
  {
    page: "docs/execute.md",
    command: `curl -si -X POST localhost:8080/api/v1/connectors/legacy-crm/execute -H "Authorization: Bearer $PATCHBAY_KEY" -H 'Content-Type: application/json' -d '{"command": "oldList", "params": {"limit": 3}}' | grep -i x-patchbay-deprecated`,
    proof: { test: "test/e2e/execute-fidelity.test.ts", shows: "x-patchbay-deprecated" },
  },
  // The draft round trip (parse-oas, then its createRequest posted as is), one pipeline over three lines.
  {
    page: "docs/openapi-connectors.md",
    command: `curl -s localhost:8080/api/v1/connectors/parse-oas -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d "{\\"document\\": $(jq -Rs . < petstore.yaml)}" |`,
    proof: { test: "test/e2e/openapi-fidelity.test.ts", shows: "createRequest" },
  },
  {
    page: "docs/openapi-connectors.md",
    command: "jq .createRequest |",
    proof: { test: "test/e2e/openapi-fidelity.test.ts", shows: "createRequest" },
  },
  {
    page: "docs/openapi-connectors.md",
    command: `curl -s localhost:8080/api/v1/connectors -H "authorization: Bearer $KEY" -H 'content-type: application/json' -d @-`,
    proof: { test: "test/e2e/openapi-fidelity.test.ts", shows: "createRequest" },
  },
];
