import { Code, ConnectError } from "@connectrpc/connect";
import type { AgentMessage } from "../../gen/patchbay/agent/v1/agent_pb.ts";

/**
 * The first message of an agent's stream, which must come within `deadlineMs`: a stream that never says
 * Hello would otherwise be held outside the silence rule and the key checks, which begin with the
 * Welcome. Ends with DEADLINE_EXCEEDED when it passes, UNAVAILABLE when the server begins to stop first.
 */
export async function awaitHello(
  incoming: AsyncIterator<AgentMessage>,
  deadlineMs: number,
  leaving: AbortSignal,
): Promise<IteratorResult<AgentMessage>> {
  let timer: NodeJS.Timeout | undefined;
  let stop: (() => void) | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ConnectError(
            `the agent sent no hello within ${deadlineMs / 1000} s of connecting`,
            Code.DeadlineExceeded,
          ),
        ),
      deadlineMs,
    );
    stop = () => reject(new ConnectError("the server is stopping: reconnect", Code.Unavailable));
    if (leaving.aborted) stop();
    else leaving.addEventListener("abort", stop, { once: true });
  });
  try {
    return await Promise.race([incoming.next(), late]);
  } finally {
    clearTimeout(timer);
    if (stop !== undefined) leaving.removeEventListener("abort", stop);
  }
}
