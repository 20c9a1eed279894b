import { Code, ConnectError } from "@connectrpc/connect";

/**
 * What the server's shutdown signal is aborted with once a stop's grace period is half over: the calls and
 * streams still running see it as their signal's reason (a client whose call ends on it gets `UNAVAILABLE`
 * with these words: retry, on another replica), and a command that it ends is told apart from one its
 * caller cancelled.
 */
export const SERVER_STOPPING = Object.freeze(new ConnectError("the server is stopping", Code.Unavailable));
