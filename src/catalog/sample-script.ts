import type { FieldSpecJson } from "../../gen/patchbay/v1/common_pb.ts";
import type { BuiltinCatalogEntry } from "./builtin-catalog-entry.ts";
import { canonicalSchema } from "./canonical-schema.ts";

/**
 * The seeded `sample-script` connector's source: a reference for script authors. It works on an
 * in-script employee directory (no network), and shows params, config, variables, logging, validation
 * and both result shapes. Every command is a function named like the command.
 */
export const SAMPLE_SCRIPT_SOURCE = `// sample-script: a reference script connector (see docs/script-connectors.md).\nvar EMPLOYEES = [
  { id: "e-1001", email: "ada@example.com", name: "Ada Lovelace", department: "engineering" },
  { id: "e-1002", email: "grace@example.com", name: "Grace Hopper", department: "engineering" },
  { id: "e-1003", email: "katherine@example.com", name: "Katherine Johnson", department: "research" },
  { id: "e-1004", email: "hedy@example.com", name: "Hedy Lamarr", department: "research" },
  { id: "e-1005", email: "joan@example.com", name: "Joan Clarke", department: "operations" }
];

function test() {
  patchbay.log.info("sample-script test");
  return { success: true, payload: { version: "1.0.0", employees: EMPLOYEES.length } };
}

function lookupEmployee() {
  var id = patchbay.params.id;
  var email = patchbay.params.email;
  if (!id && !email) {
    return { success: false, error: "Give id or email", diagnostics: { statusCode: 400 } };
  }
  var found = EMPLOYEES.filter(function (e) {
    return (id && e.id === id) || (email && e.email === String(email).toLowerCase());
  })[0];
  if (!found) {
    patchbay.log.debug("employee not found");
    return { success: false, error: "Employee not found", diagnostics: { statusCode: 404 } };
  }
  return { success: true, payload: { employee: found }, variables: { employeeId: found.id } };
}

function listEmployees() {
  var department = patchbay.params.department;
  var limit = patchbay.params.limit;
  var matching = EMPLOYEES.filter(function (e) {
    return !department || e.department === department;
  });
  return {
    success: true,
    payload: { employees: matching.slice(0, limit), total: matching.length },
    variables: { employeeCount: matching.length }
  };
}

function createEmployee() {
  var p = patchbay.params;
  var problems = [];
  if (!/^[^@\\s]+@[^@\\s]+$/.test(p.email)) problems.push("email must be an email address");
  if (String(p.name).trim().length < 2) problems.push("name must have at least 2 characters");
  if (problems.length > 0) {
    patchbay.log.warn("createEmployee refused: " + problems.length + " problem(s)");
    return { success: false, error: problems.join("; "), diagnostics: { statusCode: 422 } };
  }
  var id = "e-" + (1001 + EMPLOYEES.length);
  return {
    success: true,
    payload: { employee: { id: id, email: p.email, name: p.name, department: p.department } },
    variables: { employeeId: id }
  };
}

function echo() {
  return {
    success: true,
    payload: { params: patchbay.params, config: patchbay.config, variables: patchbay.variables }
  };
}
`;

const text = (description: string, extra: FieldSpecJson = {}): FieldSpecJson => ({
  type: "string",
  description,
  ...extra,
});

/** The catalog entry seeded on every start (like a built-in; updated when its version changes). */
export const SAMPLE_SCRIPT_ENTRY: BuiltinCatalogEntry = {
  slug: "sample-script",
  name: "Sample Script",
  description: "A reference script connector: an in-script employee directory.",
  authType: "none",
  category: "examples",
  tags: ["script", "example"],
  version: "1.0.1",
  scriptSource: SAMPLE_SCRIPT_SOURCE,
  configSchema: canonicalSchema({
    connectionConfig: {},
    commands: {
      test: {
        description: "Connectivity check: returns the version and the number of employees.",
        params: [],
        outputs: ["version", "employees"],
        paramSchema: {},
        readOnly: true,
      },
      lookupEmployee: {
        description: "Find an employee by id or email.",
        params: ["id", "email"],
        outputs: ["employee"],
        paramSchema: { id: text("Employee id, e.g. e-1001."), email: text("Employee email.") },
        readOnly: true,
      },
      listEmployees: {
        description: "List employees, optionally of one department.",
        params: ["department", "limit"],
        outputs: ["employees", "total"],
        paramSchema: {
          department: text("Department to filter by.", {
            options: ["engineering", "research", "operations"],
          }),
          limit: { type: "number", description: "Most employees returned.", default: 10 },
        },
        readOnly: true,
      },
      createEmployee: {
        description: "Simulated creation with validation (nothing is stored).",
        params: ["email", "name", "department"],
        outputs: ["employee"],
        paramSchema: {
          email: text("Email address.", { required: true }),
          name: text("Full name.", { required: true }),
          department: text("Department.", { default: "engineering" }),
        },
        // As a real directory would: a create adds, keeps what was there, and repeats add again.
        readOnly: false,
        destructive: false,
        idempotent: false,
      },
      echo: {
        description: "Returns params, config and variables as the script sees them.",
        params: [],
        outputs: ["params", "config", "variables"],
        paramSchema: {},
        readOnly: true,
      },
    },
  }),
};
