import type { Page } from "playwright-core";

/** Types a key into the key form and submits it from the keyboard (Enter in the field). */
export async function useKeyFromKeyboard(page: Page, key: string): Promise<void> {
  await page.getByLabel("API key").fill(key);
  await page.getByLabel("API key").press("Enter");
}
