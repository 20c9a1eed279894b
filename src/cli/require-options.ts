import type { Command } from "commander";

/**
 * Options `command` cannot run without. Checked just before its action, after commander's own checks,
 * so that a misspelt option is reported as unknown (with a suggestion) rather than as a missing one.
 */
export function requireOptions(command: Command, ...names: string[]): Command {
  return command.hook("preAction", (self) => {
    for (const option of self.options) {
      const name = option.attributeName();
      if (names.includes(name) && self.getOptionValue(name) === undefined) {
        self.error(`error: required option '${option.flags}' not specified`, {
          code: "commander.missingMandatoryOptionValue",
        });
      }
    }
  });
}
