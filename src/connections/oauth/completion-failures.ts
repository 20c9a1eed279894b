/** What a failed OAuth completion tells the person in the browser: plain words, no provider text. */
export interface FailureExplanation {
  /** Heading: what went wrong, in a few words. */
  readonly title: string;
  /** What happened. */
  readonly what: string;
  /** What to do now. */
  readonly next: string;
}

const START_AGAIN = "Start connecting again from the page where you started.";
const ASK_ADMIN = "If it keeps failing, give the error code below to your administrator.";

/**
 * Every reason code the OAuth callback ends with (`completeAuthorization`), explained. The codes are
 * stable: the opening tab receives the same code, and the connection's `last_error` is `oauth: <code>`.
 */
export const COMPLETION_FAILURES: Readonly<Record<string, FailureExplanation>> = {
  access_denied: {
    title: "Access was not granted",
    what: "The sign-in at the provider was cancelled, or access was declined there, so no access to the account was granted.",
    next: "If that was a mistake, start connecting again and approve the access the provider asks for. If your organization does not allow it, ask its administrator.",
  },
  state_expired: {
    title: "This sign-in took too long",
    what: "A sign-in has to be finished within ten minutes of starting it, and this one was not.",
    next: `${START_AGAIN} Finish signing in at the provider without a long pause.`,
  },
  state_unknown: {
    title: "This sign-in is not recognized",
    what: "There is no record of this sign-in: the address may be incomplete or out of date, or the connection was removed in the meantime.",
    next: START_AGAIN,
  },
  state_missing: {
    title: "This page was opened without a sign-in",
    what: "The address lacks the part that ties it to a sign-in, so it cannot be matched to a connection. This happens when the page is opened directly or its address was cut short.",
    next: START_AGAIN,
  },
  state_reused: {
    title: "This sign-in was already used",
    what: "A sign-in can finish only once, and this one already has, for example because the page was reloaded or opened twice.",
    next: "Check the connection on the page where you started; if it is not connected, start connecting again.",
  },
  link_used: {
    title: "This link was already used",
    what: "A link that starts connecting works once, and this one already has, for example because it was opened twice.",
    next: START_AGAIN,
  },
  link_expired: {
    title: "This link has expired",
    what: "A link that starts connecting has to be opened within five minutes, and this one was not.",
    next: START_AGAIN,
  },
  link_invalid: {
    title: "This link is not valid",
    what: "The link is incomplete or was changed, or the connection it was made for no longer exists.",
    next: START_AGAIN,
  },
  state_mismatch: {
    title: "The provider's answer does not match this sign-in",
    what: "The provider sent back an answer that belongs to a different sign-in. It was ignored, to keep your account safe.",
    next: `Start connecting again. ${ASK_ADMIN}`,
  },
  connector_deleted: {
    title: "This connector is no longer available",
    what: "The connector was removed while you were signing in, so the connection cannot be completed.",
    next: "Ask your administrator which connector to use instead.",
  },
  exchange_failed: {
    title: "The provider did not complete the sign-in",
    what: "The provider refused to grant access to the account, or did not answer when asked for it.",
    next: `Try again in a few minutes. ${ASK_ADMIN} The connector's settings may need fixing.`,
  },
  provider_error: {
    title: "The provider reported a problem",
    what: "The provider ended the sign-in with an error, so no access was granted.",
    next: `Try again later. ${ASK_ADMIN}`,
  },
};

/** The explanation of a code this table does not know (a newer code, or none at all). */
export const UNKNOWN_FAILURE: FailureExplanation = {
  title: "The connection could not be completed",
  what: "Something went wrong while finishing the sign-in.",
  next: `${START_AGAIN} ${ASK_ADMIN}`,
};

/** The explanation of a reason code; unknown codes get {@link UNKNOWN_FAILURE}. */
export function explainFailure(code: string): FailureExplanation {
  return Object.hasOwn(COMPLETION_FAILURES, code)
    ? (COMPLETION_FAILURES[code] ?? UNKNOWN_FAILURE)
    : UNKNOWN_FAILURE;
}
